"""Gamma, Beta and Dirichlet, reparameterised through Gamma draws with implicit gradients
(``_gamma_grad.StandardGamma``): Beta and Dirichlet normalise independent Gamma draws."""
from __future__ import annotations

from .. import backend, creation
from .. import ops as _ops
from ..tensor import Size, Tensor
from ._gamma_grad import StandardGamma
from .continuous import _as_tensor, _positive
from .distribution import Distribution, as_tensors, broadcast_all

__all__ = ["Gamma", "Beta", "Dirichlet"]


def _tiny(t: Tensor) -> float:
    return float(backend.np.finfo(t.array.dtype).tiny)


def _standard_gamma(alpha: Tensor) -> Tensor:
    return StandardGamma.apply(alpha)


class Gamma(Distribution):
    """Gamma(concentration, rate): density ``rate^c x^(c-1) exp(-rate x) / Gamma(c)``.

    ``rsample`` divides a ``Gamma(concentration, 1)`` draw by ``rate``; its gradient in
    ``concentration`` is the implicit one (``dx/dc = -(dCDF/dc) / pdf``).
    """

    arg_constraints = {"concentration": (_positive, "GreaterThan(lower_bound=0.0)"),
                       "rate": (_positive, "GreaterThan(lower_bound=0.0)")}
    has_rsample = True

    def __init__(self, concentration, rate, validate_args: bool | None = None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, Size(), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        return x.clamp(min=_tiny(x))

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self.rate)
        self._check_sample(value, lambda v: v >= 0, "GreaterThanEq(lower_bound=0.0)")
        c, r = self.concentration, self.rate
        return c.xlogy(r) + (c - 1).xlogy(value) - r * value - c.lgamma()

    def cdf(self, value) -> Tensor:
        value = _as_tensor(value, self.rate)
        self._check_sample(value, lambda v: v >= 0, "GreaterThanEq(lower_bound=0.0)")
        return _ops.igamma(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - self.rate.log() + c.lgamma() + (1.0 - c) * c.digamma()


class Dirichlet(Distribution):
    """Dirichlet(concentration) on the probability simplex over the last dim.

    Shape:
        concentration (*batch, K); samples (*sample_shape, *batch, K).
    """

    arg_constraints = {"concentration": (lambda a: (a > 0).all(-1), (
        "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)"))}
    has_rsample = True

    def __init__(self, concentration, validate_args: bool | None = None):
        (concentration,) = as_tensors(concentration)
        if concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        cm1 = (self.concentration - 1).clamp(min=0.0)
        total = cm1.sum(-1, keepdim=True)
        # 0/0 (no concentration above 1) is nan, as in PyTorch, without NumPy's warning
        mode = _ops.where(total == 0, float("nan"), cm1 / _ops.where(total == 0, 1.0, total))
        # all concentrations below 1: the density peaks at a vertex
        k = cm1.shape[-1]
        vertex = creation.eye(k, dtype=mode.dtype, device=mode.device)[mode.argmax(-1)]
        return _ops.where((self.concentration < 1).all(-1, keepdim=True), vertex, mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        total = c.sum(-1, keepdim=True)
        return c * (total - c) / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        g = _standard_gamma(self.concentration.expand(shape))
        x = g / g.sum(-1, keepdim=True)
        tiny = _tiny(x)
        return x.clamp(min=tiny, max=1 - float(backend.np.finfo(x.array.dtype).eps))

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self.concentration)
        self._check_sample(value, lambda v: (v >= 0).all(-1) & (abs(v.sum(-1) - 1) < 1e-6),
                           "Simplex()")
        c = self.concentration
        return (c - 1).xlogy(value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.shape[-1]
        a0 = c.sum(-1)
        return (c.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((c - 1.0) * c.digamma()).sum(-1))


class Beta(Distribution):
    """Beta(concentration1, concentration0) on [0, 1]: a two-category ``Dirichlet``
    (``rsample`` is ``g1 / (g1 + g0)`` of two Gamma draws)."""

    arg_constraints = {"concentration1": (_positive, "GreaterThan(lower_bound=0.0)"),
                       "concentration0": (_positive, "GreaterThan(lower_bound=0.0)")}
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args: bool | None = None):
        c1, c0 = broadcast_all(concentration1, concentration0)
        self._dirichlet = Dirichlet(_ops.stack([c1, c0], -1), validate_args=validate_args)
        super().__init__(self._dirichlet.batch_shape, Size(), validate_args)

    concentration1 = property(lambda self: self._dirichlet.concentration[..., 0])
    concentration0 = property(lambda self: self._dirichlet.concentration[..., 1])

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=Size()) -> Tensor:
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self._dirichlet.concentration)
        self._check_sample(value, lambda v: (v >= 0) & (v <= 1),
                           "Interval(lower_bound=0.0, upper_bound=1.0)")
        return self._dirichlet.log_prob(_ops.stack([value, 1.0 - value], -1))

    def entropy(self) -> Tensor:
        return self._dirichlet.entropy()
