"""Normal and Uniform: reparameterisable continuous distributions."""
from __future__ import annotations

import math

from .. import creation
from .. import ops as _ops
from ..tensor import Size, Tensor
from .distribution import Distribution, as_tensors, broadcast_all, broadcast_shape

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _positive(a):
    return a > 0


class Normal(Distribution):
    """N(loc, scale**2), elementwise over the broadcast shape of ``loc`` and ``scale``.

    ``rsample`` returns ``loc + eps * scale`` with ``eps ~ N(0, 1)``, differentiable in both.
    """

    arg_constraints = {"loc": (lambda a: a == a, "Real()"),
                       "scale": (_positive, "GreaterThan(lower_bound=0.0)")}
    has_rsample = True

    def __init__(self, loc, scale, validate_args: bool | None = None):
        self._params = as_tensors(loc, scale)
        super().__init__(broadcast_shape(*self._params), Size(), validate_args)

    # broadcast on each use, so each use has its own graph (as PyTorch's expand, which saves
    # nothing, allows backward through the same parameters again)
    loc = property(lambda self: broadcast_all(*self._params)[0])
    scale = property(lambda self: broadcast_all(*self._params)[1])

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale * self.scale

    def rsample(self, sample_shape=Size()) -> Tensor:
        eps = creation.randn(self._extended_shape(sample_shape), dtype=self.loc.dtype,
                             device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value: Tensor) -> Tensor:
        value = _as_tensor(value, self.loc)
        return -((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log() \
            - _LOG_SQRT_2PI

    def entropy(self) -> Tensor:
        return 0.5 + _LOG_SQRT_2PI + self.scale.log()

    def cdf(self, value: Tensor) -> Tensor:
        value = _as_tensor(value, self.loc)
        return 0.5 * (1 + _ops.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value: Tensor) -> Tensor:
        value = _as_tensor(value, self.loc)
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)


class Uniform(Distribution):
    """U[low, high), elementwise over the broadcast shape of ``low`` and ``high``.

    ``rsample`` returns ``low + u * (high - low)`` with ``u ~ U[0, 1)``.
    """

    arg_constraints = {"low": (lambda a: a == a, "Real()"), "high": (lambda a: a == a, "Real()")}
    has_rsample = True

    def __init__(self, low, high, validate_args: bool | None = None):
        self._params = as_tensors(low, high)
        super().__init__(broadcast_shape(*self._params), Size(), validate_args)
        if self._validate_args and not bool(self.low.xp.all(self.low.array < self.high.array)):
            raise ValueError(f"Expected parameter low ({type(self.low).__name__} of shape "
                             f"{tuple(self.low.shape)}) of distribution {self!r} to satisfy the "
                             f"constraint LessThan(upper_bound=high), but found invalid values:"
                             f"\n{self.low}")

    low = property(lambda self: broadcast_all(*self._params)[0])
    high = property(lambda self: broadcast_all(*self._params)[1])

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return self.low * float("nan")

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape=Size()) -> Tensor:
        u = creation.rand(self._extended_shape(sample_shape), dtype=self.low.dtype,
                          device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Tensor) -> Tensor:
        value = _as_tensor(value, self.low)
        lo, hi = self.low.detach().array, self.high.detach().array
        self._check_sample(value, lambda v: (v >= lo) & (v < hi), "Interval(low, high)")
        inside = (value >= self.low) & (value < self.high)
        return _ops.where(inside, 0.0, float("-inf")) - (self.high - self.low).log()

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()

    def cdf(self, value: Tensor) -> Tensor:
        value = _as_tensor(value, self.low)
        return ((value - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value: Tensor) -> Tensor:
        return value * (self.high - self.low) + self.low


def _as_tensor(value, like: Tensor) -> Tensor:
    if isinstance(value, Tensor):
        return value
    return creation.tensor(value, dtype=like.dtype, device=like.device)
