"""Sparse COO tensors: the part of PyTorch's ``torch.sparse_coo`` layout that graph
programs (GCN, GAT) use to build and apply adjacency matrices.

A ``SparseCOOTensor`` holds ``indices`` (int64, shape (sparse_dim, nnz)) and ``values``
(shape (nnz, *dense_dims)) for a tensor of ``size``; duplicate index columns add up, as in
PyTorch. It is a ``Tensor`` (``isinstance(s, torch.Tensor)`` holds) with
``layout == torch.sparse_coo`` and ``is_sparse``. Supported: ``sparse_coo_tensor``,
``Tensor.to_sparse``, ``to_dense``, ``coalesce``, ``indices``/``values`` (coalesced) and
``_indices``/``_values``/``_nnz``, ``t()``, ``to``, sparse @ dense and dense @ sparse
(``mm``/``matmul``/``spmm``/``@``, 2-D), dense + sparse (dense result), sparse + sparse.
Every other op raises ``NotImplementedError`` naming the op, as PyTorch's sparse
backend does for ops it lacks.

All of it is composed from dense differentiable ops (gather, ``index_add``, ``index_put``),
so gradients reach the dense operands and the values with no backward code here.
"""
from __future__ import annotations

import numpy as np

from .._parser import layout
from .._tensor_attrs import promote_types
from ..tensor import Size, Tensor

sparse_coo = layout("sparse_coo")


def _unsupported(self):
    raise NotImplementedError(
        "minigrad: this operation is not supported for sparse COO tensors (layout=torch.sparse_coo); "
        "supported are to_dense, coalesce, indices/values, t, to, sparse @ dense, dense @ sparse, "
        "dense + sparse and sparse + sparse. Call .to_dense() first for anything else."
    )


class SparseCOOTensor(Tensor):
    """A sparse tensor in coordinate format (see the module docstring)."""

    # _src: the dense tensor this one came from by to_sparse(), kept only while it requires
    # grad: PyTorch's products and sums with a dense tensor then send the whole dense
    # gradient (zeros included) back to it, while to_dense() and values() mask it
    __slots__ = ("_idx", "_vals", "_size", "_coalesced", "_src")
    is_sparse = True
    # the dense storage slot is off limits: any dense op reaching it gets a clear error
    array = property(_unsupported)

    def __init__(self, *args, **kwargs):
        raise TypeError("use torch.sparse_coo_tensor(indices, values, size) to build a sparse tensor")

    @staticmethod
    def _make(indices, values, size, coalesced, src=None):
        s = object.__new__(SparseCOOTensor)
        s._idx, s._vals, s._size, s._coalesced, s._src = indices, values, Size(size), coalesced, src
        s.grad, s._ctx, s._vc, s._base, s._hooks = None, None, [0], None, None
        return s

    # ---- metadata ------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._vals.requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value:
            raise NotImplementedError(
                "minigrad: sparse COO tensors do not take gradients themselves; build them with "
                "to_sparse() from a dense tensor that requires grad"
            )

    @property
    def layout(self):
        return sparse_coo

    @property
    def shape(self):
        return self._size

    def size(self, dim=None):
        return self._size if dim is None else self._size[dim]

    @property
    def ndim(self):
        return len(self._size)

    def dim(self):
        return len(self._size)

    @property
    def dtype(self):
        return self._vals.dtype

    @property
    def device(self):
        return self._vals.device

    def sparse_dim(self):
        return self._idx.shape[0]

    def dense_dim(self):
        return self._vals.ndim - 1

    def _nnz(self):
        return self._idx.shape[1]

    def _indices(self):
        return self._idx

    def _values(self):
        return self._vals

    def is_coalesced(self):
        return self._coalesced

    def indices(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._idx

    def values(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._vals

    def __repr__(self):
        ind = repr(self._idx).replace("\n", "\n" + " " * 15)
        val = repr(self._vals.detach()).replace("\n", "\n" + " " * 7)
        fn = self._vals.grad_fn
        grad = f", grad_fn=<{fn.name()}>" if fn is not None else ""
        return (f"tensor(indices={ind},\n       values={val},\n       size={tuple(self._size)}, "
                f"nnz={self._nnz()}, layout=torch.sparse_coo{grad})")

    __str__ = __repr__

    # ---- conversions -----------------------------------------------------------------
    def to_dense(self, dtype=None, *, masked_grad=None):
        k = self.sparse_dim()
        out = self._vals.new_zeros(tuple(self._size))
        if self._nnz():
            out = out.index_put(tuple(self._idx[i] for i in range(k)), self._vals, accumulate=True)
        return out if dtype is None else out.to(dtype)

    def coalesce(self):
        if self._coalesced:
            return self
        k, nnz = self.sparse_dim(), self._nnz()
        if nnz == 0:
            return SparseCOOTensor._make(self._idx, self._vals, self._size, True)
        ind = self._idx.array
        xp = np if isinstance(ind, np.ndarray) else self._idx.xp
        lin = xp.ravel_multi_index(tuple(ind), tuple(self._size[:k]))
        uniq, inverse = xp.unique(lin, return_inverse=True)
        new_idx = Tensor._wrap(xp.stack(xp.unravel_index(uniq, tuple(self._size[:k]))).astype(np.int64))
        inv = Tensor._wrap(inverse.reshape(-1).astype(np.int64))
        vals = self._vals.new_zeros((len(uniq),) + tuple(self._vals.shape[1:])).index_add(0, inv, self._vals)
        return SparseCOOTensor._make(new_idx, vals, self._size, True)

    def to(self, *args, **kwargs):
        vals = self._vals.to(*args, **kwargs)
        idx = self._idx.to(vals.device)
        src = None if self._src is None else self._src.to(*args, **kwargs)
        return SparseCOOTensor._make(idx, vals, self._size, self._coalesced, src)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def to_sparse(self, sparse_dim=None):
        return self

    def detach(self):
        return SparseCOOTensor._make(self._idx, self._vals.detach(), self._size, self._coalesced)

    def t(self):
        if self.ndim != 2 or self.dense_dim():
            raise RuntimeError(f"t() expects a 2-D sparse tensor with no dense dimensions, got {self.ndim}-D")
        idx = self._idx.flip(0)
        src = None if self._src is None else self._src.t()
        return SparseCOOTensor._make(idx, self._vals, (self._size[1], self._size[0]), False, src)

    # ---- arithmetic ------------------------------------------------------------------
    def _mm_dense(self, other):
        """(n, k) sparse @ (k, m) dense -> (n, m) dense."""
        if not isinstance(other, Tensor) or other.is_sparse:
            raise NotImplementedError("minigrad: sparse @ sparse is not supported; call .to_dense() on one side")
        if self.ndim != 2 or self.dense_dim() or other.ndim != 2:
            raise RuntimeError(f"sparse mm expects a 2-D sparse and a 2-D dense matrix, got sizes "
                               f"{list(self._size)} and {list(other.shape)}")
        if other.dtype != self.dtype:
            raise RuntimeError(f"expected scalar type {_scalar(other.dtype)} but found {_scalar(self.dtype)}")
        if other.shape[0] != self._size[1]:
            raise RuntimeError(f"mm: sparse matrix of size {list(self._size)} cannot be multiplied by a "
                               f"dense matrix of size {list(other.shape)}")
        if self._src is not None:  # same values; PyTorch's unmasked gradient to the source
            return self._src @ other
        out = other.new_zeros((self._size[0], other.shape[1]))
        if not self._nnz():
            return out
        rows, cols = self._idx[0], self._idx[1]
        return out.index_add(0, rows, self._vals.unsqueeze(1) * other[cols])

    def __matmul__(self, other):
        return self._mm_dense(other)

    def __rmatmul__(self, other):  # dense @ sparse = (sparse^T @ dense^T)^T
        if not isinstance(other, Tensor) or other.ndim != 2:
            raise RuntimeError("dense @ sparse expects a 2-D dense matrix on the left")
        return self.t()._mm_dense(other.t()).t()

    matmul = mm = __matmul__

    def __add__(self, other):
        if isinstance(other, SparseCOOTensor):
            if other._size != self._size:
                raise RuntimeError(f"add: expected 'self' and 'other' to have same size, but self has size "
                                   f"{list(self._size)} while other has size {list(other._size)}")
            dt = promote_types(self.dtype, other.dtype)
            from ..ops import cat

            vals = cat([self._vals.to(dt), other._vals.to(dt)])
            return SparseCOOTensor._make(cat([self._idx, other._idx], 1), vals, self._size, False)
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")

    def __radd__(self, other):  # dense + sparse -> dense
        if not isinstance(other, Tensor):
            _unsupported(self)
        if tuple(other.shape) != tuple(self._size):
            raise RuntimeError(
                f"add: expected 'self' and 'other' to have same size, but self has size {list(other.shape)} "
                f"while other has size {list(self._size)} (FYI: dense-sparse addition does not currently "
                "support broadcasting)")
        return other + (self.to_dense() if self._src is None else self._src)


def _scalar(dtype):
    """PyTorch's scalar-type name in error messages (Float, Double, Long, ...)."""
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
             "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    key = str(dtype).rsplit(".", 1)[-1]
    return names.get(key, key)
