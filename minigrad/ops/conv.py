"""Convolutions as fused primitives: conv2d and conv_transpose2d (1-D through 2-D).

The kernels work "batch-last". The input is copied (zero padded) into a (C, Hp, Wp, N)
buffer and im2col makes a (groups, C/groups*kh*kw, Ho*Wo*N) matrix (rows = C*kh*kw), so the
forward is one GEMM per group, chunked over columns to stay in cache. col2im (the input
gradient, and conv_transpose's forward) is kh*kw strided adds whose inner runs are Wo*N
elements long, never ``add.at``. Outputs are NCHW views of (O, Ho, Wo, N) buffers: NumPy
keeps that memory order through elementwise ops and pooling, so the next layer's copies
and the gradients' transposes are nearly free.

Three primitives, each built from the others' forward, so convolution is differentiable to
any order (all three are linear in each argument):

    Conv2d           y = conv(x, w)           gx = convT(gy, w),  gw = convW(x, gy)
    ConvTranspose2d  z = convT(g, w)          gg = conv(gz, w),   gw = convW(gz, g)
    Conv2dWeight     v = convW(x, g)          gx = convT(g, gv),  gg = conv(x, gv)

convT is the adjoint of conv in x; convW(x, g)[o, c, i, j] = sum g[n, o, h, w] * x_pad[n,
c, h*s + i*d, w*s + j*d]. The forward saves its im2col matrix so the weight gradient is a
single GEMM.
"""
from __future__ import annotations

import builtins
from .._autocast import autocast_op
from ..dtypes import is_floating_np as _isfloat
from typing import NamedTuple

import numpy as np

from .. import cuda_kernels
from ..autograd.function import Function
from ..tensor import Tensor

_CHUNK_BYTES = 1 << 19  # a column block of the im2col matrix that fits in L2


class _Geom(NamedTuple):
    """Geometry of one convolution from x-space (H, W) to y-space (Ho, Wo)."""

    kh: int
    kw: int
    sh: int
    sw: int
    pt: int  # padding: top, bottom, left, right
    pb: int
    pl: int
    pr: int
    dh: int
    dw: int
    groups: int
    H: int
    W: int
    Ho: int
    Wo: int


def _row_chunks(xp, g: _Geom, N, K):
    """Output-row blocks for the forward GEMM: a block of the im2col matrix is built and
    multiplied while it is still in cache (NumPy only; one block is best on a GPU)."""
    if xp is not np:
        return [slice(0, g.Ho)]
    step = builtins.max(1, _CHUNK_BYTES // (4 * K * g.Wo * builtins.max(N, 1)))
    return [slice(a, builtins.min(a + step, g.Ho)) for a in range(0, g.Ho, step)]


def _chunks(xp, P, K):
    """Column blocks for the backward GEMMs (NumPy only)."""
    if xp is not np:
        return [slice(0, P)]
    step = builtins.max(4096, _CHUNK_BYTES // (4 * builtins.max(K, 1)))
    return [slice(a, builtins.min(a + step, P)) for a in range(0, builtins.max(P, 1), step)]


def _patches(xp, x, g: _Geom):
    """A (C, kh, kw, Ho, Wo, N) strided view of x (N, C, H, W), zero padded, batch-last."""
    N, C = x.shape[:2]
    hn = (g.Ho - 1) * g.sh + g.dh * (g.kh - 1) + 1  # padded rows the windows touch
    wn = (g.Wo - 1) * g.sw + g.dw * (g.kw - 1) + 1
    xt = x.transpose(1, 2, 3, 0)
    if g.pt == 0 and g.pl == 0 and hn == g.H and wn == g.W:
        buf = xp.ascontiguousarray(xt)  # free when x is already batch-last
    else:
        buf = xp.zeros((C, hn, wn, N), dtype=x.dtype)
        h1, w1 = builtins.min(g.H, hn - g.pt), builtins.min(g.W, wn - g.pl)
        buf[:, g.pt:g.pt + h1, g.pl:g.pl + w1] = xt[:, :h1, :w1]
    sc, sh, sw, sn = buf.strides
    return xp.lib.stride_tricks.as_strided(
        buf, (C, g.kh, g.kw, g.Ho, g.Wo, N),
        (sc, g.dh * sh, g.dw * sw, g.sh * sh, g.sw * sw, sn))


def _im2col(xp, x, g: _Geom):
    """x (N, C, H, W) -> col (groups, C/groups*kh*kw, Ho*Wo*N)."""
    col = xp.ascontiguousarray(_patches(xp, x, g))
    return col.reshape(g.groups, -1, g.Ho * g.Wo * x.shape[0])


def _col2im(xp, gcol, g: _Geom, N):
    """The adjoint of _im2col: gcol (groups, C/groups*kh*kw, Ho*Wo*N) -> (N, C, H, W)."""
    C = gcol.shape[0] * gcol.shape[1] // (g.kh * g.kw)
    fused = cuda_kernels.get("col2im", gcol)
    if fused is not None:  # on a GPU: one gather kernel instead of kh*kw strided adds
        out = xp.empty((C, g.H, g.W, N), dtype=gcol.dtype)
        fused(xp.ascontiguousarray(gcol), C, g.H, g.W, N, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl,
              g.dh, g.dw, g.Ho, g.Wo, out)
        return out.transpose(3, 0, 1, 2)
    gcol = gcol.reshape(C, g.kh, g.kw, g.Ho, g.Wo, N)
    hn = builtins.max((g.Ho - 1) * g.sh + g.dh * (g.kh - 1) + 1, g.pt + g.H)
    wn = builtins.max((g.Wo - 1) * g.sw + g.dw * (g.kw - 1) + 1, g.pl + g.W)
    buf = xp.zeros((C, hn, wn, N), dtype=gcol.dtype)
    he, we = (g.Ho - 1) * g.sh + 1, (g.Wo - 1) * g.sw + 1
    for i in range(g.kh):
        for j in range(g.kw):
            buf[:, i * g.dh:i * g.dh + he:g.sh, j * g.dw:j * g.dw + we:g.sw] += gcol[:, i, j]
    return buf[:, g.pt:g.pt + g.H, g.pl:g.pl + g.W].transpose(3, 0, 1, 2)


def _batch_last(xp, y, groups):
    """(N, O, Ho, Wo) -> (groups, O/groups, Ho*Wo*N); a free reshape when y is batch-last."""
    return y.transpose(1, 2, 3, 0).reshape(groups, y.shape[1] // groups, -1)


def _conv(xp, x, w, g: _Geom, keep_col):
    """y = conv(x, w) as (O, Ho, Wo, N), and the im2col matrix if ``keep_col``."""
    O, N = w.shape[0], x.shape[0]
    G = g.groups
    w2 = w.reshape(G, O // G, -1)
    K, row = w2.shape[2], g.Wo * N  # row: im2col columns per output row
    view = _patches(xp, x, g)
    y = xp.empty((G, O // G, g.Ho * row), dtype=x.dtype)
    blocks = _row_chunks(xp, g, N, G * K)
    if keep_col:
        col = xp.empty((G, K, g.Ho * row), dtype=x.dtype)
        col6 = col.reshape(view.shape)
    else:  # one reusable block
        flat = xp.empty(G * K * (blocks[0].stop - blocks[0].start) * row, dtype=x.dtype)
    for r in blocks:
        n = r.stop - r.start
        if keep_col:
            col6[:, :, :, r] = view[:, :, :, r]
            c = col[:, :, r.start * row:r.stop * row]
        else:
            blk = flat[:G * K * n * row]
            blk.reshape(view.shape[:3] + (n,) + view.shape[4:])[...] = view[:, :, :, r]
            c = blk.reshape(G, K, n * row)
        xp.matmul(w2, c, out=y[:, :, r.start * row:r.stop * row])
    return y.reshape(O, g.Ho, g.Wo, N), col if keep_col else None


def _conv_t(xp, gy, w, g: _Geom):
    """z = convT(gy, w) (the adjoint of conv in x) as an (N, C, H, W) view."""
    w2 = w.reshape(g.groups, w.shape[0] // g.groups, -1)
    g2 = _batch_last(xp, gy, g.groups)
    P = g2.shape[2]
    gcol = xp.empty((g.groups, w2.shape[2], P), dtype=gy.dtype)
    w2t = w2.transpose(0, 2, 1)
    for s in _chunks(xp, P, w2.shape[2]):
        xp.matmul(w2t, g2[:, :, s], out=gcol[:, :, s])
    return _col2im(xp, gcol, g, gy.shape[0])


def _conv_w(xp, x, gy, g: _Geom, col=None):
    """v = convW(x, gy): the weight gradient, shape (O, C/groups, kh, kw)."""
    if col is None:
        col = _im2col(xp, x, g)
    g2 = _batch_last(xp, gy, g.groups)
    P = col.shape[2]
    acc = None
    for s in _chunks(xp, P, col.shape[1]):
        part = xp.matmul(col[:, :, s], g2[:, :, s].transpose(0, 2, 1))  # (G, K, Og)
        if acc is None:
            acc = part
        else:
            acc += part
    O = gy.shape[1]
    return xp.ascontiguousarray(acc.transpose(0, 2, 1)).reshape(O, -1, g.kh, g.kw)


class Conv2d(Function):
    """y = conv(x, w) + b; gx = convT(gy, w), gw = convW(x, gy), gb = sum(gy, (0, 2, 3))"""

    def forward(self, x, w, b=None, geom=None):
        self.geom = geom
        y, col = _conv(self.xp, x, w, geom, self.needs_input_grad[1])
        if b is not None:
            y += b.reshape(-1, 1, 1, 1)
        self.save_for_backward(x, w, col if self.needs_input_grad[1] else None)
        return y.transpose(3, 0, 1, 2)

    def backward(self, gy):
        x, w, col = self.saved_tensors
        need = self.needs_input_grad
        gx = ConvTranspose2d.apply(gy, w, geom=self.geom) if need[0] else None
        gw = None
        if need[1]:
            gw = Conv2dWeight.apply(x, gy, geom=self.geom, col=None if col is None else col.array)
        if len(need) == 3:
            return gx, gw, gy.sum((0, 2, 3)) if need[2] else None
        return gx, gw


class ConvTranspose2d(Function):
    """z = convT(g, w) + b (conv's adjoint); gg = conv(gz, w), gw = convW(gz, g), gb = sum(gz)"""

    def forward(self, g, w, b=None, geom=None):
        self.geom = geom
        z = _conv_t(self.xp, g, w, geom)
        if b is not None:
            z += b.reshape(1, -1, 1, 1)
        self.save_for_backward(g, w)
        return z

    def backward(self, gz):
        g, w = self.saved_tensors
        need = self.needs_input_grad
        gg = Conv2d.apply(gz, w, geom=self.geom) if need[0] else None
        gw = Conv2dWeight.apply(gz, g, geom=self.geom) if need[1] else None
        if len(need) == 3:
            return gg, gw, gz.sum((0, 2, 3)) if need[2] else None
        return gg, gw


class Conv2dWeight(Function):
    """v = convW(x, g) (conv's weight gradient); gx = convT(g, gv), gg = conv(x, gv)"""

    def forward(self, x, g, geom=None, col=None):
        self.geom = geom
        self.save_for_backward(x, g)
        return _conv_w(self.xp, x, g, geom, col)

    def backward(self, gv):
        x, g = self.saved_tensors
        need = self.needs_input_grad
        gx = ConvTranspose2d.apply(g, gv, geom=self.geom) if need[0] else None
        gg = Conv2d.apply(x, gv, geom=self.geom) if need[1] else None
        return gx, gg


# ---- argument handling ---------------------------------------------------------------------
def _tuple(v, n, name):
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),) * n
    v = tuple(v)
    if len(v) == 1:
        v = v * n
    if len(v) != n or not all(isinstance(e, (int, np.integer)) and not isinstance(e, bool)
                              for e in v):
        raise ValueError(f"expected {name} to be a single int or a tuple of {n} ints, got {v}")
    return tuple(int(e) for e in v)


def _check_common(name, x, w, b, nd, stride, dilation, groups):
    """Rank, dtype and groups checks shared by conv and conv_transpose."""
    for t, what in ((x, "input"), (w, "weight"), (b, "bias")):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{what}' must be a Tensor, not {type(t).__name__}")
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got "
            f"input of size: {list(x.shape)}")
    if w.ndim != nd + 2:
        raise RuntimeError(
            f"{name}: expected weight to be {nd + 2}-dimensional, but got weight of size "
            f"{list(w.shape)}")
    for t in (x, w) + ((b,) if b is not None else ()):
        if not _isfloat(t.array.dtype) or t.array.dtype != x.array.dtype:
            raise RuntimeError(
                f"{name}: expected floating input, weight and bias of the same dtype, but got "
                f"input {x.dtype}, weight {w.dtype}"
                + (f", bias {b.dtype}" if b is not None else ""))
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise RuntimeError(f"{name}: non-positive groups is not supported (got {groups})")
    if any(s < 1 for s in stride):
        raise RuntimeError(f"{name}: non-positive stride is not supported (got {stride})")
    if any(d < 1 for d in dilation):
        raise RuntimeError(f"{name}: dilation should be greater than zero (got {dilation})")


def _check_bias(name, b, n, w):
    if b is not None and (b.ndim != 1 or b.shape[0] != n):
        raise RuntimeError(
            f"{name}: given weight of size {list(w.shape)}, expected bias to be 1-dimensional "
            f"with {n} elements, but got bias of size {list(b.shape)} instead")


def _conv_nd(name, x, w, b, stride, padding, dilation, groups, nd):
    stride, dilation = _tuple(stride, nd, "stride"), _tuple(dilation, nd, "dilation")
    _check_common(name, x, w, b, nd, stride, dilation, groups)
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x.unsqueeze(0)
    C, O, Cg = x.shape[1], w.shape[0], w.shape[1]
    k = tuple(w.shape[2:])
    if O % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(w.shape)} instead")
    if C != Cg * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(w.shape)}, expected input"
            f"{list(x.shape)} to have {Cg * groups} channels, but got {C} channels instead")
    _check_bias(name, b, O, w)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions (stride={stride})")
            pads = tuple((d * (kk - 1) // 2, d * (kk - 1) - d * (kk - 1) // 2)
                         for d, kk in zip(dilation, k))
        else:
            raise ValueError(
                f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
    else:
        p = _tuple(padding, nd, "padding")
        if any(v < 0 for v in p):
            raise RuntimeError(f"{name}: negative padding is not supported (got {p})")
        pads = tuple((v, v) for v in p)
    spatial = x.shape[2:]
    padded = tuple(s + a + c for s, (a, c) in zip(spatial, pads))
    eff = tuple(d * (kk - 1) + 1 for d, kk in zip(dilation, k))
    if any(e > p for e, p in zip(eff, padded)):
        raise RuntimeError(
            f"{name}: calculated padded input size per channel: ({' x '.join(map(str, padded))})."
            f" Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than "
            f"actual input size (input {list(x.shape)}, weight {list(w.shape)})")
    out = tuple((p - e) // s + 1 for p, e, s in zip(padded, eff, stride))
    if nd == 1:  # through 2-D with a unit height
        geom = _Geom(1, k[0], 1, stride[0], 0, 0, pads[0][0], pads[0][1], 1, dilation[0],
                     groups, 1, spatial[0], 1, out[0])
        x, w = x.unsqueeze(2), w.unsqueeze(2)
    else:
        geom = _Geom(k[0], k[1], stride[0], stride[1], pads[0][0], pads[0][1], pads[1][0],
                     pads[1][1], dilation[0], dilation[1], groups, spatial[0], spatial[1],
                     out[0], out[1])
    y = Conv2d.apply(x, w, b, geom=geom) if b is not None else Conv2d.apply(x, w, geom=geom)
    if nd == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def _conv_transpose_nd(name, x, w, b, stride, padding, output_padding, groups, dilation, nd):
    stride, dilation = _tuple(stride, nd, "stride"), _tuple(dilation, nd, "dilation")
    _check_common(name, x, w, b, nd, stride, dilation, groups)
    if isinstance(padding, str):
        raise TypeError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")
    pad, opad = _tuple(padding, nd, "padding"), _tuple(output_padding, nd, "output_padding")
    if any(v < 0 for v in pad + opad):
        raise RuntimeError(f"{name}: negative padding is not supported (padding={pad}, "
                           f"output_padding={opad})")
    for o, s, d in zip(opad, stride, dilation):
        if o >= builtins.max(s, d):
            raise RuntimeError(
                f"{name}: output padding must be smaller than either stride or dilation, but got "
                f"output_padding={opad}, stride={stride}, dilation={dilation}")
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x.unsqueeze(0)
    C = x.shape[1]
    if C != w.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(w.shape)}, expected input{list(x.shape)} "
            f"to have {w.shape[0]} channels, but got {C} channels instead")
    if C % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(w.shape)} instead")
    _check_bias(name, b, w.shape[1] * groups, w)
    k, spatial = tuple(w.shape[2:]), tuple(x.shape[2:])
    out = tuple((i - 1) * s - 2 * p + d * (kk - 1) + o + 1
                for i, s, p, d, kk, o in zip(spatial, stride, pad, dilation, k, opad))
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"{name}: given input size per channel {spatial} and weight {list(w.shape)}, the "
            f"calculated output size {out} is too small")
    if nd == 1:
        geom = _Geom(1, k[0], 1, stride[0], 0, 0, pad[0], pad[0], 1, dilation[0], groups,
                     1, out[0], 1, spatial[0])
        x, w = x.unsqueeze(2), w.unsqueeze(2)
    else:
        geom = _Geom(k[0], k[1], stride[0], stride[1], pad[0], pad[0], pad[1], pad[1],
                     dilation[0], dilation[1], groups, out[0], out[1], spatial[0], spatial[1])
    if b is not None:
        y = ConvTranspose2d.apply(x, w, b, geom=geom)
    else:
        y = ConvTranspose2d.apply(x, w, geom=geom)
    if nd == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


# ---- public API -----------------------------------------------------------------------------
@autocast_op("conv2d")
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) over an (N, C, H, W) or (C, H, W) input.

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_out, C_in / groups, kH, kW).
        bias: optional (C_out,).
        stride, dilation: int or (int, int).
        padding: int, (int, int), 'valid' (no padding) or 'same' (output size = input size;
            stride 1 only; an odd total padding puts the extra row/column at the end).
        groups: split the channels into this many independent convolutions.

    Returns:
        (N, C_out, H_out, W_out), H_out = (H + 2 * pad - dilation * (kH - 1) - 1) // stride + 1.
    """
    return _conv_nd("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


@autocast_op("conv1d")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over an (N, C, L) or (C, L) input; weight (C_out, C_in / groups, k).
    Arguments as for :func:`conv2d` (computed as a 2-D convolution of unit height)."""
    return _conv_nd("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


@autocast_op("conv_transpose2d")
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution (the gradient of conv2d with respect to its input).

    Args:
        input: (N, C_in, H, W) or unbatched (C_in, H, W).
        weight: (C_in, C_out / groups, kH, kW).
        bias: optional (C_out,).
        stride, padding, dilation: those of the convolution being transposed.
        output_padding: extra rows/columns added at the end of the output (smaller than
            stride or dilation), to pick among the input sizes a strided conv maps to H.

    Returns:
        (N, C_out, H_out, W_out), H_out = (H - 1) * stride - 2 * padding
        + dilation * (kH - 1) + output_padding + 1.
    """
    return _conv_transpose_nd("conv_transpose2d", input, weight, bias, stride, padding,
                              output_padding, groups, dilation, 2)


@autocast_op("conv_transpose1d")
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution over (N, C_in, L) or (C_in, L); weight (C_in, C_out / groups,
    k). Arguments as for :func:`conv_transpose2d`."""
    return _conv_transpose_nd("conv_transpose1d", input, weight, bias, stride, padding,
                              output_padding, groups, dilation, 1)


__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]
