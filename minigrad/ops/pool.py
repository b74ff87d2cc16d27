"""Pooling and resampling: max/avg pooling (1-D through 2-D), adaptive average pooling and
interpolate (nearest, linear/bilinear).

A pooling window is kh*kw offsets; for each offset the inputs it sees form a strided
sub-grid of the (padded) input, so pooling is kh*kw whole-array ops on strided views
(10-40x faster than a reshape + max). Buffers keep the input's memory order.

Each pooling op is linear in the gradient, so its backward is a Function too and the pair
is closed under differentiation (twice differentiable and more):

    MaxPool2d   y = max over the window      gx = scatter(gy) to the argmax (first max wins)
    _MaxScatter x = scatter(g)               gg = gather(gx)   (its adjoint)
    _MaxGather  g = gather(x)                gx = scatter(gg)
    AvgPool2d   y = P x (window means)       gx = P^T gy
    _AvgScatter x = P^T g                    gg = P gx

adaptive_avg_pool2d and interpolate are composites: a separable linear map, one matrix per
spatial axis (or a strided pooling / broadcast when the sizes divide).
"""
from __future__ import annotations

import builtins
import math
from ..dtypes import is_floating_np as _isfloat
from typing import NamedTuple

import numpy as np

from .. import cuda_kernels
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import host_const
from .conv import _tuple


class _PoolGeom(NamedTuple):
    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    dh: int
    dw: int
    H: int
    W: int
    Ho: int
    Wo: int

    @property
    def overlap(self):
        return self.sh < self.dh * (self.kh - 1) + 1 or self.sw < self.dw * (self.kw - 1) + 1

    @property
    def tiles(self):
        """The windows cover the input exactly once (e.g. 2x2, stride 2, even sizes)."""
        return (self.dh == self.dw == 1 and (self.sh, self.sw) == (self.kh, self.kw)
                and self.ph == self.pw == 0 and (self.H, self.W) == (self.Ho * self.kh,
                                                                      self.Wo * self.kw))


def _alloc(xp, shape, like, dtype, fill=0):
    """An array of ``shape`` filled with ``fill`` (None: uninitialised) in the axis order of
    ``like``'s memory."""
    order = sorted(range(like.ndim), key=lambda a: -like.strides[a])
    shape_m = tuple(shape[a] for a in order)
    buf = xp.empty(shape_m, dtype=dtype) if fill is None else xp.full(shape_m, fill, dtype=dtype)
    inv = [0] * len(order)
    for i, a in enumerate(order):
        inv[a] = i
    return buf.transpose(inv)


def _padded(xp, x, g: _PoolGeom, fill):
    """x with ``fill`` around it, large enough for every window (ceil_mode included)."""
    hn = (g.Ho - 1) * g.sh + g.dh * (g.kh - 1) + 1
    wn = (g.Wo - 1) * g.sw + g.dw * (g.kw - 1) + 1
    if g.ph == 0 and g.pw == 0 and hn <= g.H and wn <= g.W:
        return x
    N, C = x.shape[:2]
    buf = _alloc(xp, (N, C, builtins.max(hn, g.ph + g.H), builtins.max(wn, g.pw + g.W)), x,
                 x.dtype, fill)
    buf[:, :, g.ph:g.ph + g.H, g.pw:g.pw + g.W] = x
    return buf


def _views(buf, g: _PoolGeom):
    """The kh*kw strided sub-grids of ``buf``, one per window offset, in row-major order."""
    he, we = (g.Ho - 1) * g.sh + 1, (g.Wo - 1) * g.sw + 1
    return [buf[:, :, i * g.dh:i * g.dh + he:g.sh, j * g.dw:j * g.dw + we:g.sw]
            for i in range(g.kh) for j in range(g.kw)]


def _scatter_buf(xp, like, g: _PoolGeom, N, C):
    hb = builtins.max((g.Ho - 1) * g.sh + g.dh * (g.kh - 1) + 1, g.ph + g.H)
    wb = builtins.max((g.Wo - 1) * g.sw + g.dw * (g.kw - 1) + 1, g.pw + g.W)
    return _alloc(xp, (N, C, hb, wb), like, like.dtype, None if g.tiles else 0)


def _max_and_argmax(xp, x, g: _PoolGeom, need_idx):
    """The window maxima and (if asked) the offset of each window's first maximum."""
    fused = cuda_kernels.get("maxpool_fwd", x)
    if fused is not None:  # on a GPU: one kernel for the maxima and their offsets
        N, C = x.shape[:2]
        y = xp.empty((N, C, g.Ho, g.Wo), dtype=x.dtype)
        idx = xp.empty(y.shape, dtype=xp.uint8 if g.kh * g.kw < 256 else xp.int32)
        fused(xp.ascontiguousarray(x), g.H, g.W, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw,
              g.Ho, g.Wo, y, idx)
        return y, idx if need_idx else None
    fill = -xp.inf if _isfloat(x.dtype) else xp.iinfo(x.dtype).min
    vs = _views(_padded(xp, x, g, fill), g)
    y = vs[0].copy(order="K")
    idx = None
    if need_idx:
        idx = xp.zeros_like(y, dtype=xp.uint8 if len(vs) < 256 else xp.int32)
        for k in range(1, len(vs)):
            # idx = where(v > y, k, idx) in integer arithmetic (3x faster than a masked
            # copy); strict '>': ties keep the first maximum, as PyTorch on CPU
            d = idx.dtype.type(k) - idx
            d *= vs[k] > y
            idx += d
            xp.maximum(y, vs[k], out=y)
    else:
        for v in vs[1:]:
            xp.maximum(y, v, out=y)
    return y, idx


class MaxPool2d(Function):
    """y = max over each window; gx = gy routed to the window's first maximum"""

    def forward(self, x, geom=None):
        self.geom = geom
        y, self.idx = _max_and_argmax(self.xp, x, geom, self.needs_input_grad[0])
        return y

    def backward(self, gy):
        return _MaxScatter.apply(gy, idx=self.idx, geom=self.geom)


class _MaxScatter(Function):
    """x = g scattered to the argmax positions ``idx``; gg = gather(gx, idx)"""

    def forward(self, g, idx=None, geom=None):
        self.idx, self.geom = idx, geom
        xp = self.xp
        fused = cuda_kernels.get("maxpool_bwd", g)
        if fused is not None:  # on a GPU: one gather kernel over the input positions
            gx = xp.empty(g.shape[:2] + (geom.H, geom.W), dtype=g.dtype)
            fused(xp.ascontiguousarray(g), xp.ascontiguousarray(idx), geom.H, geom.W, geom.kh,
                  geom.kw, geom.sh, geom.sw, geom.ph, geom.pw, geom.dh, geom.dw, geom.Ho,
                  geom.Wo, gx)
            return gx
        buf = _scatter_buf(xp, g, geom, *g.shape[:2])
        for k, v in enumerate(_views(buf, geom)):
            if geom.overlap:
                v += xp.where(idx == k, g, 0)
            else:  # each input position is in at most one window: write, don't add
                xp.multiply(g, idx == k, out=v)
        return buf[:, :, geom.ph:geom.ph + geom.H, geom.pw:geom.pw + geom.W]

    def backward(self, gx):
        return _MaxGather.apply(gx, idx=self.idx, geom=self.geom)


class _MaxGather(Function):
    """g = x read at the argmax positions ``idx``; gx = scatter(gg, idx)"""

    def forward(self, x, idx=None, geom=None):
        self.idx, self.geom = idx, geom
        xp = self.xp
        y = xp.zeros_like(idx, dtype=x.dtype)
        for k, v in enumerate(_views(_padded(xp, x, geom, 0), geom)):
            xp.copyto(y, v, where=idx == k)
        return y

    def backward(self, gg):
        return _MaxScatter.apply(gg, idx=self.idx, geom=self.geom)


class AvgPool2d(Function):
    """y = sum over each window * inv_count; gx = P^T gy (spread back over the window)"""

    def forward(self, x, geom=None, inv=None):
        self.geom, self.inv = geom, inv
        vs = _views(_padded(self.xp, x, geom, 0), geom)
        y = vs[0].copy(order="K")
        for v in vs[1:]:
            y += v
        y *= _inv(self.xp, inv, x.dtype)
        return y

    def backward(self, gy):
        return _AvgScatter.apply(gy, geom=self.geom, inv=self.inv)


class _AvgScatter(Function):
    """x = P^T g (each g spread over its window, times inv_count); gg = P gx"""

    def forward(self, g, geom=None, inv=None):
        self.geom, self.inv = geom, inv
        xp = self.xp
        g = g * _inv(xp, inv, g.dtype)
        buf = _scatter_buf(xp, g, geom, *g.shape[:2])
        for v in _views(buf, geom):
            if geom.overlap:
                v += g
            else:
                v[...] = g
        return buf[:, :, geom.ph:geom.ph + geom.H, geom.pw:geom.pw + geom.W]

    def backward(self, gx):
        return AvgPool2d.apply(gx, geom=self.geom, inv=self.inv)


# ---- argument handling ---------------------------------------------------------------------
def _pool_out(size, k, s, p, d, ceil_mode):
    """PyTorch's pooling output size (a last window must start inside input or left pad)."""
    num = size + 2 * p - d * (k - 1) - 1
    out = (num + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _check_input(name, x, nd, ints=False):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    if x.ndim not in (nd + 1, nd + 2) or any(s == 0 for s in x.shape[-nd - 1:]):
        raise RuntimeError(
            f"{name}: expected a non-empty {nd + 1}D (unbatched) or {nd + 2}D (batched) input, "
            f"but got input of size: {list(x.shape)}")
    if not _isfloat(x.array.dtype) and not (ints and x.array.dtype.kind in "iu"):
        raise RuntimeError(f"{name}: expected a floating point input, got {x.dtype} "
                           "(convert first, e.g. x.float())")


def _geom(name, x, nd, kernel_size, stride, padding, dilation, ceil_mode, max_pool):
    k = _tuple(kernel_size, nd, "kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _tuple(stride, nd, "stride")
    p, d = _tuple(padding, nd, "padding"), _tuple(dilation, nd, "dilation")
    if any(v <= 0 for v in k) or any(v <= 0 for v in s) or any(v <= 0 for v in d):
        raise RuntimeError(f"{name}: kernel_size, stride and dilation must be greater than zero, "
                           f"but got kernel_size={k}, stride={s}, dilation={d}")
    for pp, kk, dd in zip(p, k, d):
        if pp < 0 or pp > ((dd * (kk - 1) + 1) // 2 if max_pool else kk // 2):
            raise RuntimeError(
                f"{name}: pad should be at most half of effective kernel size, but got "
                f"padding={p}, kernel_size={k} and dilation={d}")
    spatial = tuple(x.shape[-nd:])
    out = tuple(_pool_out(*a, ceil_mode) for a in zip(spatial, k, s, p, d))
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"{name}: given input size {list(x.shape)}, kernel_size={k}, stride={s}, "
            f"padding={p}, dilation={d}: calculated output size {list(out)} is too small")
    if nd == 1:
        return _PoolGeom(1, k[0], 1, s[0], 0, p[0], 1, d[0], 1, spatial[0], 1, out[0])
    return _PoolGeom(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1], *spatial, *out)


def _as_4d(x, nd):
    """(x as (N, C, H, W), function undoing it) for 1-D/2-D, batched or not."""
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x.unsqueeze(0)
    if nd == 1:
        x = x.unsqueeze(2)

    def back(y):
        if nd == 1:
            y = y.squeeze(2)
        return y.squeeze(0) if unbatched else y

    return x, back


def _flat_indices(xp, x, g: _PoolGeom):
    """PyTorch's return_indices: each maximum's flat position in its (H, W) input plane."""
    _, idx = _max_and_argmax(xp, x, g, True)
    idx = idx.astype(xp.int64)
    rows = xp.arange(g.Ho, dtype=xp.int64).reshape(-1, 1) * g.sh - g.ph
    cols = xp.arange(g.Wo, dtype=xp.int64) * g.sw - g.pw
    return (rows + idx // g.kw * g.dh) * g.W + cols + idx % g.kw * g.dw


def _max_pool(name, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    _check_input(name, input, nd, ints=nd == 2)  # PyTorch max-pools integers in 2-D only
    geom = _geom(name, input, nd, kernel_size, stride, padding, dilation, ceil_mode, True)
    x, back = _as_4d(input, nd)
    y = back(MaxPool2d.apply(x, geom=geom))
    if not return_indices:
        return y
    return y, back(Tensor._wrap(_flat_indices(x.xp, x.array, geom)))


def _avg_pool(name, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    _check_input(name, input, nd)
    geom = _geom(name, input, nd, kernel_size, stride, padding, 1, ceil_mode, False)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{name}: divisor must be not zero")
        inv = 1.0 / divisor_override
    else:
        def counts(n_out, size, k, s, p):
            start = np.arange(n_out) * s - p
            end = np.minimum(start + k, size + p)
            if count_include_pad:
                return end - start
            return np.minimum(end, size) - np.maximum(start, 0)

        inv = 1.0 / np.outer(counts(geom.Ho, geom.H, geom.kh, geom.sh, geom.ph),
                             counts(geom.Wo, geom.W, geom.kw, geom.sw, geom.pw))
        if np.all(inv == inv.flat[0]):
            inv = float(inv.flat[0])
        else:  # per-position divisors: on the GPU, copied there once per geometry
            dt, host = input.array.dtype, inv
            inv = host_const(input, ("avg_pool_inv", geom, count_include_pad, dt),
                             lambda: host.astype(dt))
    x, back = _as_4d(input, nd)
    return back(AvgPool2d.apply(x, geom=geom, inv=inv))


def _inv(xp, inv, dtype):
    """The divisors' reciprocals: a Python float (no device array needed) or an array."""
    return inv if type(inv) is float else xp.asarray(inv, dtype=dtype)


# ---- public pooling API -------------------------------------------------------------------
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over (N, C, H, W) or (C, H, W).

    Args:
        kernel_size, stride (default: kernel_size), padding (implicit -inf, at most half the
            effective kernel), dilation: int or (int, int).
        ceil_mode: round the output size up (a last, partial window) instead of down.
        return_indices: also return the argmax of each window as a flat index into its
            (H, W) input plane (int64; the first maximum on ties, as PyTorch on CPU).

    Returns:
        (N, C, H_out, W_out), H_out = (H + 2 * pad - dilation * (k - 1) - 1) // stride + 1;
        with ``return_indices``, ``(output, indices)``.
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L) or (C, L); arguments as :func:`max_pool2d`."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over (N, C, H, W) or (C, H, W).

    Args:
        kernel_size, stride (default: kernel_size), padding (implicit zeros, at most half
            the kernel): int or (int, int).
        ceil_mode: round the output size up instead of down.
        count_include_pad: divide by the window size including the zero padding (PyTorch's
            default); otherwise by the number of input elements in the window.
        divisor_override: divide every window sum by this number instead.
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over (N, C, L) or (C, L); arguments as :func:`avg_pool2d`."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


# ---- separable linear resampling ----------------------------------------------------------
def _const(x, key, make):
    dt = x.array.dtype
    return Tensor._wrap(host_const(x, key + (dt,), lambda: make().astype(dt)))


def _resample(x, mats):
    """Apply one (out, in) matrix along each of the last len(mats) axes (None: identity);
    each matrix is given as ``(make, args)``, built by ``make(*args)``.
    Each product is one GEMM over all the leading axes."""
    nd = len(mats)
    for ax, entry in enumerate(mats):
        if entry is None:
            continue
        make, args = entry
        mt = _const(x, (make.__name__,) + args, lambda make=make, args=args: make(*args).T)
        axis = x.ndim - nd + ax
        moved = x.movedim(axis, -1) if axis != x.ndim - 1 else x
        shape = moved.shape
        y = moved.reshape(-1, shape[-1]) @ mt
        y = y.reshape(shape[:-1] + (mt.shape[1],))
        x = y.movedim(-1, axis) if axis != x.ndim - 1 else y
    return x


def _adaptive_matrix(n_in, n_out):
    """(n_out, n_in): row i averages input [floor(i*n/o), ceil((i+1)*n/o))."""
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        a, b = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        m[i, a:b] = 1.0 / (b - a)
    return m


def _adaptive(name, nd, input, output_size):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    if input.ndim not in (nd + 1, nd + 2) or any(s == 0 for s in input.shape[-nd:]):
        raise RuntimeError(
            f"{name}: expected a {nd + 1}D or {nd + 2}D input with non-zero spatial sizes, but "
            f"got input of size: {list(input.shape)}")
    if not _isfloat(input.array.dtype):
        raise RuntimeError(f"{name}: expected a floating point input, got {input.dtype}")
    sizes = (output_size,) * nd if output_size is None or isinstance(output_size, int) \
        else tuple(output_size)
    if len(sizes) != nd:
        raise ValueError(f"{name}: output_size must be an int or a tuple of {nd}, got "
                         f"{output_size}")
    spatial = tuple(input.shape[-nd:])
    out = tuple(s if o is None else int(o) for o, s in zip(sizes, spatial))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{name}: elements of output_size must be greater than zero, got "
                           f"{out}")
    if out == spatial:
        return input
    if all(o == 1 for o in out):
        return input.mean(dim=tuple(range(-nd, 0)), keepdim=True)
    if nd <= 2 and all(s % o == 0 for s, o in zip(spatial, out)):
        k = tuple(s // o for s, o in zip(spatial, out))
        return _avg_pool(name, nd, input, k, k, 0, False, True, None)
    return _resample(input, [None if o == s else (_adaptive_matrix, (s, o))
                             for s, o in zip(spatial, out)])


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (windows [floor(i*H/h), ceil((i+1)*H/h))).

    Args:
        input: (N, C, H, W) or (C, H, W).
        output_size: int or (h, w); a None entry keeps that input size.
    """
    return _adaptive("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of (N, C, L) or (C, L) to length ``output_size``."""
    return _adaptive("adaptive_avg_pool1d", 1, input, output_size)


_MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 1, "bilinear": 2,
          "trilinear": 3}
_OTHER_MODES = ("bicubic",)


def _src_scale(n_in, n_out, scale, align_corners):
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else n_in / n_out


def _nearest_index(n_in, n_out, scale, exact=False):
    """Source index of each output position: floor(dst * s) ('nearest', PyTorch's legacy
    rule) or floor((dst + 0.5) * s) ('nearest-exact', pixel centres)."""
    s = np.float32(_src_scale(n_in, n_out, scale, False))  # float32 as PyTorch's kernel
    dst = np.arange(n_out, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    return np.minimum(np.floor(dst * s).astype(np.int64), n_in - 1)


def _linear_matrix(n_in, n_out, scale, align_corners):
    s = _src_scale(n_in, n_out, scale, align_corners)
    dst = np.arange(n_out, dtype=np.float64)
    src = dst * s if align_corners else np.maximum((dst + 0.5) * s - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), i0), 1.0 - lam)  # building a small constant matrix
    np.add.at(m, (np.arange(n_out), i1), lam)
    return m


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) inputs, as
    ``torch.nn.functional.interpolate``.

    Args:
        size: output spatial size (int or tuple), or
        scale_factor: multiplier(s) for the spatial size (output = floor(input * scale)).
        mode: 'nearest', 'nearest-exact' (pixel centres), 'area' (adaptive average; any
            of 3-D to 5-D), 'linear' (3-D), 'bilinear' (4-D) or 'trilinear' (5-D). The
            nearest modes also take uint8 input, as PyTorch.
        align_corners: for the linear modes, map the corner pixels' centres onto each other
            (True) or the corners of the pixel grid (False, the default).
        recompute_scale_factor: use input/output sizes rather than ``scale_factor`` to map
            coordinates.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be a Tensor, not "
                        f"{type(input).__name__}")
    if mode in _OTHER_MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported in minigrad "
                                  "(supported: " + ", ".join(map(repr, _MODES)) + ")")
    if mode not in _MODES:
        raise ValueError(f"interpolate: unknown mode {mode!r}; expected one of 'nearest', "
                         f"'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact'")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported in minigrad")
    nd = input.ndim - 2
    if nd not in (1, 2, 3):
        raise NotImplementedError(
            f"interpolate: got {input.ndim}D input, but minigrad supports 3D (N, C, L), 4D "
            f"(N, C, H, W) and 5D (N, C, D, H, W) inputs")
    if _MODES[mode] is not None and _MODES[mode] != nd:
        raise ValueError(f"interpolate: got {input.ndim}D input, but {mode} mode needs "
                         f"{_MODES[mode] + 2}D input")
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if not _isfloat(input.array.dtype) and not (
            mode.startswith("nearest") and input.array.dtype == np.uint8):
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not implemented for {input.dtype} input (floating "
            "point input, or uint8 with the nearest modes)")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    spatial = tuple(input.shape[2:])
    if size is not None:
        out = _tuple(size, nd, "size")
        scales = (None,) * nd
    else:
        scales = (tuple(float(s) for s in scale_factor) if isinstance(scale_factor, (tuple, list))
                  else (float(scale_factor),) * nd)
        if len(scales) != nd:
            raise ValueError(f"interpolate: scale_factor must have {nd} elements for a "
                             f"{input.ndim}D input, got {scale_factor}")
        out = tuple(math.floor(s * f) for s, f in zip(spatial, scales))
        if recompute_scale_factor:
            scales = (None,) * nd
    if any(o <= 0 for o in out):
        raise ValueError(f"interpolate: output size {out} must be positive (input size "
                         f"{spatial})")
    x = input
    if mode == "area":
        return _adaptive("interpolate", nd, input, out)
    if mode.startswith("nearest"):
        exact = mode == "nearest-exact"
        for ax, (n_in, n_out, sc) in enumerate(zip(spatial, out, scales)):
            if n_in == n_out and (sc is None or sc == 1.0):
                continue
            axis = 2 + ax
            r = n_out // n_in
            idx = _nearest_index(n_in, n_out, sc, exact)
            if n_out == r * n_in and np.array_equal(idx, np.arange(n_out) // r):
                # integer upscale: repeat each element r times (a broadcast, no gather)
                shape = x.shape
                x = x.unsqueeze(axis + 1).expand(*shape[:axis + 1], r, *shape[axis + 1:])
                x = x.reshape(*shape[:axis], n_out, *shape[axis + 1:])
            else:
                x = x.index_select(axis, Tensor._wrap(
                    host_const(x, ("nearest_index", n_in, n_out, sc, exact),
                               lambda idx=idx: idx)))
        return x
    ac = bool(align_corners)
    return _resample(x, [None if n_in == n_out and (sc is None or sc == 1.0) and not ac
                         else (_linear_matrix, (n_in, n_out, sc, ac))
                         for n_in, n_out, sc in zip(spatial, out, scales)])


__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "interpolate",
    "max_pool1d",
    "max_pool2d",
]
