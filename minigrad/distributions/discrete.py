"""Bernoulli and Categorical: discrete distributions given by ``probs`` or ``logits``."""
from __future__ import annotations

from .. import backend, creation
from .. import dtypes as _dt
from .. import ops as _ops
from ..autograd.grad_mode import no_grad
from ..tensor import Size, Tensor
from .continuous import _as_tensor
from .distribution import Distribution, broadcast_all


def _probs_or_logits(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _unit(a):
    return (a >= 0) & (a <= 1)


class Bernoulli(Distribution):
    """1 with probability ``probs`` (or ``sigmoid(logits)``), else 0, elementwise."""

    arg_constraints = {"probs": (_unit, "Interval(lower_bound=0.0, upper_bound=1.0)"),
                       "logits": (lambda a: a == a, "Real()")}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None):
        _probs_or_logits(probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            self._param = self.probs
        else:
            (self.logits,) = broadcast_all(logits)
            self._param = self.logits
        super().__init__(self._param.shape, Size(), validate_args)

    def __getattr__(self, name):
        # the other parameterisation, computed on first use (as PyTorch's lazy_property)
        if name == "probs":
            self.probs = _ops.sigmoid(self.__dict__["logits"])
            return self.probs
        if name == "logits":
            p = self.__dict__["probs"]
            eps = float(backend.np.finfo(p.array.dtype).eps)
            p = p.clamp(eps, 1 - eps)
            self.logits = p.log() - (-p).log1p()
            return self.logits
        raise AttributeError(name)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        m = (self.probs >= 0.5).to(self.probs.dtype)
        return _ops.where(self.probs == 0.5, float("nan"), m)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            p = self.probs.detach().broadcast_to(shape)
            return creation.bernoulli(p)

    def log_prob(self, value: Tensor) -> Tensor:
        value = _as_tensor(value, self._param)
        self._check_sample(value, lambda v: (v == 0) | (v == 1), "Boolean()")
        logits, value = broadcast_all(self.logits, value)
        return -_ops.binary_cross_entropy_with_logits(logits, value.to(logits.dtype),
                                                      reduction="none")

    def entropy(self) -> Tensor:
        return _ops.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = creation.tensor([0.0, 1.0], dtype=self._param.dtype, device=self._param.device)
        values = values.reshape((2,) + (1,) * len(self.batch_shape))
        return values.expand((2,) + tuple(self.batch_shape)) if expand else values


class Categorical(Distribution):
    """One of K categories with probabilities ``probs`` (normalised over the last dim) or
    ``softmax(logits)``; ``batch_shape`` is the parameter's shape without its last dim.

    Shape:
        probs/logits (*batch, K); samples (*sample_shape, *batch) int64.
    """

    arg_constraints = {"probs": (lambda a: (a >= 0).all(-1) & (a.sum(-1) > 0), "Simplex()"),
                       "logits": (lambda a: a == a, "IndependentConstraint(Real(), 1)")}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None):
        _probs_or_logits(probs, logits)
        param = probs if probs is not None else logits
        if not isinstance(param, Tensor):
            param = creation.tensor(param)
        if param.ndim < 1:
            raise ValueError("`probs` parameter must be at least one-dimensional."
                             if probs is not None else
                             "`logits` parameter must be at least one-dimensional.")
        if probs is not None:
            self.probs = param / param.sum(-1, keepdim=True)
        else:
            self.logits = param - param.logsumexp(-1, keepdim=True)
        self._param = param
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], Size(), validate_args)

    def __getattr__(self, name):
        if name == "probs":
            self.probs = _ops.softmax(self.__dict__["logits"], -1)
            return self.probs
        if name == "logits":
            p = self.__dict__["probs"]
            eps = float(backend.np.finfo(p.array.dtype).eps)
            self.logits = p.clamp(eps, 1 - eps).log()
            return self.logits
        raise AttributeError(name)

    @property
    def param_shape(self) -> Size:
        return Size(self._param.shape)

    @property
    def mean(self) -> Tensor:
        return creation.full(tuple(self.batch_shape), float("nan"), dtype=self._param.dtype,
                             device=self._param.device)

    variance = mean

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            cdf = self.probs.detach().cumsum(-1)
            cdf = cdf / cdf[..., -1:]
            u = creation.rand(shape + (1,), dtype=cdf.dtype, device=cdf.device)
            idx = (cdf.broadcast_to(shape + (self._num_events,)) <= u).sum(-1)
            return idx.clamp(max=self._num_events - 1).to(_dt.int64)

    def log_prob(self, value: Tensor) -> Tensor:
        value = _as_tensor(value, self._param).long()
        k = self._num_events
        self._check_sample(value, lambda v: (v >= 0) & (v < k), f"IntegerInterval(0, {k - 1})")
        shape = backend.np.broadcast_shapes(tuple(value.shape), tuple(self.batch_shape))
        logits = self.logits.broadcast_to(shape + (k,))
        return logits.gather(-1, value.broadcast_to(shape).unsqueeze(-1)).squeeze(-1)

    def entropy(self) -> Tensor:
        # 0 * log 0 = 0: clamp -inf logits to the dtype's lowest finite value
        low = float(backend.np.finfo(self.logits.array.dtype).min)
        return -(self.logits.clamp(min=low) * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = creation.arange(self._num_events, device=self._param.device)
        values = values.reshape((-1,) + (1,) * len(self.batch_shape))
        return values.expand((-1,) + tuple(self.batch_shape)) if expand else values


class Geometric(Distribution):
    """The number of failures before the first success of Bernoulli(``probs``) trials (or
    ``sigmoid(logits)``): ``P(k) = (1 - p)**k * p`` for ``k = 0, 1, ...``."""

    arg_constraints = Bernoulli.arg_constraints

    def __init__(self, probs=None, logits=None, validate_args: bool | None = None):
        _probs_or_logits(probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
            self._param = self.probs
        else:
            (self.logits,) = broadcast_all(logits)
            self._param = self.logits
        super().__init__(self._param.shape, Size(), validate_args)
        if self._validate_args and probs is not None \
                and not bool(self.probs.xp.all(self.probs.array > 0)):
            raise ValueError(f"Expected parameter probs ({type(self.probs).__name__} of shape "
                             f"{tuple(self.probs.shape)}) of distribution {self!r} to be "
                             f"positive but found invalid values:\n{self.probs}")

    __getattr__ = Bernoulli.__getattr__  # the other parameterisation, on first use

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return creation.zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            p = self.probs.detach()
            tiny = float(backend.np.finfo(p.array.dtype).tiny)
            u = creation.empty(shape, dtype=p.dtype, device=p.device).uniform_(tiny, 1)
            return (u.log() / (-p).log1p()).floor()

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self._param)
        self._check_sample(value, lambda v: (v >= 0) & (v == v.round()),
                           "IntegerGreaterThan(lower_bound=0)")
        value, probs = broadcast_all(value, self.probs)
        # 0 * log(0) = 0 where p == 1 and k == 0
        probs = _ops.where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        return _ops.binary_cross_entropy_with_logits(self.logits, self.probs,
                                                     reduction="none") / self.probs
