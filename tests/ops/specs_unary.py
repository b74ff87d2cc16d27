"""Specs for the unary math ops and activations (exp/log/tanh/sigmoid/relu are in
specs_core)."""
import math

import numpy as np
from scipy import special

from minigrad import ops

from .specs import OpSpec, away_from, positive

U = [((3, 4),), ((),)]
SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def away_from_grid(step, offset=0.0, low=-2.5, high=2.5, gap=0.05):
    """Uniform on [low, high], at least ``gap`` * step away from offset + k * step (the jumps
    of floor/ceil/round)."""

    def draw(rng, shape):
        a = rng.uniform(low, high, size=shape)
        frac = np.mod(a - offset, step) / step  # in [0, 1)
        return np.where(frac < gap, a + gap * step, np.where(frac > 1 - gap, a - gap * step, a))

    return draw


def _elu(x, alpha=1.0, scale=1.0, input_scale=1.0):
    return np.where(x > 0, scale * x, scale * alpha * np.expm1(np.minimum(x, 0) * input_scale))


def _softplus(x, beta=1.0, threshold=20.0):
    z = beta * x
    return np.where(z > threshold, x, np.logaddexp(0, z) / beta)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def _t(name, **kw):
    """A torch.nn.functional activation (imported lazily: torch is optional)."""

    def fn(x):
        import torch.nn.functional as F

        return getattr(F, name)(x, **kw)

    return fn


SPECS = [
    OpSpec("exp2", ops.exp2, np.exp2, U, torch_fn=lambda a: a.exp2()),
    OpSpec("expm1", ops.expm1, np.expm1, U, torch_fn=lambda a: a.expm1()),
    OpSpec("log2", ops.log2, np.log2, U, domain=positive(), torch_fn=lambda a: a.log2()),
    OpSpec("log10", ops.log10, np.log10, U, domain=positive(), torch_fn=lambda a: a.log10()),
    OpSpec("log1p", ops.log1p, np.log1p, U, domain=(-0.7, 2.0), torch_fn=lambda a: a.log1p()),
    OpSpec("sqrt", ops.sqrt, np.sqrt, U, domain=positive(), torch_fn=lambda a: a.sqrt()),
    OpSpec("rsqrt", ops.rsqrt, lambda a: 1 / np.sqrt(a), U, domain=positive(),
           torch_fn=lambda a: a.rsqrt()),
    OpSpec("square", ops.square, np.square, U, torch_fn=lambda a: a.square()),
    OpSpec("reciprocal", ops.reciprocal, np.reciprocal, U, domain=away_from([0], -2, 2, 0.3),
           torch_fn=lambda a: a.reciprocal()),
    OpSpec("sin", ops.sin, np.sin, U, domain=(-4, 4), torch_fn=lambda a: a.sin()),
    OpSpec("cos", ops.cos, np.cos, U, domain=(-4, 4), torch_fn=lambda a: a.cos()),
    OpSpec("tan", ops.tan, np.tan, U, domain=(-1.2, 1.2), torch_fn=lambda a: a.tan()),
    OpSpec("asin", ops.asin, np.arcsin, U, domain=(-0.9, 0.9), torch_fn=lambda a: a.asin()),
    OpSpec("acos", ops.acos, np.arccos, U, domain=(-0.9, 0.9), torch_fn=lambda a: a.acos()),
    OpSpec("atan", ops.atan, np.arctan, U, domain=(-3, 3), torch_fn=lambda a: a.atan()),
    OpSpec("sinh", ops.sinh, np.sinh, U, torch_fn=lambda a: a.sinh()),
    OpSpec("cosh", ops.cosh, np.cosh, U, torch_fn=lambda a: a.cosh()),
    OpSpec("erf", ops.erf, special.erf, [((3, 4),), ((),), ((40,),)], domain=(-4, 4),
           torch_fn=lambda a: a.erf()),
    OpSpec("erfc", ops.erfc, special.erfc, [((3, 4),), ((),), ((40,),)], domain=(-4, 6),
           torch_fn=lambda a: a.erfc()),
    OpSpec("leaky_relu", ops.leaky_relu, lambda a: np.where(a > 0, a, 0.01 * a), U,
           domain=away_from([0]), torch_fn=_t("leaky_relu")),
    OpSpec("leaky_relu", lambda a: ops.leaky_relu(a, 0.2), lambda a: np.where(a > 0, a, 0.2 * a), U,
           domain=away_from([0]), torch_fn=_t("leaky_relu", negative_slope=0.2), id="leaky_relu_0.2"),
    OpSpec("elu", ops.elu, _elu, U, domain=away_from([0]), torch_fn=_t("elu")),
    OpSpec("elu", lambda a: ops.elu(a, alpha=0.5), lambda a: _elu(a, 0.5), U, domain=away_from([0]),
           torch_fn=_t("elu", alpha=0.5), id="elu_alpha"),
    OpSpec("selu", ops.selu, lambda a: _elu(a, SELU_A, SELU_S), U, domain=away_from([0]),
           torch_fn=_t("selu")),
    OpSpec("celu", lambda a: ops.celu(a, alpha=2.0), lambda a: _elu(a, 2.0, 1.0, 0.5), U,
           domain=away_from([0]), torch_fn=_t("celu", alpha=2.0)),
    OpSpec("gelu", ops.gelu, lambda a: 0.5 * a * (1 + special.erf(a / math.sqrt(2))),
           [((3, 4),), ((),), ((40,),)], domain=(-4, 4), torch_fn=_t("gelu")),
    OpSpec("gelu", lambda a: ops.gelu(a, approximate="tanh"), _gelu_tanh, U, domain=(-4, 4),
           torch_fn=_t("gelu", approximate="tanh"), id="gelu_tanh"),
    OpSpec("silu", ops.silu, lambda a: a / (1 + np.exp(-a)), U, domain=(-4, 4), torch_fn=_t("silu")),
    OpSpec("softplus", ops.softplus, _softplus, U, domain=(-4, 4), torch_fn=_t("softplus")),
    OpSpec("softplus", lambda a: ops.softplus(a, beta=2.0, threshold=3.0),
           lambda a: _softplus(a, 2.0, 3.0), U, domain=away_from([1.5], -3, 3),
           torch_fn=_t("softplus", beta=2.0, threshold=3.0), id="softplus_beta_threshold"),
    OpSpec("mish", ops.mish, lambda a: a * np.tanh(np.logaddexp(0, a)), U, domain=(-4, 4),
           torch_fn=_t("mish")),
    OpSpec("hardtanh", ops.hardtanh, lambda a: np.clip(a, -1, 1), U, domain=away_from([-1, 1]),
           torch_fn=_t("hardtanh")),
    OpSpec("hardtanh", lambda a: ops.hardtanh(a, -0.5, 1.5), lambda a: np.clip(a, -0.5, 1.5), U,
           domain=away_from([-0.5, 1.5]), torch_fn=_t("hardtanh", min_val=-0.5, max_val=1.5),
           id="hardtanh_range"),
    OpSpec("abs", ops.abs, np.abs, U, domain=away_from([0]), torch_fn=lambda a: a.abs()),
    OpSpec("sign", ops.sign, np.sign, U, domain=away_from([0]), torch_fn=lambda a: a.sign()),
    OpSpec("floor", ops.floor, np.floor, U, domain=away_from_grid(1.0), torch_fn=lambda a: a.floor()),
    OpSpec("ceil", ops.ceil, np.ceil, U, domain=away_from_grid(1.0), torch_fn=lambda a: a.ceil()),
    OpSpec("trunc", ops.trunc, np.trunc, U, domain=away_from_grid(1.0), torch_fn=lambda a: a.trunc()),
    OpSpec("round", ops.round, np.round, U, domain=away_from_grid(1.0, 0.5),
           torch_fn=lambda a: a.round()),
    OpSpec("round", lambda a: ops.round(a, decimals=1), lambda a: np.round(a, 1), U,
           domain=away_from_grid(0.1, 0.05), torch_fn=lambda a: a.round(decimals=1), id="round_decimals"),
]
