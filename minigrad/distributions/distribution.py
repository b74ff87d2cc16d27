"""``Distribution``: the shared face of ``minigrad.distributions`` (as
``torch.distributions.Distribution``).

A distribution has a ``batch_shape`` (independent, differently parameterised copies) and an
``event_shape`` (the shape of one draw). ``sample(sample_shape)`` returns
``sample_shape + batch_shape + event_shape`` values without gradient; ``rsample`` (where
``has_rsample``) draws by reparameterisation, so gradients flow to the parameters.
"""
from __future__ import annotations

from .. import backend
from ..autograd.grad_mode import no_grad
from ..tensor import Size, Tensor


class Distribution:
    """Base class. Subclasses set ``arg_constraints`` ({name: (test, description)}),
    ``has_rsample`` and implement ``rsample``/``sample``, ``log_prob``, ``entropy``,
    ``mean``, ``variance``."""

    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict = {}
    _validate_args_default = True

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args: bool | None = None):
        self._batch_shape = Size(tuple(batch_shape))
        self._event_shape = Size(tuple(event_shape))
        self._validate_args = (self._validate_args_default if validate_args is None
                               else validate_args)
        if self._validate_args:
            for name, (test, desc) in self.arg_constraints.items():
                value = self.__dict__.get(name)
                if value is None and isinstance(getattr(type(self), name, None), property):
                    value = getattr(self, name)
                if value is None or not isinstance(value, Tensor):
                    continue
                ok = test(value.detach().array)
                if not bool(value.xp.all(ok)):
                    raise ValueError(
                        f"Expected parameter {name} ({type(value).__name__} of shape "
                        f"{tuple(value.shape)}) of distribution {self!r} to satisfy the "
                        f"constraint {desc}, but found invalid values:\n{value}")

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument (and sample) validation on or off for new distributions."""
        Distribution._validate_args_default = bool(value)

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no mean")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no variance")

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def _extended_shape(self, sample_shape=Size()) -> tuple:
        if not isinstance(sample_shape, (tuple, list, Size)):
            sample_shape = (int(sample_shape),)
        return tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape)

    def rsample(self, sample_shape=Size()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not support rsample (it has no "
                                  "reparameterised sampler)")

    def sample(self, sample_shape=Size()) -> Tensor:
        """A draw without gradient, shaped sample_shape + batch_shape + event_shape."""
        with no_grad():
            return self.rsample(sample_shape)

    def sample_n(self, n: int) -> Tensor:
        return self.sample((n,))

    def log_prob(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    def cdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def icdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def _check_sample(self, value: Tensor, test, desc: str) -> None:
        if self._validate_args and not bool(value.xp.all(test(value.detach().array))):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape "
                             f"{tuple(value.shape)}) to be within the support ({desc}) of the "
                             f"distribution {self!r}, but found invalid values:\n{value}")

    def __repr__(self) -> str:
        parts = []
        for name in self.arg_constraints:
            v = self.__dict__.get(name)
            if v is None and isinstance(getattr(type(self), name, None), property):
                v = getattr(self, name)
            if isinstance(v, Tensor):
                parts.append(f"{name}: {v if v.numel() == 1 else Size(v.shape)}")
        return f"{type(self).__name__}({', '.join(parts)})"


def as_tensors(*values) -> tuple:
    """Numbers become tensors of the given tensors' floating dtype and device."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    from .. import creation, dtypes

    out = []
    for v in values:
        if isinstance(v, Tensor):
            out.append(v)
        else:
            out.append(creation.tensor(float(v), dtype=like.dtype if like is not None
                                       and like.is_floating_point()
                                       else dtypes.get_default_dtype(),
                                       device=None if like is None else like.device))
    return tuple(out)


def broadcast_shape(*tensors) -> tuple:
    return backend.np.broadcast_shapes(*(tuple(v.shape) for v in tensors))


def broadcast_all(*values) -> tuple:
    """``as_tensors``, broadcast to one shape."""
    out = as_tensors(*values)
    shape = broadcast_shape(*out)
    return tuple(v.broadcast_to(shape) if tuple(v.shape) != shape else v for v in out)
