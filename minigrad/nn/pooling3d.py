"""The 3-D pooling tail: AdaptiveAvgPool3d, AdaptiveMaxPool3d, LPPool3d, MaxUnpool3d (thin
modules over ``nn.functional``, arguments and defaults as PyTorch's)."""
from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .max_unpool import _AdaptiveMaxPoolNd, _MaxUnpoolNd
from .pooling import AdaptiveAvgPool2d
from .vision import _LPPoolNd


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size`` (an int or a
    triple; None entries keep the input size)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Adaptive max pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size``."""

    def forward(self, input: Tensor):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class LPPool3d(_LPPoolNd):
    """Power-average pooling over the last three dims."""

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool3d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class MaxUnpool3d(_MaxUnpoolNd):
    """Inverse of MaxPool3d: ``forward(input, indices, output_size=None)``."""

    _nd = 3

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)


__all__ = ["AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "LPPool3d", "MaxUnpool3d"]
