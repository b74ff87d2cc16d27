"""3-D layers: Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d (over the composites in
``_functional_volumetric``)."""
from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .conv import _Conv, _ConvTransposeNd
from .pooling import AvgPool2d, _MaxPoolNd


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) or (C_in, D, H, W); arguments as
    :class:`Conv2d` with triples. Weight (out_channels, in_channels / groups, kd, kh, kw)."""

    _nd = 3
    _conv = staticmethod(F.conv3d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution; arguments as :class:`ConvTranspose2d` with triples.
    Weight (in_channels, out_channels / groups, kd, kh, kw)."""

    _nd = 3
    _conv = staticmethod(F.conv_transpose3d)


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W) (``return_indices`` gives flat
    indices into each (D, H, W) volume, for MaxUnpool3d)."""

    def forward(self, input: Tensor):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(AvgPool2d):
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


__all__ = ["AvgPool3d", "Conv3d", "ConvTranspose3d", "MaxPool3d"]
