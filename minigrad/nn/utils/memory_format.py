"""``convert_conv2d_weight_memory_format`` / ``convert_conv3d_weight_memory_format``.

PyTorch re-lays the convolution weights out in memory (``channels_last``) so cuDNN can pick
NHWC kernels. minigrad's arrays keep NumPy's C order and its convolutions do not depend on
the weight's layout, so these accept the same arguments, check them, and return the module
unchanged.
"""
from __future__ import annotations

from ..module import Module

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _check(memory_format) -> None:
    from ..._parser import memory_format as _mf

    if not isinstance(memory_format, _mf):
        raise TypeError(f"memory_format must be a minigrad.memory_format (e.g. "
                        f"minigrad.channels_last), got {type(memory_format).__name__}")


def convert_conv2d_weight_memory_format(module: Module, memory_format) -> Module:
    """Return ``module`` (every Conv2d/ConvTranspose2d weight already works as is)."""
    _check(memory_format)
    return module


def convert_conv3d_weight_memory_format(module: Module, memory_format) -> Module:
    """Return ``module`` (every Conv3d/ConvTranspose3d weight already works as is)."""
    _check(memory_format)
    return module
