"""Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d.

Parameter names, layouts and default initialisation are PyTorch's: ``weight`` is
(out_channels, in_channels / groups, *kernel_size) for a convolution and
(in_channels, out_channels / groups, *kernel_size) for a transposed one, drawn with
``kaiming_uniform_(a=sqrt(5))``; ``bias`` is U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""
from __future__ import annotations

import math

from .. import creation
from ..ops.conv import _tuple
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared construction, initialisation and repr of the convolution layers."""

    _nd = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation,
                 groups, bias, padding_mode, output_padding=0, device=None, dtype=None):
        super().__init__()
        nd, name = self._nd, type(self).__name__
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups "
                             f"({groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups "
                             f"({groups})")
        stride, dilation = _tuple(stride, nd, "stride"), _tuple(dilation, nd, "dilation")
        if isinstance(padding, str):
            if self._transposed or padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}" if not self._transposed else
                                 f"{name}: padding must be an int or a tuple, got {padding!r}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _tuple(padding, nd, "padding")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got "
                             f"padding_mode={padding_mode!r}")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size")
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.output_padding = _tuple(output_padding, nd, "output_padding")
        self.transposed, self.groups, self.padding_mode = self._transposed, groups, padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(creation.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _pad_input(self, input: Tensor):
        """For padding_mode other than 'zeros': pad explicitly, then convolve unpadded."""
        if isinstance(self.padding, str):
            k = [d * (kk - 1) for d, kk in zip(self.dilation, self.kernel_size)]
            pairs = [(0, 0) if self.padding == "valid" else (t // 2, t - t // 2) for t in k]
        else:
            pairs = [(p, p) for p in self.padding]
        flat = [v for lo_hi in reversed(pairs) for v in lo_hi]
        return F.pad(input, flat, mode=self.padding_mode)

    def extra_repr(self) -> str:
        nd = self._nd
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """Conv1d/Conv2d: the constructor signature and forward (``_conv`` is F.conv1d/conv2d)."""

    _conv = None

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode != "zeros":
            return self._conv(self._pad_input(input), self.weight, self.bias, self.stride, 0,
                              self.dilation, self.groups)
        return self._conv(input, self.weight, self.bias, self.stride, self.padding,
                          self.dilation, self.groups)


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W) inputs.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: int or (int, int).
        padding: int, (int, int), 'valid' or 'same' (stride 1).
        groups: independent channel groups (both channel counts must divide by it).
        bias: learn a per-output-channel bias (default True).
        padding_mode: 'zeros' (default), 'reflect', 'replicate' or 'circular'.

    Shape:
        (N, C_in, H, W) -> (N, C_out, H_out, W_out) with
        H_out = (H + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1.
    """

    _nd = 2
    _conv = staticmethod(F.conv2d)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) or (C_in, L) inputs; arguments as :class:`Conv2d`
    with ints instead of pairs. Weight (out_channels, in_channels / groups, kernel_size)."""

    _nd = 1
    _conv = staticmethod(F.conv1d)


class _ConvTransposeNd(_ConvNd):
    """ConvTranspose1d/2d (``_conv`` is F.conv_transpose1d/2d)."""

    _transposed = True
    _conv = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device=device, dtype=dtype)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return self._conv(input, self.weight, self.bias, self.stride, self.padding,
                          self._output_padding(input, output_size), self.groups, self.dilation)

    def _output_padding(self, input: Tensor, output_size):
        """output_padding that makes the output ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        size = list(output_size)
        if len(size) in (nd + 1, nd + 2):
            size = size[-nd:]
        if len(size) != nd:
            raise ValueError(f"{type(self).__name__}: output_size must have {nd} or {nd + 2} "
                             f"elements (got {len(output_size)})")
        spatial = input.shape[-nd:]
        out = []
        for i in range(nd):
            lo = ((spatial[i] - 1) * self.stride[i] - 2 * self.padding[i]
                  + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            hi = lo + self.stride[i] - 1
            if not lo <= size[i] <= hi:
                raise ValueError(
                    f"requested an output size of {size}, but valid sizes range from "
                    f"{lo} to {hi} (for an input of {list(spatial)})")
            out.append(size[i] - lo)
        return tuple(out)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (the gradient of Conv2d with respect to its input).

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias:
            as :class:`Conv2d` (padding is that of the convolution being transposed).
        output_padding: extra size added to one side of the output (< stride or dilation).

    Shape:
        (N, C_in, H, W) -> (N, C_out, H_out, W_out) with H_out = (H - 1) * stride
        - 2 * padding + dilation * (kernel - 1) + output_padding + 1. ``forward(input,
        output_size)`` picks output_padding to reach ``output_size``.
    """

    _nd = 2
    _conv = staticmethod(F.conv_transpose2d)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (N, C_in, L) or (C_in, L); as :class:`ConvTranspose2d`."""

    _nd = 1
    _conv = staticmethod(F.conv_transpose1d)


__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]
