"""The softmax of attention scores, fused: scale, mask, stable softmax in one op.

``scaled_masked_softmax(s, scale, keep)`` = softmax(s * scale, with the positions where
``keep`` is False at -inf) over the last dim. It saves the composite's separate ops (a
scaled copy of the query, a broadcast mask, two ``where`` passes, the softmax) and their
nodes: forward is six passes over the scores, the first-order backward five. The mask is
added as a 0/-inf bias of its own (unbroadcast) shape, never materialised at the scores'
shape. A row with no position kept (or all scores -inf) gets zero weights and a zero
gradient, not NaN (PyTorch's safe softmax).
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..tensor import Tensor

_F16 = np.dtype(np.float16)


class ScaledMaskedSoftmax(Function):
    """y = softmax(x * scale + log(keep)) over the last dim; gx = scale * y * (gy - sum(gy * y))."""

    def forward(self, x, scale, keep=None):
        xp = self.xp
        self.scale = scale
        y = xp.multiply(x.astype(np.float32) if x.dtype == _F16 else x, scale)
        if keep is not None:
            keep = xp.asarray(keep)  # a NumPy mask for CUDA scores: copied to the device
            y += xp.where(keep, 0.0, -math.inf).astype(y.dtype, copy=False)
        m = y.max(axis=-1, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # rows with every score -inf (inf: NaN, as PyTorch)
        y -= m
        xp.exp(y, out=y)
        s = y.sum(axis=-1, keepdims=True)
        s += s == 0  # an all-masked row: 0 / 1 = 0
        y /= s
        y = y.astype(x.dtype, copy=False)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        if _State.enabled:  # create_graph: differentiable ops
            return y * (gy - (gy * y).sum(-1, keepdim=True)) * self.scale
        xp, ya, g = y.xp, y.array, gy.array
        gx = g * ya
        r = gx.sum(axis=-1, keepdims=True)
        xp.subtract(g, r, out=gx)
        gx *= ya
        gx *= self.scale
        return Tensor._wrap(gx)


def scaled_masked_softmax(x: Tensor, scale: float = 1.0, keep=None) -> Tensor:
    """softmax(x * scale) over the last dim, positions where ``keep`` is False left out.

    Args:
        x: (..., L, S) float scores.
        scale: a positive Python number.
        keep: None or a bool array (NumPy/CuPy) broadcastable to x's shape.

    Returns:
        (..., L, S) weights; rows with nothing kept are all zero.
    """
    if keep is not None:
        try:
            np.broadcast_shapes(tuple(keep.shape), tuple(x.shape))
        except ValueError:
            raise RuntimeError(
                f"attention: the mask of shape {tuple(keep.shape)} does not broadcast to the "
                f"attention scores of shape {tuple(x.shape)} (..., L, S)"
            ) from None
    return ScaledMaskedSoftmax.apply(x, scale=float(scale), keep=keep)


__all__ = ["scaled_masked_softmax"]
