"""``torch.sparse``: sparse COO tensors (see ``coo.py`` for what is supported).

Importing this package adds ``Tensor.to_sparse`` and ``Tensor.is_sparse`` (False for dense
tensors); ``minigrad.sparse_coo_tensor``, ``minigrad.spmm`` and ``minigrad.sparse_coo`` are
re-exported at the top level.
"""
from __future__ import annotations

from ..tensor import Tensor
from .coo import SparseCOOTensor, sparse_coo

__all__ = ["SparseCOOTensor", "sparse_coo", "sparse_coo_tensor", "mm", "spmm", "sum"]


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """A sparse COO tensor with ``values[j]`` at index column ``indices[:, j]``.

    Args:
        indices: int tensor (or nested list) of shape (sparse_dim, nnz).
        values: tensor (or nested list) of shape (nnz, *dense_dims).
        size: full size; default: one past the largest index per sparse dim, then
            ``values.shape[1:]``.
        dtype, device: of the values (default: inferred from ``values``).
        requires_grad: not supported (build from a dense tensor with ``to_sparse()``).
        is_coalesced: declare the indices sorted and unique (trusted, as in PyTorch).

    Returns:
        SparseCOOTensor; duplicate indices are summed by ``coalesce``/``to_dense``.

    Raises:
        RuntimeError: for indices that are not 2-D, a count mismatch with ``values``, a
            negative index or one out of ``size``.
    """
    from .. import as_tensor, bool as bool_, long

    idx = as_tensor(indices, device=device)
    if idx.is_floating_point() or idx.dtype == bool_:
        raise RuntimeError(f"indices must be an int64 tensor, got {idx.dtype}")
    idx = idx.to(long)
    vals = as_tensor(values, dtype=dtype, device=device)
    if vals.ndim == 0:
        vals = vals.reshape(1)
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    k, nnz = idx.shape
    if vals.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, "
                           f"nnz from values: {vals.shape[0]}")
    if requires_grad:
        raise NotImplementedError("minigrad: sparse_coo_tensor(requires_grad=True) is not supported; build "
                                  "the tensor with to_sparse() from a dense tensor that requires grad")
    imin = idx.amin(1) if nnz else None
    if nnz and bool((imin < 0).any()):
        raise RuntimeError(f"found negative index {int(imin.min())} for dim {int(imin.argmin())}")
    if size is None:
        size = (tuple(int(m) + 1 for m in idx.amax(1)) if nnz else (0,) * k) + tuple(vals.shape[1:])
    size = tuple(int(s) for s in size)
    if len(size) != k + vals.ndim - 1:
        raise RuntimeError(f"number of dimensions must be sparse_dim ({k}) + dense_dim ({vals.ndim - 1}), "
                           f"but got {len(size)}")
    if tuple(vals.shape[1:]) != size[k:]:
        raise RuntimeError(f"values has incorrect size, expected {[nnz] + list(size[k:])}, got {list(vals.shape)}")
    if nnz:
        imax = idx.amax(1)
        for d in range(k):
            if int(imax[d]) >= size[d]:
                raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {size[d]} but "
                                   f"found index {int(imax[d])}")
    return SparseCOOTensor._make(idx, vals, size, bool(is_coalesced) or nnz <= 1)


def mm(mat1, mat2, reduce="sum"):
    """``torch.sparse.mm``: a product where either side may be sparse (dense result here)."""
    if reduce != "sum":
        raise NotImplementedError(f"minigrad: torch.sparse.mm(reduce={reduce!r}) is not supported")
    return mat1 @ mat2


def spmm(mat1, mat2):
    """``torch.spmm``: sparse (n, k) @ dense (k, m) -> dense (n, m)."""
    return mat1 @ mat2


def sum(input, dim=None, dtype=None):  # noqa: A001  (torch.sparse.sum)
    """``torch.sparse.sum`` over all or some dims (computed on the dense form; dense result,
    where PyTorch keeps a sparse one when sparse dims remain)."""
    d = input.to_dense() if input.is_sparse else input
    return d.sum(dtype=dtype) if dim is None else d.sum(dim, dtype=dtype)


def _to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """``Tensor.to_sparse``: the nonzero entries (row-major order, so coalesced)."""
    if layout not in (None, sparse_coo) or blocksize is not None or dense_dim not in (None, 0):
        raise NotImplementedError("minigrad: to_sparse supports only layout=torch.sparse_coo with no dense dims")
    k = self.ndim if sparse_dim is None else int(sparse_dim)
    if k != self.ndim or k == 0:
        raise NotImplementedError("minigrad: to_sparse supports tensors of 1 or more dims, with no dense dims")
    idx = self.detach().nonzero().t().contiguous()  # (ndim, nnz), row-major order
    vals = self[tuple(idx[i] for i in range(k))]  # a gather: gradients reach self
    src = self if vals.requires_grad else None
    return SparseCOOTensor._make(idx, vals, tuple(self.shape), True, src)


Tensor.to_sparse = _to_sparse
Tensor.to_sparse_coo = _to_sparse
Tensor.is_sparse = False
