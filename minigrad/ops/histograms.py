"""Counting: bincount, histc, histogram, histogramdd. None is differentiable (counts are
piecewise constant in the data); the results are computed on the raw array."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..tensor import Tensor

histogram_result = namedtuple("histogram", ["hist", "bin_edges"])
histogramdd_result = namedtuple("histogramdd", ["hist", "bin_edges"])
for _r in (histogram_result, histogramdd_result):
    _r.__doc__ = f"``(hist, bin_edges)`` returned by ``{_r.__name__}`` (torch.return_types)."

_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                "uint8": "Byte", "bool": "Bool", "float32": "Float", "float64": "Double",
                "float16": "Half"}


def _kind_error(op, x):
    name = _TORCH_NAMES.get(str(x.array.dtype), str(x.array.dtype))
    return NotImplementedError(f'"{op}" not implemented for \'{name}\'')


def bincount(input, weights=None, minlength=0):
    """Occurrences of each value ``0..max(input)`` in a 1-D non-negative integer tensor
    (length ``max(max + 1, minlength)``); with ``weights``, their sums instead (float32
    for float32 weights, float64 otherwise)."""
    x = input
    if x.array.dtype.kind not in "iu":
        raise _kind_error("bincount_cpu", x)
    if x.ndim != 1 or (x.numel() and int(x.array.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    xp, a = x.xp, x.array.astype(np.int64)
    if weights is None:
        return Tensor._wrap(xp.bincount(a, minlength=minlength).astype(np.int64))
    if weights.shape != x.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    w = weights.array
    dt = np.float32 if w.dtype == np.float32 else np.float64
    return Tensor._wrap(xp.bincount(a, weights=w.astype(np.float64),
                                    minlength=minlength).astype(dt))


def histc(input, bins=100, min=0, max=0):
    """Counts in ``bins`` equal-width bins over ``[min, max]`` (the data's range when both
    are 0; values outside are ignored; ``max`` falls in the last bin). Float inputs only;
    the result has the input's dtype."""
    x = input
    if x.array.dtype.kind != "f":
        raise _kind_error("histogram_cpu", x)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    xp, a = x.xp, x.array.reshape(-1)
    if lo == hi and a.size:
        finite = a[xp.isfinite(a)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    a = a[(a >= lo) & (a <= hi)]
    pos = ((a.astype(np.float64) - lo) * bins / (hi - lo)).astype(np.int64)
    pos = xp.minimum(pos, bins - 1)
    return Tensor._wrap(xp.bincount(pos, minlength=bins).astype(x.array.dtype))


def _edges(xp, a, bins, range_, dtype):
    if isinstance(bins, Tensor):
        if bins.ndim != 1:
            raise RuntimeError(f"torch.histogram(): bins tensor should have one dimension, but "
                               f"got {bins.ndim} dimensions")
        return bins.array.astype(dtype)
    bins = int(bins)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if range_ is not None:
        lo, hi = float(range_[0]), float(range_[1])
    elif a.size:
        lo, hi = float(a.min()), float(a.max())
    else:
        lo = hi = 0.0
    if lo > hi:
        raise RuntimeError(f"torch.histogram(): min should not exceed max, but got min {lo} "
                           f"max {hi} for dimension 0")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    # PyTorch's linspace: the first half counted from lo, the second half back from hi
    i = xp.arange(bins + 1, dtype=np.float64)
    step = (hi - lo) / bins
    return xp.where(i < (bins + 1) // 2, lo + step * i, hi - step * (bins - i)).astype(dtype)


def histogram(input, bins, *, range=None, weight=None, density=False):
    """``(hist, bin_edges)`` of the flattened ``input`` over ``bins`` equal-width bins (an
    int; ``range=(min, max)`` or the data's range) or the given increasing edges (a 1-D
    tensor). The last bin includes its right edge. ``weight`` weights each element;
    ``density`` normalises to unit integral. Float inputs only."""
    x = input
    if x.array.dtype.kind != "f":
        raise _kind_error("histogramdd", x)
    xp, a = x.xp, x.array.reshape(-1)
    edges = _edges(xp, a, bins, range, a.dtype)
    w = None if weight is None else weight.array.reshape(-1).astype(np.float64)
    h, _ = xp.histogram(a, bins=edges, weights=w, density=density)
    return histogram_result(Tensor._wrap(h.astype(a.dtype)), Tensor._wrap(edges))


def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """``(hist, bin_edges)`` of the points ``input[..., :D]`` in D dimensions: ``bins`` an
    int (for every dimension), a sequence of ints, or a sequence of 1-D edge tensors;
    ``range`` a flat sequence ``(min0, max0, min1, max1, ...)``."""
    x = input
    if x.array.dtype.kind != "f":
        raise _kind_error("histogramdd", x)
    xp = x.xp
    pts = x.array.reshape(-1, x.shape[-1])
    dims = pts.shape[1]
    if isinstance(bins, (int, np.integer)):
        bins = [int(bins)] * dims
    if len(bins) != dims:
        raise RuntimeError(f"torch.histogramdd(): expected {dims} sequences of bin edges for "
                           f"each of the {dims} dimensions of the input, but got {len(bins)}")
    edges = [_edges(xp, pts[:, i], b, None if range is None else range[2 * i:2 * i + 2],
                    pts.dtype) for i, b in enumerate(bins)]
    w = None if weight is None else weight.array.reshape(-1).astype(np.float64)
    h, _ = xp.histogramdd(pts, bins=edges, weights=w, density=density)
    return histogramdd_result(Tensor._wrap(h.astype(pts.dtype)),
                              [Tensor._wrap(e) for e in edges])


__all__ = ["bincount", "histc", "histogram", "histogramdd"]
METHODS = ["bincount", "histc", "histogram"]
