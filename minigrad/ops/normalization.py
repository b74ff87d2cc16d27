"""Fused standardization, the core of batch_norm, layer_norm and group_norm.

``standardize(x, dim, eps)`` = (x - mean) / sqrt(var + eps) over ``dim`` (biased variance).
As a composite it is ~8 ops forward and ~15 backward; fused it is one pass of array math
forward and a short closed-form backward (about 2x faster for LayerNorm-sized inputs).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..tensor import Tensor
from ._util import norm_dims

_F16 = np.dtype(np.float16)


class Standardize(Function):
    """y = (x - mean(x)) * rstd, rstd = 1 / sqrt(var(x) + eps) over ``axes``;
    gx = rstd * (gy - mean(gy) - y * mean(gy * y))."""

    def forward(self, x, axes, eps, stats=None):
        xp = self.xp
        self.axes, self.eps = axes, eps
        xf = x.astype(np.float32) if x.dtype == _F16 else x  # half: statistics in float32
        mean = xf.mean(axis=axes, keepdims=True)
        xc = xf - mean
        var = xp.mean(xc * xc, axis=axes, keepdims=True)
        rstd = 1.0 / xp.sqrt(var + eps)
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


def standardize(x: Tensor, dim, eps: float = 1e-5, *, stats: dict | None = None) -> Tensor:
    """(x - mean) / sqrt(var + eps) over ``dim`` (int or tuple; biased variance).

    Args:
        stats: optional dict that receives the batch ``mean`` and biased ``var`` arrays
            (keepdim shape), for running-statistics updates.
    """
    if x.array.dtype.kind != "f":
        raise RuntimeError(f"standardize: expected a floating point input, got {x.dtype}")
    axes = norm_dims(dim, x.ndim)
    if not axes:
        raise RuntimeError(f"standardize: need at least one dim to normalise over, got {dim!r}")
    return Standardize.apply(x, axes=axes, eps=float(eps), stats=stats)


__all__ = ["standardize"]
