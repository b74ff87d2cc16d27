"""Order statistics and NaN-aware reductions: median, nanmedian, kthvalue, mode, quantile,
nanquantile, nansum, nanmean, count_nonzero, aminmax.

No new primitives. The position of the selected element is found on the raw array (a
stable sort, NaN ordered as the largest value) and the differentiable value is the element
taken there (``TakeAlong``/``gather``), so the gradient goes to that element, as in
PyTorch. ``median()``/``nanmedian()`` without ``dim`` spread the gradient evenly over the
elements equal to the result (PyTorch's rule for full reductions).

Ties: PyTorch selects with a quickselect, so which of several equal elements it reports
in ``indices`` is unspecified; here it is the first in stable sorted order (``mode``: the
last occurrence, as PyTorch's CPU kernel does).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..tensor import Tensor, _wrap_dim
from . import compare
from ._util import const, norm_dims
from .indexing import gather
from .movement import movedim, reshape
from .reduce import TakeAlong, amax, amin
from .reduce import sum as _sum
from .sorting import sort

median_result = namedtuple("median", ["values", "indices"])
nanmedian_result = namedtuple("nanmedian", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])
mode_result = namedtuple("mode", ["values", "indices"])
aminmax_result = namedtuple("aminmax", ["min", "max"])
for _r in (median_result, nanmedian_result, kthvalue_result, mode_result, aminmax_result):
    _r.__doc__ = f"``{_r._fields}`` returned by ``{_r.__name__}`` (torch.return_types)."


def _long(xp, a):
    return Tensor._wrap(xp.asarray(a).astype(np.int64, copy=False))


def _nonempty(x, d, name):
    if x.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _select(x, d, idx, keepdim, result):
    """``result(values, indices)``: the elements at ``idx`` (keepdim shape) along ``d``."""
    values = TakeAlong.apply(x, idx=idx, axis=d, keepdim=keepdim)
    return result(values, _long(x.xp, idx if keepdim else idx.squeeze(d)))


def _even_at(x, v):
    """A 0-d tensor equal to ``v`` whose gradient is spread evenly over the elements of
    ``x`` equal to ``v`` (NaN counts as equal to a NaN result)."""
    xp, a = x.xp, x.array
    if a.dtype.kind != "f":
        return Tensor._wrap(xp.asarray(v, dtype=a.dtype))
    hit = (a == v) | (xp.isnan(a) & xp.isnan(v))
    vt = Tensor._wrap(xp.asarray(v, dtype=a.dtype))
    # v + mean of the (zero) differences at the hits: exactly v, gradient 1/count there
    diffs = compare.where(Tensor._wrap(hit), x - vt, const(0, x))
    return vt + _sum(diffs) / const(int(hit.sum()), x)


def _median_pos(a, d, ignore_nan):
    """Keepdim indices of the (lower) median along ``d``; NaN: see median/nanmedian."""
    xp = np if isinstance(a, np.ndarray) else _xp(a)
    n = a.shape[d]
    order = xp.argsort(a, axis=d, kind="stable")  # NaN last, in original order
    nans = xp.isnan(a).sum(axis=d, keepdims=True) if a.dtype.kind == "f" else \
        xp.zeros([1 if i == d else s for i, s in enumerate(a.shape)], np.int64)
    valid = n - nans
    if ignore_nan:  # the lower median of the valid values; an all-NaN slice gives its first NaN
        k = xp.where(valid > 0, (valid - 1) // 2, 0)
    else:  # any NaN makes the result the first NaN
        k = xp.where(nans > 0, valid, (n - 1) // 2)
    return xp.take_along_axis(order, k.astype(np.int64), axis=d)


def _xp(a):
    from .. import backend

    return backend.get_array_module(a)


def _median(input, dim, keepdim, ignore_nan, name, result):
    x = input
    if dim is None:
        a = x.array.reshape(-1)
        if a.size == 0:
            return const(float("nan"), x)
        v = a[_median_pos(a, 0, ignore_nan)[0]]
        return _even_at(x, v)
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return result(x.clone(), _long(x.xp, 0))
    _nonempty(x, d, name)
    return _select(x, d, _median_pos(x.array, d, ignore_nan), keepdim, result)


def median(input, dim=None, keepdim=False):
    """The lower median of ``input`` (the ``(n - 1) // 2``-th smallest), NaN if any NaN.

    ``median(input)`` is a 0-d tensor (NaN for an empty input); ``median(input, dim,
    keepdim=False)`` gives ``(values, indices)`` along ``dim`` (the index of the first
    NaN where a slice holds one).
    """
    return _median(input, dim, keepdim, False, "median", median_result)


def nanmedian(input, dim=None, keepdim=False):
    """:func:`median` of the non-NaN values (NaN only where every value is NaN)."""
    return _median(input, dim, keepdim, True, "nanmedian", nanmedian_result)


def kthvalue(input, k, dim=None, keepdim=False):
    """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim`` (the
    last when None); NaN counts as the largest value."""
    x = input
    d = _wrap_dim(-1 if dim is None else dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 1 <= int(k) <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if x.ndim == 0:
        return kthvalue_result(x.clone(), _long(x.xp, 0))
    xp = x.xp
    order = xp.argsort(x.array, axis=d, kind="stable")
    idx = xp.take(order, xp.asarray([int(k) - 1]), axis=d)
    return _select(x, d, idx, keepdim, kthvalue_result)


def mode(input, dim=-1, keepdim=False):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest among
    equally frequent ones) and the index of its last occurrence."""
    x = input
    d = _wrap_dim(dim, x.ndim)
    xp = x.xp
    if x.ndim == 0:
        return mode_result(x.clone(), _long(xp, 0))
    _nonempty(x, d, "mode")
    a = xp.moveaxis(x.array, d, -1)
    n = a.shape[-1]
    s = xp.sort(a, axis=-1)
    pos = xp.arange(n)
    new = xp.ones(s.shape, bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]  # NaN != NaN: every NaN is a run of its own
    start = xp.maximum.accumulate(xp.where(new, pos, 0), axis=-1)
    end_new = xp.ones(s.shape, bool)
    end_new[..., :-1] = new[..., 1:]
    end = n - 1 - xp.maximum.accumulate(xp.where(end_new, n - 1 - pos, 0)[..., ::-1],
                                        axis=-1)[..., ::-1]
    best = xp.argmax(end - start, axis=-1)[..., None]  # first longest run: smallest value
    v = xp.take_along_axis(s, best, axis=-1)
    hit = (a == v) | (xp.isnan(a) & xp.isnan(v)) if a.dtype.kind == "f" else a == v
    last = n - 1 - xp.argmax(hit[..., ::-1], axis=-1)[..., None]
    return _select(x, d, xp.moveaxis(last.astype(np.int64), -1, d), keepdim, mode_result)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    x = input
    name = "nanquantile" if ignore_nan else "quantile"
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if x.array.dtype.kind != "f" or x.array.dtype.itemsize < 4:
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if x.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    xp = x.xp
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.array.dtype != x.array.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qa, scalar_q = xp.asarray(q.array).reshape(-1), q.ndim == 0
    else:
        qa, scalar_q = xp.asarray([float(q)], dtype=x.array.dtype), True
    if qa.size and (bool((qa < 0).any()) or bool((qa > 1).any())):
        bad = float(qa[(qa < 0) | (qa > 1)][0])
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {bad}"
                           if scalar_q else f"{name}() q values must be in the range [0, 1]")
    if dim is None:
        v, out_shape = reshape(x, (-1,)), (1,) * x.ndim if keepdim else ()
    else:
        d = _wrap_dim(dim, x.ndim)
        if x.ndim == 0:
            v, out_shape = reshape(x, (1,)), (1,) * 0
        else:
            v = movedim(x, d, -1)
            out_shape = x.shape[:d] + ((1,) if keepdim else ()) + x.shape[d + 1:]
    v = sort(v, -1).values  # NaN last
    n = v.shape[-1]
    nan = xp.isnan(v.array)
    valid = (n - nan.sum(axis=-1, keepdims=True)).astype(qa.dtype)
    rank = qa * xp.maximum(valid - 1, 0)  # (..., Q)
    if not ignore_nan:  # a slice holding NaN reads its last (NaN) element
        rank = xp.where(valid < n, n - 1, rank).astype(qa.dtype)
    if interpolation == "nearest":
        rank = xp.round(rank)  # half to even, as torch.round
    lo = xp.floor(rank).astype(np.int64)
    hi = xp.ceil(rank).astype(np.int64)
    if interpolation in ("lower", "nearest"):
        out = gather(v, -1, _long(xp, lo))
    elif interpolation == "higher":
        out = gather(v, -1, _long(xp, hi))
    else:
        w = rank - lo if interpolation == "linear" else xp.full(rank.shape, 0.5, qa.dtype)
        below, above = gather(v, -1, _long(xp, lo)), gather(v, -1, _long(xp, hi))
        out = compare.lerp(below, above, Tensor._wrap(w.astype(qa.dtype)))
    out = movedim(out, -1, 0)  # (Q, ...)
    out = reshape(out, (qa.size,) + tuple(out_shape))
    return reshape(out, tuple(out_shape)) if scalar_q else out


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-th quantiles of ``input`` along ``dim`` (of the flattened input when None).

    Args:
        input: float32/float64 tensor.
        q: a float in [0, 1], or a 0-d/1-D tensor of them (same dtype as ``input``).
        dim: the dimension to reduce, or None for all.
        keepdim: keep the reduced dimension(s) as size 1.
        interpolation: ``linear`` | ``lower`` | ``higher`` | ``midpoint`` | ``nearest``, for
            a quantile falling between two data points.

    Returns:
        Shape ``(len(q),) + reduced shape`` for a 1-D ``q``, the reduced shape otherwise. A
        slice holding NaN gives NaN.
    """
    return _quantile(input, q, dim, keepdim, interpolation, False)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """:func:`quantile` ignoring NaN (NaN only for an all-NaN slice)."""
    return _quantile(input, q, dim, keepdim, interpolation, True)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum treating NaN as zero (NaN entries get zero gradient)."""
    x = input
    if x.array.dtype.kind == "f":
        x = compare.where(Tensor._wrap(x.xp.isnan(x.array)), const(0, x), x)
    return _sum(x, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-NaN values (float inputs only; NaN for an all-NaN slice)."""
    x = input
    if x.array.dtype.kind != "f":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_dtype_name(x)}")
    if dtype is not None:
        x = x.to(dtype=dtype)
    count = _sum(Tensor._wrap(~x.xp.isnan(x.array)), dim, keepdim).to(dtype=x.dtype)
    return nansum(x, dim, keepdim) / count


def _dtype_name(x):
    from ..dtypes import from_numpy_dtype

    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(str(x.array.dtype), str(from_numpy_dtype(x.array.dtype)))


def count_nonzero(input, dim=None):
    """Number (int64) of non-zero entries over ``dim`` (an int, a tuple, or None: all)."""
    x = input
    axes = norm_dims(dim, x.ndim) if x.ndim else None
    c = x.xp.count_nonzero(x.array, axis=axes)
    return _long(x.xp, c)


def aminmax(input, *, dim=None, keepdim=False):
    """``(min, max)`` over ``dim`` (all dims when None); ties share the gradient evenly."""
    x = input
    if x.numel() == 0 and (dim is None or x.shape[_wrap_dim(dim, x.ndim)] == 0):
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    return aminmax_result(amin(x, dim, keepdim), amax(x, dim, keepdim))


__all__ = ["aminmax", "count_nonzero", "kthvalue", "median", "mode", "nanmean", "nanmedian",
           "nanquantile", "nansum", "quantile"]
# Tensor methods generated in tensor.py
METHODS = list(__all__)
