"""The 3-D pooling tail and the ``*_with_indices`` forms: ``adaptive_avg_pool3d``,
``adaptive_max_pool3d``, ``lp_pool3d``, ``max_unpool3d``, ``max_pool3d_with_indices``
and ``max_pool{1,2,3}d_with_indices``.

Where indices are returned, the maximum's flat position in its (D, H, W) volume is found on
the raw arrays (no gradient) and the values are gathered from the input at those positions,
so values and indices agree and the gradient is ``gather``'s (exact, twice differentiable).
"""
from __future__ import annotations

import itertools

from .. import ops as _ops
from ..ops import pool as _pool
from ..tensor import Tensor
from . import _functional_volumetric as _vol
from ._functional_adaptive_max import _check, _sizes, _windows
from ._functional_unpool import _unpool
from ._functional_vision import _lp


def _lowest(xp, dtype):
    return -float("inf") if dtype.kind == "f" else xp.iinfo(dtype).min


def _gather_flat(x: Tensor, idx_arr, nd: int) -> Tensor:
    """x[..., flat position idx] over the last ``nd`` dims; idx has the output's shape."""
    lead = tuple(x.shape[:-nd])
    out = tuple(idx_arr.shape[-nd:])
    idx = Tensor._wrap(idx_arr.reshape(lead + (-1,)))
    return _ops.gather(x.reshape(lead + (-1,)), -1, idx).reshape(lead + out)


def _window_argmax(xp, a, k, s, p, d, out):
    """Flat (per volume) index of each pooling window's first maximum (NaN counts as the
    maximum, as in PyTorch); windows cover the input padded by ``p`` (and ceil-mode overhang)."""
    nd = len(k)
    spatial = a.shape[-nd:]
    n = 1
    for v in spatial:
        n *= v
    flat = xp.arange(n, dtype=xp.int64).reshape(spatial)
    extra = [max(0, (o - 1) * st + dl * (kk - 1) + 1 - (sz + 2 * pp))
             for o, st, dl, kk, sz, pp in zip(out, s, d, k, spatial, p)]
    widths = [(pp, pp + e) for pp, e in zip(p, extra)]
    av = xp.pad(a, [(0, 0)] * (a.ndim - nd) + widths, constant_values=_lowest(xp, a.dtype))
    iv = xp.pad(flat, widths, constant_values=-1)
    best_v = best_i = None
    for offs in itertools.product(*[range(kk) for kk in k]):
        sl = tuple(slice(o * dl, o * dl + st * (m - 1) + 1, st)
                   for o, dl, st, m in zip(offs, d, s, out))
        v, i = av[(Ellipsis,) + sl], iv[sl]
        if best_v is None:
            best_v, best_i = v, xp.broadcast_to(i, v.shape)
            continue
        take = v > best_v
        if a.dtype.kind == "f":
            take |= xp.isnan(v) & ~xp.isnan(best_v)
        best_v, best_i = xp.where(take, v, best_v), xp.where(take, i, best_i)
    return best_i


def _max_pool3d_indices(input, kernel_size, stride, padding, dilation, ceil_mode):
    x, unbatched, k, s, p, d, out_d = _vol._pool_geom(input, kernel_size, stride, padding,
                                                       dilation, ceil_mode, "max_pool3d")
    out = (out_d,) + tuple(_vol._pool_out(x.shape[3 + i], k[1 + i], s[1 + i], p[1 + i],
                                          d[1 + i], ceil_mode) for i in range(2))
    idx = _window_argmax(x.xp, x.detach().array, k, s, p, d, out)
    y = _gather_flat(x, idx, 3)
    idx = Tensor._wrap(idx)
    return (y[0], idx[0]) if unbatched else (y, idx)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``max_pool1d(..., return_indices=True)``: (values, int64 indices)."""
    return _pool.max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``max_pool2d(..., return_indices=True)``: (values, int64 indices)."""
    return _pool.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    """``max_pool3d(..., return_indices=True)``: (values, int64 indices)."""
    return _max_pool3d_indices(input, kernel_size, stride, padding, dilation, ceil_mode)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size`` (an int or a
    triple; None entries keep the input size); windows [floor(i n / m), ceil((i + 1) n / m))."""
    return _pool._adaptive("adaptive_avg_pool3d", 3, input, output_size)


def _adaptive_argmax(xp, a, wins):
    """Flat (per volume) index of each adaptive window's first maximum."""
    nd = len(wins)
    spatial = a.shape[-nd:]
    strides = [1] * nd
    for i in range(nd - 2, -1, -1):
        strides[i] = strides[i + 1] * spatial[i + 1]
    out = [len(w) for w in wins]
    res = xp.empty(a.shape[:-nd] + tuple(out), dtype=xp.int64)
    for pos in itertools.product(*[range(m) for m in out]):
        bounds = [wins[i][j] for i, j in enumerate(pos)]
        blk = a[(Ellipsis,) + tuple(slice(lo, hi) for lo, hi in bounds)]
        shape = blk.shape[-nd:]
        flat = blk.reshape(blk.shape[:-nd] + (-1,))
        nan = xp.isnan(flat) if a.dtype.kind == "f" else None
        k = flat.argmax(-1)
        if nan is not None:  # a NaN is the maximum (as PyTorch), the first one wins
            k = xp.where(nan.any(-1), nan.argmax(-1), k)
        lin = 0
        for i in range(nd - 1, -1, -1):
            lin = lin + (k % shape[i] + bounds[i][0]) * strides[i]
            k = k // shape[i]
        res[(Ellipsis,) + pos] = lin
    return res


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max over adaptive windows of (N, C, D, H, W) or (C, D, H, W) giving ``output_size``;
    with ``return_indices`` also each maximum's flat index in its (D, H, W) volume."""
    _check(input, 3, "adaptive_max_pool3d")
    out = _sizes(output_size, input.shape[-3:], 3)
    wins = [_windows(n, m) for n, m in zip(input.shape[-3:], out)]
    idx = _adaptive_argmax(input.xp, input.detach().array, wins)
    y = _gather_flat(input, idx, 3)
    return (y, Tensor._wrap(idx)) if return_indices else y


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """``adaptive_max_pool3d(..., return_indices=True)``."""
    return adaptive_max_pool3d(input, output_size, True)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """(sum over each (kd, kh, kw) window of x ** p) ** (1 / p), over the last three dims."""
    kd, kh, kw = _vol._triple(kernel_size, "kernel_size")
    out = _vol.avg_pool3d(input.pow(norm_type), (kd, kh, kw), stride, 0, ceil_mode)
    return _lp(out, norm_type, kd * kh * kw)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Place each value of ``input`` (N, C, D, H, W) at its flat ``indices`` (from
    ``max_pool3d(..., return_indices=True)``) in a zero (D_out, H_out, W_out) volume;
    D_out = (D - 1) * stride - 2 * padding + kernel_size unless ``output_size`` says."""
    return _unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices",
           "lp_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "max_unpool3d"]
