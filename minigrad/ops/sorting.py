"""Sorting and searching (the module is not named ``sort``: that name is the op): sort,
argsort, msort, topk, cummax, cummin, unique, unique_consecutive, searchsorted, bucketize.

No new primitives: the order is computed on the raw array (a stable sort, NaN ordered as
the largest value, as in PyTorch) and the differentiable values are ``gather(x, dim,
indices)``, so their gradient (and its gradient) is the gather's.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..tensor import Tensor, _wrap_dim
from .indexing import gather

sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])
cummax_result = namedtuple("cummax", ["values", "indices"])
cummin_result = namedtuple("cummin", ["values", "indices"])
for _r in (sort_result, topk_result, cummax_result, cummin_result):
    _r.__doc__ = f"``(values, indices)`` returned by ``{_r.__name__}`` (torch.return_types)."


def _order(a, axis, descending):
    """Stable argsort of array ``a`` along ``axis``; NaN sorts as the largest value.

    Descending is the ascending order of the reversed array, reversed back: equal values
    keep their original order and NaNs come first, as in PyTorch."""
    xp = np if isinstance(a, np.ndarray) else _xp_of(a)
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    rev = xp.flip(xp.argsort(xp.flip(a, axis), axis=axis, kind="stable"), axis)
    return (n - 1) - rev


def _xp_of(a):
    from .. import backend

    return backend.get_array_module(a)


def _long(t: Tensor, arr):
    return Tensor._wrap(arr.astype(np.int64, copy=False))


def argsort(input, dim=-1, descending=False, *, stable=False):
    """Indices (int64) that sort ``input`` along ``dim``. The sort is always stable.

    Args:
        input: tensor of any shape.
        dim: the dimension to sort along.
        descending: largest first (NaN first).
        stable: accepted for PyTorch compatibility (the sort is always stable).
    """
    d = _wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return Tensor._wrap(input.xp.zeros((), np.int64))
    return _long(input, _order(input.array, d, descending))


def sort(input, dim=-1, descending=False, *, stable=False):
    """``(values, indices)`` of ``input`` sorted along ``dim`` (stable; NaN is largest).

    ``values`` is differentiable: its gradient flows back to the original positions.
    """
    idx = argsort(input, dim, descending)
    if input.ndim == 0:
        return sort_result(input.clone(), idx)
    return sort_result(gather(input, dim, idx), idx)


def msort(input):
    """``input`` sorted along its first dimension (``sort(input, 0).values``)."""
    return sort(input, 0).values


def topk(input, k, dim=None, largest=True, sorted=True):
    """The ``k`` largest (``largest=False``: smallest) entries along ``dim``.

    Args:
        input: tensor of any shape.
        k: how many entries to keep, ``0 <= k <= input.size(dim)``.
        dim: the dimension to select along (default the last).
        largest: largest (True) or smallest (False) entries.
        sorted: accepted; the entries are always returned in sorted order.

    Returns:
        ``(values, indices)`` with ``input``'s shape except ``k`` at ``dim``.
    """
    if dim is None:
        dim = -1
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if input.ndim == 0:
        return topk_result(input.clone(), Tensor._wrap(input.xp.zeros((), np.int64)))
    order = _order(input.array, d, largest)
    idx = _long(input, order[(slice(None),) * d + (slice(0, k),)])
    return topk_result(gather(input, d, idx), idx)


def _running(xp, fn, a, axis):
    """``fn.accumulate(a, axis)`` for an associative ``fn`` (maximum/minimum). CuPy has no
    ``maximum.accumulate``: there, log2(n) whole-array steps (a Hillis-Steele scan)."""
    if xp is np or a.shape[axis] == 0:
        return fn.accumulate(a, axis=axis) if a.shape[axis] else a
    out, n, k = a.copy(), a.shape[axis], 1
    while k < n:
        dst = (slice(None),) * axis + (slice(k, None),)
        src = (slice(None),) * axis + (slice(0, n - k),)
        out[dst] = fn(out[dst], out[src])  # the right side is computed before the write
        k *= 2
    return out


def _cum_extreme(input, dim, is_min):
    d = _wrap_dim(dim, input.ndim)
    result = cummin_result if is_min else cummax_result
    if input.ndim == 0:
        return result(input.clone(), Tensor._wrap(input.xp.zeros((), np.int64)))
    xp, a = input.xp, input.array
    run = _running(xp, xp.minimum if is_min else xp.maximum, a, d)
    hit = a == run  # a tie moves the index to the later position, as in PyTorch
    if a.dtype.kind == "f":
        hit |= xp.isnan(a)
    shape = [1] * a.ndim
    shape[d] = a.shape[d]
    pos = xp.where(hit, xp.arange(a.shape[d]).reshape(shape), 0)
    idx = _long(input, _running(xp, xp.maximum, pos, d))
    return result(gather(input, d, idx), idx)


def cummax(input, dim):
    """``(values, indices)``: the running maximum along ``dim`` and where it was found
    (the latest position among ties; NaN propagates)."""
    return _cum_extreme(input, dim, False)


def cummin(input, dim):
    """``(values, indices)``: the running minimum along ``dim`` (see :func:`cummax`)."""
    return _cum_extreme(input, dim, True)


# ---- unique ---------------------------------------------------------------------------------


def _unique_out(xp, vals, inverse, counts, return_inverse, return_counts):
    out = [Tensor._wrap(vals)]
    if return_inverse:
        out.append(Tensor._wrap(inverse.astype(np.int64, copy=False)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


def _slices(input, dim):
    """input as a 2-D array of rows: one row per index along ``dim``."""
    a = input.xp.moveaxis(input.array, dim, 0)
    return a.reshape(a.shape[0], -1), a.shape[1:]


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of ``input`` (flattened), or its distinct slices along ``dim``.

    Args:
        input: tensor of any shape.
        sorted: accepted; the result is always in ascending order.
        return_inverse: also return, for each input entry (slice), the index of its
            value in the output (input's shape; ``(input.size(dim),)`` with ``dim``).
        return_counts: also return how often each distinct value occurs.
        dim: unique slices along this dimension; None flattens.

    Returns:
        ``output`` or a tuple ``(output, inverse_indices?, counts?)``. Not differentiable.
    """
    xp = input.xp
    if dim is None:
        a = input.array.reshape(-1)
        # each NaN is its own value, as in PyTorch
        vals, inv, cnt = xp.unique(a, return_inverse=True, return_counts=True, equal_nan=False)
        return _unique_out(xp, vals, inv.reshape(input.shape), cnt, return_inverse,
                           return_counts)
    d = _wrap_dim(dim, input.ndim)
    rows, rest = _slices(input, d)
    if rows.shape[0] == 0 or rows.shape[1] == 0:
        n = min(rows.shape[0], 1)
        vals = xp.moveaxis(input.array[(slice(None),) * d + (slice(0, n),)], d, d)
        return _unique_out(xp, vals, xp.zeros(rows.shape[0], np.int64),
                           xp.full(n, rows.shape[0], np.int64), return_inverse, return_counts)
    order = xp.lexsort(rows.T[::-1])
    srt = rows[order]
    new = xp.concatenate([xp.ones(1, bool), (srt[1:] != srt[:-1]).any(axis=1)])
    group = xp.cumsum(new) - 1
    inv = xp.empty_like(group)
    inv[order] = group
    cnt = xp.bincount(group)
    vals = srt[new].reshape((-1,) + tuple(rest))
    return _unique_out(xp, xp.moveaxis(vals, 0, d), inv, cnt, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse each run of equal consecutive values (or slices along ``dim``) to one.

    Returns ``output`` or ``(output, inverse_indices?, counts?)`` as :func:`unique`.
    """
    xp = input.xp
    if dim is None:
        rows, rest, shape, d = input.array.reshape(-1, 1), (), input.shape, None
    else:
        d = _wrap_dim(dim, input.ndim)
        (rows, rest), shape = _slices(input, d), (input.shape[d],)
    n = rows.shape[0]
    new = xp.ones(n, bool)
    if n > 1:
        new[1:] = (rows[1:] != rows[:-1]).any(axis=1) if rows.shape[1] else False
    group = xp.cumsum(new) - 1
    vals = rows[new].reshape((-1,) + tuple(rest))
    if d is not None:
        vals = xp.moveaxis(vals, 0, d)
    else:
        vals = vals.reshape(-1)
    cnt = xp.bincount(group, minlength=int(new.sum())) if n else xp.zeros(0, np.int64)
    return _unique_out(xp, vals, group.reshape(shape), cnt, return_inverse, return_counts)


# ---- searchsorted / bucketize ----------------------------------------------------------------


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Insertion indices of ``input`` into the innermost dimension of ``sorted_sequence``.

    Args:
        sorted_sequence: 1-D, or N-D whose leading N-1 dims match ``input``'s, sorted
            along the last dim (unless ``sorter`` gives the sorting order).
        input: values to place (a tensor or a Python scalar).
        out_int32: int32 result instead of int64.
        right, side: ``right=True`` / ``side='right'``: the index after equal entries.
        sorter: indices that sort ``sorted_sequence`` along its last dim.

    Returns:
        int64 (int32) tensor of ``input``'s shape.
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                "left while right was True")
        right = side == "right"
    seq = sorted_sequence
    xp = seq.xp
    scalar = not isinstance(input, Tensor)
    vals = xp.asarray(input) if scalar else input.array
    s = seq.array
    if sorter is not None:
        if tuple(sorter.shape) != tuple(seq.shape):
            raise RuntimeError(
                "torch.searchsorted(): boundary and sorter must have the same size, but got "
                f"boundary tensor {list(seq.shape)} and got sorter tensor {list(sorter.shape)}")
        s = xp.take_along_axis(s, sorter.array, axis=-1)
    if s.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension")
    if s.ndim > 1 and (vals.ndim != s.ndim or vals.shape[:-1] != s.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(s.shape)} and input value tensor {list(vals.shape)}")
    how = "right" if right else "left"
    if s.ndim == 1:
        out = xp.searchsorted(s, vals, side=how)
    else:
        rows_s = s.reshape(-1, s.shape[-1])
        rows_v = vals.reshape(-1, vals.shape[-1])
        out = xp.stack([xp.searchsorted(rs, rv, side=how) for rs, rv in zip(rows_s, rows_v)])
        out = out.reshape(vals.shape)
    return Tensor._wrap(xp.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value of ``input`` among the sorted 1-D ``boundaries``:
    ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``: ``<= x <``)."""
    if boundaries.ndim != 1:
        raise RuntimeError(
            f"bucketize(): boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


__all__ = ["argsort", "bucketize", "cummax", "cummin", "msort", "searchsorted", "sort", "topk",
           "unique", "unique_consecutive"]
# Tensor methods that only forward to the op (generated in tensor.py).
METHODS = ["argsort", "cummax", "cummin", "msort", "sort", "topk", "unique",
           "unique_consecutive"]
