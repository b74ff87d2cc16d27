"""Constants of the traced graph, and those whose shape follows a dynamic axis.

A value computed from sizes alone (a causal mask from ``x.size(1)``, zeros for an RNN's
initial state) runs untraced and reaches the exporter as a constant. When its shape
changed between the two traces (the second one has every dynamic axis one longer), it
must be rebuilt in the graph from the input's runtime shape. Four kinds are recognised,
from the values of both traces: one repeated value (``ConstantOfShape``), an ``arange``
(``Range``: positions for a learned positional embedding), a band matrix, ``above`` where
``j - i >= k`` and ``below`` elsewhere over the last two dims (``triu``/``tril`` of ones or
of ``-inf``, ``generate_square_subsequent_mask``, the ``is_causal`` masks), built as
``Where(Range(C) - Range(R)[:, None] >= k, above, below)``, and a leading slice of one of
the model's buffers (``pe[:x.size(0)]``: a ``Slice`` of the buffer). Anything else is
refused with an error saying what to do.
"""
from __future__ import annotations

import numpy as np
from onnx import numpy_helper

from ._builder import I64, UnsupportedOp


def constant(b, n, twin):
    """The ONNX value of the ``const`` IR node ``n`` (``twin``: its node in the second
    trace, or None without dynamic axes)."""
    v = n.value
    if twin is None or twin.value.shape == v.shape:
        return b.const(v, "const")
    v2 = twin.value
    flat, flat2 = v.reshape(-1), v2.reshape(-1)
    if flat.size and (flat == flat[0]).all() and flat2.size and (flat2 == flat[0]).all():
        shape = b.sizes(v.shape, v2.shape)
        return b.op("ConstantOfShape", [shape],
                    value=numpy_helper.from_array(np.asarray([flat[0]], v.dtype)))
    ramp = _ramp(v, v2)
    if ramp is not None:
        return _ramp_value(b, v, v2, *ramp)
    band = _band(v, v2)
    if band is not None:
        return _band_value(b, v, v2, *band)
    prefix = _prefix(b, v, v2)
    if prefix is not None:
        return prefix
    raise UnsupportedOp(
        f"a constant of shape {v.shape} changes with the dynamic axes and is not one repeated "
        "value, an arange, a triangular (band) mask or a leading slice of a buffer; build it "
        "from the input inside the model instead")


def _ramp(v, v2):
    """(start, step, axis) when both traces hold ``start + step * arange(n)`` along
    ``axis``, every other dim 1 (an integer or float dtype), else None."""
    if v.dtype.kind not in "iuf" or v.ndim != v2.ndim or v.size < 2 or v2.size < 2:
        return None
    axes = [a for a, (s1, s2) in enumerate(zip(v.shape, v2.shape)) if s1 > 1 or s2 > 1]
    if len(axes) != 1:
        return None
    f1, f2 = v.reshape(-1), v2.reshape(-1)
    start, step = f1[0], f1[1] - f1[0]
    wide = np.int64 if v.dtype.kind in "iu" else np.float64
    for f in (f1, f2):
        ramp = wide(start) + wide(step) * np.arange(f.size, dtype=wide)
        if not np.array_equal(f, ramp.astype(v.dtype)):
            return None
    return start, step, axes[0]


def _ramp_value(b, v, v2, start, step, axis):
    """start + step * Range(n), n the dynamic size, at ``axis`` (in float64 then cast, as
    ``_ramp`` checked it; integers exactly)."""
    zero, one = b.const(np.asarray(0, I64)), b.const(np.asarray(1, I64))
    i = b.op("Range", [zero, _size(b, v.shape[axis], v2.shape[axis]), one])
    wide = I64 if v.dtype.kind in "iu" else np.float64
    y = b.op("Add", [b.const(np.asarray(start, wide)),
                     b.op("Mul", [b.cast(i, I64, wide), b.const(np.asarray(step, wide))])])
    y = b.cast(y, wide, v.dtype)
    others = [a for a in range(v.ndim) if a != axis]
    return b.unsqueeze(y, others) if others else y


def _band(v, v2):
    """(k, above, below) when, in both traces, the leading dims are 1 and
    ``v[..., i, j]`` is ``above`` where ``j - i >= k`` and ``below`` elsewhere; else None."""
    if v.ndim < 2 or v.ndim != v2.ndim or any(s != 1 for s in v.shape[:-2] + v2.shape[:-2]):
        return None
    m1, m2 = v.reshape(v.shape[-2:]), v2.reshape(v2.shape[-2:])
    if 0 in m1.shape or 0 in m2.shape:
        return None
    above, below = m1[0, -1], m1[-1, 0]  # the top-right and bottom-left corners
    if above == below or (m2[0, -1], m2[-1, 0]) != (above, below):
        return None
    lo, hi = -np.inf, np.inf  # the k that reproduce every trace: lo <= k <= hi
    for m in (m1, m2):
        i, j = np.indices(m.shape)
        d = j - i
        is_above, is_below = m == above, m == below
        if not (is_above | is_below).all():
            return None
        if is_below.any():
            lo = max(lo, d[is_below].max() + 1)
        hi = min(hi, d[is_above].min())
    if lo > hi:
        return None
    return int(lo if np.isfinite(lo) else hi), above, below


def _band_value(b, v, v2, k, above, below):
    r1, c1 = v.shape[-2:]
    r2, c2 = v2.shape[-2:]
    zero, one = b.const(np.asarray(0, I64)), b.const(np.asarray(1, I64))
    rows = b.op("Range", [zero, _size(b, r1, r2), one])
    cols = b.op("Range", [zero, _size(b, c1, c2), one])
    d = b.op("Sub", [b.unsqueeze(cols, [0]), b.unsqueeze(rows, [1])])
    cond = b.op("GreaterOrEqual", [d, b.const(np.asarray(k, I64))])
    if v.dtype == np.bool_:
        y = cond if bool(above) else b.op("Not", [cond])
    else:
        y = b.op("Where", [cond, b.const(np.asarray(above, v.dtype)),
                           b.const(np.asarray(below, v.dtype))])
    lead = v.ndim - 2
    return b.unsqueeze(y, range(lead)) if lead else y


def _prefix(b, v, v2):
    """``buffer[:n]`` along the one axis whose size changed (a positional-encoding table cut
    to the sequence length, ``pe[:x.size(0)]``), as a Slice of that buffer; else None."""
    axes = [a for a, (s1, s2) in enumerate(zip(v.shape, v2.shape)) if s1 != s2]
    if v.ndim != v2.ndim or len(axes) != 1:
        return None
    ax = axes[0]
    for name, buf in getattr(b, "buffers", ()):
        if buf.dtype != v.dtype or buf.ndim != v.ndim or buf.shape[ax] < max(v.shape[ax], v2.shape[ax]) \
                or any(buf.shape[a] != v.shape[a] for a in range(v.ndim) if a != ax):
            continue
        if np.array_equal(np.take(buf, range(v.shape[ax]), axis=ax), v) and \
                np.array_equal(np.take(buf, range(v2.shape[ax]), axis=ax), v2):
            key = ("buffer", name)
            if key not in b._consts:
                b._consts[key] = b.const(buf, name)
            return b.op("Slice", [b._consts[key], b.ints([0]),
                                  b.dim(v.shape[ax], v2.shape[ax]), b.ints([ax])])
    return None


def _size(b, s1, s2):
    """A 0-d int64 size: a constant, or the dynamic dimension that was s1, then s2."""
    if s1 == s2:
        return b.const(np.asarray(s1, I64))
    return b.op("Squeeze", [b.dim(s1, s2), b.ints([0])])


__all__ = ["constant"]
