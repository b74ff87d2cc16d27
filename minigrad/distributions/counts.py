"""Poisson and Binomial: counts (sampled without gradient)."""
from __future__ import annotations

from .. import backend, creation
from ..autograd.grad_mode import no_grad
from ..tensor import Size, Tensor
from .continuous import _as_tensor
from .discrete import Bernoulli, _probs_or_logits
from .distribution import Distribution, broadcast_all

__all__ = ["Poisson", "Binomial"]


def _draw(kind: str, like: Tensor, *params) -> Tensor:
    """Counts from NumPy's (or CuPy's) ``kind`` sampler on the global generator, as a
    tensor of ``like``'s dtype and device."""
    xp = like.xp
    if xp is backend.np:
        from ..random import default_generator

        out = getattr(default_generator._rng, kind)(*params)
    else:
        out = getattr(xp.random, kind)(*params)
    return Tensor._from_data(xp.asarray(out, dtype=like.array.dtype))


def _integer(v):
    return v == v.round()


class Poisson(Distribution):
    """Poisson(rate): ``P(k) = rate^k exp(-rate) / k!`` for ``k = 0, 1, ...``."""

    arg_constraints = {"rate": (lambda a: a >= 0, "GreaterThanEq(lower_bound=0.0)")}

    def __init__(self, rate, validate_args: bool | None = None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, Size(), validate_args)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            rate = self.rate.detach().expand(shape).contiguous()
            return _draw("poisson", rate, rate.array)

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self.rate)
        self._check_sample(value, lambda v: (v >= 0) & _integer(v),
                           "IntegerGreaterThan(lower_bound=0)")
        rate, value = broadcast_all(self.rate, value)
        return value.xlogy(rate) - rate - (value + 1).lgamma()


class Binomial(Distribution):
    """Binomial(total_count, probs | logits): successes in ``total_count`` Bernoulli trials."""

    arg_constraints = {"total_count": (lambda a: (a >= 0) & _integer(a),
                                       "IntegerGreaterThan(lower_bound=0)"),
                       "probs": Bernoulli.arg_constraints["probs"],
                       "logits": Bernoulli.arg_constraints["logits"]}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None,
                 validate_args: bool | None = None):
        _probs_or_logits(probs, logits)
        if probs is not None:
            self.total_count, self.probs = broadcast_all(total_count, probs)
            self.total_count = self.total_count.to(self.probs.dtype)
            self._param = self.probs
        else:
            self.total_count, self.logits = broadcast_all(total_count, logits)
            self.total_count = self.total_count.to(self.logits.dtype)
            self._param = self.logits
        super().__init__(self._param.shape, Size(), validate_args)

    __getattr__ = Bernoulli.__getattr__  # the other parameterisation, on first use

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            n = self.total_count.detach().expand(shape).contiguous()
            p = self.probs.detach().expand(shape).contiguous()
            return _draw("binomial", p, n.array.astype("int64"), p.array)

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self._param)
        n = self.total_count.detach().array
        self._check_sample(value, lambda v: (v >= 0) & (v <= n) & _integer(v),
                           "IntegerInterval(lower_bound=0, upper_bound=total_count)")
        n, k, logits = self.total_count, value, self.logits
        # log(1 + exp(logits)) * n, written to stay finite for large |logits|
        relu = (logits.clamp(min=0) + logits - logits.clamp(max=0)) / 2  # PyTorch's gradient at 0
        normalize = n * relu + n * (-logits.abs()).exp().log1p() - (n + 1).lgamma()
        return k * logits - (k + 1).lgamma() - (n - k + 1).lgamma() - normalize

    def entropy(self) -> Tensor:
        n = self.total_count.detach().array
        if n.size and not bool((n == n.max()).all()):
            raise NotImplementedError("Inhomogeneous total count not supported by "
                                      "`entropy`.")
        support = self.enumerate_support(expand=False)
        lp = self.log_prob(support)
        return -(lp.exp() * lp).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = self.total_count.detach().array
        total = int(n.max()) if n.size else 0
        if n.size and not bool((n == total).all()):
            raise NotImplementedError("Inhomogeneous total count not supported by "
                                      "`enumerate_support`.")
        values = creation.arange(1 + total, dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self.batch_shape))
        return values.expand((-1,) + tuple(self.batch_shape)) if expand else values
