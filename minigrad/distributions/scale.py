"""Exponential, Laplace and LogNormal: reparameterisable continuous distributions."""
from __future__ import annotations

from .. import backend, creation
from ..tensor import Size, Tensor
from .continuous import Normal, _as_tensor, _positive
from .distribution import Distribution, broadcast_all

__all__ = ["Exponential", "Laplace", "LogNormal"]


def _uniform(shape, like: Tensor, low: float = 0.0, high: float = 1.0) -> Tensor:
    return creation.empty(shape, dtype=like.dtype, device=like.device).uniform_(low, high)


class Exponential(Distribution):
    """Exponential(rate): density ``rate * exp(-rate * x)`` on ``x >= 0``.

    ``rsample`` returns ``-log1p(-u) / rate`` with ``u ~ U[0, 1)``, differentiable in ``rate``.
    """

    arg_constraints = {"rate": (_positive, "GreaterThan(lower_bound=0.0)")}
    has_rsample = True

    def __init__(self, rate, validate_args: bool | None = None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, Size(), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return creation.zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape=Size()) -> Tensor:
        u = _uniform(self._extended_shape(sample_shape), self.rate)
        return -(-u).log1p() / self.rate

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self.rate)
        self._check_sample(value, lambda v: v >= 0, "GreaterThanEq(lower_bound=0.0)")
        return self.rate.log() - self.rate * value

    def cdf(self, value) -> Tensor:
        value = _as_tensor(value, self.rate)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value) -> Tensor:
        return -(-_as_tensor(value, self.rate)).log1p() / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - self.rate.log()


class Laplace(Distribution):
    """Laplace(loc, scale): density ``exp(-|x - loc| / scale) / (2 scale)``.

    ``rsample`` returns ``loc - scale * sign(u) * log1p(-|u|)`` with ``u ~ U(eps - 1, 1)``.
    """

    arg_constraints = {"loc": (lambda a: a == a, "Real()"),
                       "scale": (_positive, "GreaterThan(lower_bound=0.0)")}
    has_rsample = True

    def __init__(self, loc, scale, validate_args: bool | None = None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, Size(), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return 2**0.5 * self.scale

    def rsample(self, sample_shape=Size()) -> Tensor:
        eps = float(backend.np.finfo(self.loc.array.dtype).eps)
        u = _uniform(self._extended_shape(sample_shape), self.loc, eps - 1, 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self.loc)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value) -> Tensor:
        d = _as_tensor(value, self.loc) - self.loc
        return 0.5 - 0.5 * d.sign() * (-d.abs() / self.scale).expm1()

    def icdf(self, value) -> Tensor:
        term = _as_tensor(value, self.loc) - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Tensor:
        return 1 + (2 * self.scale).log()


class LogNormal(Distribution):
    """LogNormal(loc, scale): ``exp(X)`` for ``X ~ Normal(loc, scale)`` (``base_dist``).

    ``rsample`` returns ``exp(base_dist.rsample())``.
    """

    arg_constraints = Normal.arg_constraints
    has_rsample = True

    def __init__(self, loc, scale, validate_args: bool | None = None):
        self.base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(self.base_dist.batch_shape, Size(), validate_args=False)
        self._validate_args = self.base_dist._validate_args

    loc = property(lambda self: self.base_dist.loc)
    scale = property(lambda self: self.base_dist.scale)

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self) -> Tensor:
        s2 = self.scale.pow(2)
        return s2.expm1() * (2 * self.loc + s2).exp()

    def rsample(self, sample_shape=Size()) -> Tensor:
        return self.base_dist.rsample(sample_shape).exp()

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self.base_dist._params[0])
        self._check_sample(value, lambda v: v > 0, "GreaterThan(lower_bound=0.0)")
        y = value.log()
        return self.base_dist.log_prob(y) - y

    def cdf(self, value) -> Tensor:
        return self.base_dist.cdf(_as_tensor(value, self.base_dist._params[0]).log())

    def icdf(self, value) -> Tensor:
        return self.base_dist.icdf(value).exp()

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc

    def __repr__(self) -> str:
        return repr(self.base_dist).replace("Normal", "LogNormal", 1)
