"""The long tail of activation functions (``F.hardswish``, ``F.prelu``, ``F.glu``, ...).

Each is a composite of minigrad ops (no backward code); gradients, and second derivatives
where the ops have them, come from the ops. ``inplace=True`` writes the result into the
input, recorded by autograd as PyTorch's in-place variants are.
"""
from __future__ import annotations

from .._autocast import autocast_op
from .. import ops as _ops
from .. import random as _random
from ..ops import inplace as _inplace
from ..ops import shrink as _shrink
from ..tensor import Tensor
from ._functional_layers import _maybe_inplace, elu, hardtanh, leaky_relu, relu, selu, softmax


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return _maybe_inplace(input, inplace, "hardsigmoid_",
                          lambda x: _ops.hardtanh(x / 6.0 + 0.5, 0.0, 1.0))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6 (MobileNetV3)."""
    return _maybe_inplace(input, inplace, "hardswish_",
                          lambda x: x * _ops.hardtanh(x / 6.0 + 0.5, 0.0, 1.0))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return -_ops.softplus(-input, 1.0, 20.0)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x / alpha) - 1)."""
    return _maybe_inplace(input, inplace, "celu_", lambda x: _ops.celu(x, alpha))


hardshrink = _shrink.hardshrink  # also Tensor.hardshrink
prelu = _shrink.prelu  # also Tensor.prelu


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension "
                           f"{dim % input.ndim} is size {size}")
    a, b = _ops.chunk(input, 2, dim)
    return a * _ops.sigmoid(b)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along ``dim``."""
    return softmax(-input, dim, _stacklevel, dtype)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x if x > threshold else value."""
    return _maybe_inplace(input, inplace, "threshold_",
                          lambda x: _ops.where(x > threshold, x, value))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - _ops.tanh(input)


def _check_lambd(lambd, name):
    if lambd < 0:
        raise RuntimeError(f"{name} lambda must be greater or equal to 0, but found to be "
                           f"{lambd}.")


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    _check_lambd(lambd, "softshrink")
    return input - _ops.clamp(input, -lambd, lambd)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomised leaky ReLU: in training each negative element gets a slope drawn from
    U(lower, upper); otherwise the slope is (lower + upper) / 2."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)

    def fn(x):
        u = _random.sample("uniform", x.shape, x.array.dtype, x.device, 0.0, 1.0)
        slope = Tensor._wrap((lower + (upper - lower) * u).astype(x.array.dtype, copy=False))
        return _ops.where(x >= 0, x, x * slope)

    return _maybe_inplace(input, inplace, "rrelu_", fn)


# ---- the in-place spellings --------------------------------------------------------------

def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return globals()["threshold"](input, threshold, value, inplace=True)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


__all__ = [
    "celu", "celu_", "elu_", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh_",
    "leaky_relu_", "logsigmoid", "prelu", "relu6", "relu_", "rrelu", "rrelu_", "selu_",
    "softmin", "softshrink", "softsign", "tanhshrink", "threshold", "threshold_",
]
