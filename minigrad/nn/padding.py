"""Padding layers: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and CircularPad in
1d/2d/3d, all over ``F.pad``.

``padding`` is an int (the same on every side) or a tuple (left, right[, top, bottom[,
front, back]]); negative values crop (constant padding). The non-constant modes take
(N, C, *) or unbatched (C, *) input with 1, 2 or 3 padded dims.
"""
from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


def _ntuple(padding, n: int, name: str) -> tuple:
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    padding = tuple(padding)
    if len(padding) != 2 * n:
        raise ValueError(f"{name}: padding must be an int or a tuple of {2 * n} ints, got "
                         f"{padding!r}")
    return padding


class _PadNd(Module):
    _n: int = 1
    _mode: str = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, self._n, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:
        if self._mode != "constant" and input.ndim not in (self._n + 1, self._n + 2):
            raise ValueError(f"expected {self._n + 1}D or {self._n + 2}D input (got "
                             f"{input.ndim}D input)")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float):
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``."""
    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``."""
    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""
    _n = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros."""
    _n = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two dims with zeros."""
    _n = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three dims with zeros."""
    _n = 3


class ReflectionPad1d(_PadNd):
    """Mirror the last dim at its ends (the edge is not repeated)."""
    _n, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Mirror the last two dims at their ends."""
    _n, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Mirror the last three dims at their ends."""
    _n, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Repeat the edge values of the last dim."""
    _n, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two dims."""
    _n, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of the last three dims."""
    _n, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Wrap the last dim around."""
    _n, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Wrap the last two dims around."""
    _n, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Wrap the last three dims around."""
    _n, _mode = 3, "circular"


__all__ = [f"{kind}Pad{n}d" for kind in ("Zero", "Constant", "Reflection", "Replication",
                                         "Circular") for n in (1, 2, 3)]
