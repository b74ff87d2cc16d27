"""Selecting and writing through indices, out of place: select, take, put, index_put,
index_reduce, select_scatter, slice_scatter, diagonal_scatter (and the in-place ``put_``,
``index_put_``, ``index_reduce_`` Tensor methods).

No new primitives: reads are ``GetItem``, writes ``SetItem`` (``y = x`` with ``y[key] =
v``), accumulation ``IndexAdd``, reductions ``scatter_reduce``, so gradients flow to both
the input and the written values.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor, _wrap_dim
from ._util import as_tensor
from .indexing import GetItem, IndexAdd, SetItem, _normalize, getitem
from .movement import broadcast_to, movedim, reshape
from .scattering import scatter_reduce

_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int32": "Int",
          "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def select(input, dim, index):
    """The slice of ``input`` at ``index`` along ``dim`` (a view without that dim)."""
    x = input
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.ndim)
    i, n = int(index), x.shape[d]
    if not -n <= i < n:
        raise IndexError(f"select(): index {i} out of range for tensor of size "
                         f"{list(x.shape)} at dimension {d}")
    return getitem(x, (slice(None),) * d + (i,))


def _long_index(op, index):
    if not isinstance(index, Tensor) or index.array.dtype != np.int64:
        got = _NAMES.get(str(index.array.dtype), str(index.array.dtype)) \
            if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {got}")
    return index


def take(input, index):
    """``input`` read as 1-D at the int64 ``index`` (any shape; negatives count from the
    end); the result has ``index``'s shape."""
    index = _long_index("take", index)
    flat = reshape(input, (-1,))
    n = flat.shape[0]
    a = index.array
    if a.size and (int(a.max()) >= n or int(a.min()) < -n):
        bad = int(a.max()) if int(a.max()) >= n else int(a.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return GetItem.apply(flat, idx=_normalize(flat, (index,)))


def _write(x, key, values, accumulate):
    """``x`` with ``x[key] = values`` (``+=`` with repeats summed when ``accumulate``)."""
    idx = _normalize(x, key)
    v = as_tensor(values, like=x)
    if v.array.dtype != x.array.dtype:
        v = v.to(dtype=x.dtype)
    if not accumulate:
        return SetItem.apply(x, v, idx=idx)
    target = GetItem.apply(x.detach(), idx=idx).shape
    return x + IndexAdd.apply(broadcast_to(v, target), shape=x.shape, idx=idx)


def index_put(input, indices, values, accumulate=False):
    """``input`` with ``input[indices] = values`` (a copy; ``indices`` a tuple of index
    tensors, None for a full slice). ``accumulate=True`` adds instead, summing over
    repeated indices."""
    key = tuple(slice(None) if i is None else i for i in indices)
    if isinstance(values, Tensor) and values.array.dtype != input.array.dtype:
        raise RuntimeError("Index put requires the source and destination dtypes match, got "
                           f"{_name(input)} for the destination and {_name(values)} for the "
                           "source.")
    return _write(input, key, values, accumulate)


def _name(t):
    return _NAMES.get(str(t.array.dtype), "Long" if t.array.dtype == np.int64 else "?")


def put(input, index, source, accumulate=False):
    """``input`` with its elements (read as 1-D) at ``index`` set to ``source`` (a copy;
    ``accumulate=True`` adds, summing repeats)."""
    index = _long_index("put", index)
    if source.array.dtype != input.array.dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_name(input)} and source.dtype = {_name(source)}")
    if source.numel() != index.numel():
        raise IndexError("put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source.numel()}, "
                         f"index.numel() = {index.numel()}")
    flat = reshape(input, (-1,))
    n = flat.shape[0]
    a = index.array
    if a.size and (int(a.max()) >= n or int(a.min()) < -n):
        bad = int(a.max()) if int(a.max()) >= n else int(a.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    out = _write(flat, (reshape(index, (-1,)),), reshape(source, (-1,)), accumulate)
    return reshape(out, input.shape)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """Reduce the slices of ``source`` along ``dim`` into ``input``'s slices at ``index``
    (1-D, one entry per slice of source): ``reduce`` is ``prod``, ``mean``, ``amax`` or
    ``amin``; ``include_self`` makes input's own values take part."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    d = _wrap_dim(dim, max(input.ndim, 1))
    if index.ndim > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    if source.ndim and index.numel() != source.shape[d]:
        raise IndexError("index_reduce_(): Number of indices ("
                         f"{index.numel()}) should be equal to source.size(dim) "
                         f"({source.shape[d]})")
    if source.ndim == 0:
        return scatter_reduce(input, d, reshape(index, input.shape if input.ndim else ()),
                              source, reduce, include_self=include_self)
    shape = [1] * source.ndim
    shape[d] = -1
    idx = broadcast_to(reshape(index, shape), source.shape)
    return scatter_reduce(input, d, idx, source, reduce, include_self=include_self)


def _exact(x, key, src):
    """``x`` with ``x[key]`` replaced by ``src``, which must have that slice's shape."""
    want = tuple(getitem(x.detach(), key).shape)
    if tuple(src.shape) != want:
        raise RuntimeError("expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(want)}")
    return _write(x, key, src, False)


def select_scatter(input, src, dim, index):
    """``input`` with its slice ``select(dim, index)`` replaced by ``src`` (a copy)."""
    select(input, dim, index)  # validates
    d = _wrap_dim(dim, input.ndim)
    return _exact(input, (slice(None),) * d + (int(index),), src)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """``input`` with the slice ``start:end:step`` along ``dim`` replaced by ``src``."""
    d = _wrap_dim(dim, input.ndim)
    return _exact(input, (slice(None),) * d + (slice(start, end, step),), src)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """``input`` with ``diagonal(offset, dim1, dim2)`` replaced by ``src`` (its shape: the
    other dims, then the diagonal's length)."""
    d1, d2 = _wrap_dim(dim1, input.ndim), _wrap_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = movedim(input, (d1, d2), (-2, -1))
    rows, cols = x.shape[-2], x.shape[-1]
    n = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    xp = input.xp
    r = xp.arange(n) + max(0, -offset)
    c = xp.arange(n) + max(0, offset)
    key = (Ellipsis, Tensor._wrap(r.astype(np.int64)), Tensor._wrap(c.astype(np.int64)))
    return movedim(_exact(x, key, src), (-2, -1), (d1, d2))


__all__ = ["diagonal_scatter", "index_put", "index_reduce", "put", "select",
           "select_scatter", "slice_scatter", "take"]
METHODS = list(__all__)
INPLACE_METHODS = ["index_put", "index_reduce", "put"]
