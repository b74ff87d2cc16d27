"""Layers PyTorch keeps for old programs: ``Container`` (deprecated: use Module),
``NLLLoss2d`` (deprecated: NLLLoss takes (N, C, H, W) itself) and ``CrossMapLRN2d`` (Lua
Torch's cross-channel response normalization, with its exact window)."""
from __future__ import annotations

import warnings

import numpy as np

from ..tensor import Tensor
from .loss import NLLLoss
from .module import Module


class Container(Module):
    """Deprecated: a Module whose keyword arguments become its child modules."""

    def __init__(self, **kwargs) -> None:
        warnings.warn("`nn.Container` is deprecated. All of its functionality is now "
                      "implemented in `nn.Module`. Subclass that instead.", FutureWarning,
                      stacklevel=2)
        super().__init__()
        for key, value in kwargs.items():
            self.add_module(key, value)


class NLLLoss2d(NLLLoss):
    """Deprecated alias of :class:`NLLLoss` (which accepts (N, C, H, W) inputs)."""

    def __init__(self, weight: Tensor | None = None, size_average=None, ignore_index: int = -100,
                 reduce=None, reduction: str = "mean") -> None:
        warnings.warn("`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a "
                      "drop-in replacement.", FutureWarning, stacklevel=2)
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


def _cross_map_window(c: int, size: int) -> np.ndarray:
    """(C, C) 0/1 matrix: row c lists the channels whose squares Lua Torch's running-sum
    recurrence adds into channel c's scale (channel 0 is never subtracted again, as there)."""
    pre = int((size - 1) / 2 + 1)
    m = np.zeros((c, c))
    m[0, :min(pre, c)] = 1
    for i in range(1, c):
        m[i] = m[i - 1]
        if i < c - pre + 1:
            m[i, i + pre - 1] += 1
        if i > pre:
            m[i, i - pre] -= 1
    return m


class CrossMapLRN2d(Module):
    """y = x * (k + alpha / size * sum of x ** 2 over neighbouring channels) ** -beta, over
    (N, C, H, W) input, with Lua Torch's channel window (as ``torch.nn.CrossMapLRN2d``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D "
                             "instead.")
        xp = input.xp
        m = xp.asarray(_cross_map_window(input.shape[1], self.size).T, dtype=input.array.dtype)
        sq = (input * input).movedim(1, -1)
        scale = (sq @ Tensor._wrap(m)).movedim(-1, 1) * (self.alpha / self.size) + self.k
        return input * scale.pow(-self.beta)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


__all__ = ["Container", "CrossMapLRN2d", "NLLLoss2d"]
