"""Storage-level views: as_strided, as_strided_scatter, and the Tensor methods
as_strided_ and fill_diagonal_ (resize_ is in inplace_forms.py, new_empty_strided in
_tensor_attrs.py).

A tensor's "storage" here is the C-contiguous array it is a view of (its base's array,
else its own array, else a contiguous copy). ``as_strided`` reads that storage at the flat
positions ``offset + sum(i_k * stride_k)``: an advanced-indexing read (``GetItem``), so its
gradient accumulates where positions overlap and flows to the tensor the storage belongs to.
Unlike PyTorch the result is a copy, not a view sharing memory (see
docs/differences-from-pytorch.md).
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from . import compare
from . import inplace as _inplace
from ._util import const
from .indexing import GetItem, SetItem, _normalize
from .movement import reshape


def _storage(t):
    """``(storage tensor, element offset of t in it)``: t's base when t's array is a view
    into the base's C-contiguous array, else t itself (made contiguous)."""
    base = t._base
    if base is not None and base.array.flags.c_contiguous and base.array.dtype == t.array.dtype:
        from .copyslices import geometry

        g = geometry(base, t)
        if g is not None:
            return base, g.offset
    return t, 0


def _positions(xp, size, stride, offset):
    idx = xp.full(tuple(size), offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        idx = idx + (xp.arange(n, dtype=np.int64) * s).reshape(shape)
    return idx


def _check(size, stride, offset, numel, itemsize):
    size, stride = [int(s) for s in size], [int(s) for s in stride]
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {stride}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    need = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if need > numel:
        raise RuntimeError(
            f"setStorage: sizes {size}, strides {stride}, storage offset {offset}, and itemsize "
            f"{itemsize} requiring a storage size of {need * itemsize} are out of bounds for "
            f"storage of size {numel * itemsize}")
    return size, stride


def as_strided(input, size, stride, storage_offset=None):
    """The elements of ``input``'s storage at ``storage_offset + sum(i_k * stride_k)`` for
    each index ``i`` of ``size`` (``storage_offset`` defaults to input's own offset)."""
    store, off = _storage(input)
    offset = off if storage_offset is None else int(storage_offset)
    flat = reshape(store if store.array.flags.c_contiguous else store.contiguous(), (-1,))
    size, stride = _check(size, stride, offset, flat.shape[0], flat.array.itemsize)
    idx = Tensor._wrap(_positions(flat.xp, size, stride, offset))
    return GetItem.apply(flat, idx=_normalize(flat, (idx,)))


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of ``input`` with ``src`` written at the positions ``as_strided(input, size,
    stride, storage_offset)`` reads (input taken as contiguous)."""
    offset = 0 if storage_offset is None else int(storage_offset)
    flat = reshape(input.contiguous(), (-1,))
    size, stride = _check(size, stride, offset, flat.shape[0], flat.array.itemsize)
    if tuple(src.shape) != tuple(size):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(size)}")
    idx = Tensor._wrap(_positions(flat.xp, size, stride, offset))
    v = src if src.array.dtype == flat.array.dtype else src.to(dtype=input.dtype)
    return reshape(SetItem.apply(flat, v, idx=_normalize(flat, (idx,))), input.shape)


def as_strided_(input, size, stride, storage_offset=None):
    """Make ``input`` the strided view of its own storage (not recorded by autograd)."""
    if _inplace._records(input):
        raise RuntimeError("as_strided_(): restriding a tensor that requires grad in place is "
                           "not supported; use as_strided")
    store, off = _storage(input)
    offset = off if storage_offset is None else int(storage_offset)
    a = store.array if store.array.flags.c_contiguous else store.array.copy()
    size, stride = _check(size, stride, offset, a.size, a.itemsize)
    xp = input.xp
    input.array = xp.lib.stride_tricks.as_strided(
        a.reshape(-1)[offset:], tuple(size), tuple(s * a.itemsize for s in stride))
    return _inplace._bump(input)


def _diag_mask(shape, wrap):
    """Host (NumPy) bool mask of the diagonal positions (built from the shape alone)."""
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    n = math.prod(shape)
    if len(shape) == 2:
        rows, cols = shape
        stop = n if wrap and rows > cols + 1 else min(rows, cols) * cols
        pos = np.arange(0, stop, cols + 1)
    else:
        step = sum(shape[0] ** k for k in range(len(shape)))
        pos = np.arange(shape[0]) * step
    mask = np.zeros(n, bool)
    mask[pos] = True
    return mask.reshape(shape)


def fill_diagonal_(input, fill_value, wrap=False):
    """Fill the main diagonal (``(i, i, ..., i)``; every dim the same size unless 2-D) with
    ``fill_value`` in place; ``wrap`` continues the diagonal below a tall matrix every
    ``cols + 1`` rows. Returns ``input``."""
    mask = Tensor._wrap(input.xp.asarray(_diag_mask(tuple(input.shape), wrap)))
    return _inplace.apply_(input, "fill_diagonal_",
                           lambda s: compare.where(mask, const(fill_value, s), s))


__all__ = ["as_strided", "as_strided_", "as_strided_scatter"]
METHODS = ["as_strided", "as_strided_", "as_strided_scatter", "fill_diagonal_"]
