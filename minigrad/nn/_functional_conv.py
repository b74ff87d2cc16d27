"""Convolution, pooling and resampling in ``nn.functional`` (PyTorch signatures).

The ops themselves (argument checks included) live in ``minigrad.ops.conv`` and
``minigrad.ops.pool``; this module is their ``torch.nn.functional`` face.
"""
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from ..ops.pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    interpolate,
    max_pool1d,
    max_pool2d,
)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of :func:`interpolate` (kept as in PyTorch)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "interpolate",
    "max_pool1d",
    "max_pool2d",
    "upsample",
]
