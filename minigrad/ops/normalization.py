"""Fused standardization, the core of batch_norm, layer_norm and group_norm.

``standardize(x, dim, eps)`` = (x - mean) / sqrt(var + eps) over ``dim`` (biased variance).
As a composite it is ~8 ops forward and ~15 backward; fused it is one pass of array math
forward and a short closed-form backward (about 2x faster for LayerNorm-sized inputs).
"""
from __future__ import annotations

import math

import numpy as np

from ..dtypes import is_floating_np as _isfloat
from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..tensor import Tensor
from ._util import norm_dims

_F16 = np.dtype(np.float16)


def _stats(xp, xf, axes, eps):
    mean = xf.mean(axis=axes, keepdims=True)
    xc = xf - mean
    var = xp.mean(xc * xc, axis=axes, keepdims=True)
    return mean, var, xc, 1.0 / xp.sqrt(var + eps)


class Standardize(Function):
    """y = (x - mean(x)) * rstd, rstd = 1 / sqrt(var(x) + eps) over ``axes``;
    gx = rstd * (gy - mean(gy) - y * mean(gy * y))."""

    def forward(self, x, axes, eps, stats=None):
        xp = self.xp
        self.axes, self.eps = axes, eps
        xf = x.astype(np.float32) if x.dtype == _F16 else x  # half: statistics in float32
        with np.errstate(over="ignore", invalid="ignore"):
            mean, var, xc, rstd = _stats(xp, xf, axes, eps)
            if _overflowed(rstd, xf):  # float32 overflow: float64 statistics (see LayerNorm)
                mean, var, xc, rstd = (a.astype(np.float32) for a in
                                       _stats(xp, xf.astype(np.float64), axes, eps))
        y = (xc * rstd).astype(x.dtype, copy=False)
        if stats is not None:  # batch_norm's running statistics reuse them
            stats["mean"], stats["var"] = mean, var
        self.save_for_backward(x, y, rstd.astype(x.dtype, copy=False))
        return y

    def backward(self, gy):
        x, y, rstd = self.saved_tensors
        axes = self.axes
        if _State.enabled:
            # create_graph: rstd must be a function of x for the second derivative
            xc = x - x.mean(axes, keepdim=True)
            rstd = ((xc * xc).mean(axes, keepdim=True) + self.eps).rsqrt()
        return rstd * (gy - gy.mean(axes, keepdim=True) - y * (gy * y).mean(axes, keepdim=True))


def _overflowed(rstd, xf):
    """Whether float32 statistics overflowed (squares from |x| ~ 1e19 on): rstd is then 0 or
    nan. Checked on the CPU only, where it costs a pass over one value per row; reading it
    back on the GPU would synchronise (PyTorch's CUDA kernels accumulate in float32 too)."""
    return xf.dtype == np.float32 and type(rstd) is np.ndarray and rstd.size and \
        not (rstd > 0).all()


def _row_stats(xp, xf, d, eps):
    """(x - mean) * rstd and rstd of the rows of 2-d ``xf`` (rstd as a column)."""
    xh = xf - xf.mean(axis=1, keepdims=True)
    rstd = xp.einsum("ij,ij->i", xh, xh)[:, None]
    rstd /= d
    rstd += eps
    xp.sqrt(rstd, out=rstd)
    xp.divide(1, rstd, out=rstd)
    xh *= rstd
    return xh, rstd


class LayerNorm(Function):
    """y = xh w + b, xh = (x - mean) rstd over the trailing ``n`` dims (x viewed as rows of
    their d elements); gx = rstd (gxh - mean(gxh) - xh mean(gxh xh)) with gxh = gy w,
    gw = sum over rows of gy xh, gb = sum of gy. One op for layer_norm's three: forward
    keeps xh and rstd, the first-order backward works on arrays (row and column dot
    products by einsum, no temporaries for them)."""

    def forward(self, x, w=None, b=None, n=1, eps=1e-5):
        xp = self.xp
        self.eps, self.n, self.has_w, self.has_b = eps, n, w is not None, b is not None
        self.norm_shape = x.shape[x.ndim - n:]
        d = math.prod(self.norm_shape)
        x2 = x.reshape(-1, d)
        xf = x2.astype(np.float32) if x.dtype == _F16 else x2  # half: statistics in float32
        with np.errstate(over="ignore", invalid="ignore"):
            xh, rstd = _row_stats(xp, xf, d, eps)
            if _overflowed(rstd, xf):  # float32 overflow: float64 statistics
                xh, rstd = (a.astype(np.float32)
                            for a in _row_stats(xp, xf.astype(np.float64), d, eps))
        y = xh * w.reshape(-1) if w is not None else xh.copy()
        if b is not None:
            y += b.reshape(-1)
        self.xh, self.rstd = xh, rstd
        self.save_for_backward(x, w)
        return y.astype(x.dtype, copy=False).reshape(x.shape)

    def backward(self, gy):
        x, w = self.saved_tensors
        need = self.needs_input_grad
        nd = x.ndim - self.n  # leading (row) dims
        if _State.enabled:  # create_graph: the same formulas as differentiable ops
            axes = tuple(range(nd, x.ndim))
            xc = x - x.mean(axes, keepdim=True)
            rstd = ((xc * xc).mean(axes, keepdim=True) + self.eps).rsqrt()
            xh = xc * rstd
            gxh = gy * w if self.has_w else gy
            gx = rstd * (gxh - gxh.mean(axes, keepdim=True)
                         - xh * (gxh * xh).mean(axes, keepdim=True)) if need[0] else None
            lead = tuple(range(nd))
            out = [gx]
            if self.has_w:
                out.append((gy * xh).sum(lead) if need[1] else None)
            if self.has_b:
                out.append(gy.sum(lead) if need[-1] else None)
            return tuple(out)
        xp, xh, rstd = x.xp, self.xh, self.rstd
        d = xh.shape[1]
        g2 = gy.array.reshape(-1, d)
        out = [None]
        if self.has_w:
            gw = xp.einsum("ij,ij->j", g2, xh) if need[1] else None
            out.append(None if gw is None else Tensor._wrap(
                gw.astype(w.array.dtype, copy=False).reshape(self.norm_shape)))
        if self.has_b:
            out.append(Tensor._wrap(g2.sum(axis=0).reshape(self.norm_shape)) if need[-1] else None)
        if need[0]:
            gxh = g2 * w.array.reshape(-1) if self.has_w else g2.astype(xh.dtype)
            c = xp.einsum("ij,ij->i", gxh, xh)[:, None]
            c /= d
            a = gxh.sum(axis=1, keepdims=True)
            a /= d
            t = xh * c
            t += a
            gxh -= t
            gxh *= rstd
            out[0] = Tensor._wrap(gxh.astype(x.array.dtype, copy=False).reshape(x.shape))
        return tuple(out)


def layer_norm_fused(x: Tensor, n: int, weight: Tensor | None = None, bias: Tensor | None = None,
                     eps: float = 1e-5) -> Tensor:
    """Layer norm over the trailing ``n`` dims of float ``x``, with optional ``weight`` and
    ``bias`` of exactly those dims' shape and x's dtype, as one op (``F.layer_norm`` uses it
    when the arguments fit, the composite otherwise)."""
    if weight is None and bias is not None:
        return LayerNorm.apply(x, n=n, eps=float(eps)) + bias
    args = [x] + [t for t in (weight, bias) if t is not None]
    return LayerNorm.apply(*args, n=n, eps=float(eps))


def standardize(x: Tensor, dim, eps: float = 1e-5, *, stats: dict | None = None) -> Tensor:
    """(x - mean) / sqrt(var + eps) over ``dim`` (int or tuple; biased variance).

    Args:
        stats: optional dict that receives the batch ``mean`` and biased ``var`` arrays
            (keepdim shape), for running-statistics updates.
    """
    if not _isfloat(x.array.dtype):
        raise RuntimeError(f"standardize: expected a floating point input, got {x.dtype}")
    axes = norm_dims(dim, x.ndim)
    if not axes:
        raise RuntimeError(f"standardize: need at least one dim to normalise over, got {dim!r}")
    return Standardize.apply(x, axes=axes, eps=float(eps), stats=stats)


__all__ = ["layer_norm_fused", "standardize"]
