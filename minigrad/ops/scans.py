"""Scans along one dim: cumsum and cumprod (int inputs give int64, float16 accumulates in
float32), with exact gradients when cumprod's input holds zeros."""
from __future__ import annotations

import builtins

from .._autocast import autocast_op
from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..tensor import Tensor, _wrap_dim
from . import compare
from ._util import cast
from .movement import flip, movedim, unsqueeze
from .reduce import Sum, _acc


class Cumsum(Function):
    """y_k = sum_{j<=k} x_j along axis; gx_i = sum_{k>=i} gy_k (a reversed cumsum)"""

    def forward(self, x, axis):
        self.axis = axis
        return self.xp.cumsum(_acc(x, self.xp), axis=axis).astype(x.dtype, copy=False)

    def backward(self, gy):
        return _rev_cumsum(gy, self.axis)


def _rev_cumsum(g, axis):
    return flip(Cumsum.apply(flip(g, axis), axis=axis), axis)


class Cumprod(Function):
    """y_k = prod_{j<=k} x_j along axis; gx_i = sum_{k>=i} gy_k prod_{j<=k, j!=i} x_j:
    revcumsum(gy * y) / x before the first zero z of a line, at z the same sum over the
    cumulative product with x_z replaced by 1, and 0 after z (each term holds x_z): O(n),
    as PyTorch; under create_graph an O(n^2) form that is exact to second order."""

    def forward(self, x, axis):
        self.axis = axis
        y = self.xp.cumprod(_acc(x, self.xp), axis=axis).astype(x.dtype, copy=False)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        axis = self.axis
        zero = x.array == 0
        if not builtins.bool(zero.any()):
            return _rev_cumsum(gy * y, axis) / x
        if _State.enabled:  # create_graph: the O(n^2) form, exact to second order
            return _cumprod_grad_quadratic(x, gy, axis)
        xp = x.xp
        # position of each line's first zero (n where there is none)
        n = x.shape[axis]
        pos = xp.arange(n).reshape((n,) + (1,) * (x.ndim - 1 - axis))
        first = xp.where(zero.any(axis=axis, keepdims=True), zero.argmax(axis=axis, keepdims=True), n)
        before, at = Tensor._wrap(pos < first), Tensor._wrap(pos == first)
        safe = compare.where(before, x, 1.0)  # no division by the zeros
        z = Cumprod.apply(compare.where(at, 1.0, x), axis=axis)
        g_before = _rev_cumsum(gy * y, axis) / safe
        return compare.where(before, g_before, compare.where(at, _rev_cumsum(gy * z, axis), 0.0))


def _cumprod_grad_quadratic(x, gy, axis):
    """Cumprod's gradient from an (n, n) matrix per line whose row i is x with x_i replaced
    by 1: its cumprod at k is prod_{j<=k, j!=i} x_j. Differentiable again at zeros (the
    O(n) form is not: it drops the dependence of the terms after a zero on that zero)."""
    xp = x.xp
    xt, gt = movedim(x, axis, -1), movedim(gy, axis, -1)
    n = xt.shape[-1]
    eye = Tensor._wrap(xp.eye(n, dtype=bool))
    c = Cumprod.apply(compare.where(eye, 1.0, unsqueeze(xt, -2)), axis=xt.ndim)
    upper = Tensor._wrap(xp.triu(xp.ones((n, n), dtype=bool)))  # k >= i
    zero = Tensor._wrap(xp.zeros((), gy.array.dtype))
    g = Sum.apply(compare.where(upper, c * unsqueeze(gt, -2), zero), axes=(xt.ndim,),
                  keepdim=False)
    return movedim(g, -1, axis)


def _scan(op, x, dim, dtype):
    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x.array.dtype.kind in "bui":
        x = cast(x, "int64")
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        from .movement import clone

        return clone(x)
    return op.apply(x, axis=d)


@autocast_op("cumsum")
def cumsum(x, dim, *, dtype=None):
    """Cumulative sum along ``dim`` (int inputs give int64; float16 accumulates in float32)."""
    return _scan(Cumsum, x, dim, dtype)


@autocast_op("cumprod")
def cumprod(x, dim, *, dtype=None):
    """Cumulative product along ``dim``. The gradient is exact with zeros in the input
    (O(n); an O(n^2) form only for a second derivative of a line holding zeros) and twice
    differentiable."""
    return _scan(Cumprod, x, dim, dtype)



__all__ = ["cumprod", "cumsum"]
