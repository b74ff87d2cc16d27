"""Specs for the binary elementwise ops beyond + - * / **: //, %, fmod, atan2."""
import numpy as np

from minigrad import ops

from .specs import OpSpec, away_from

BIN = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((), ())]


def _dividend(rng, shape):
    """k + [0.2, 0.7] for an integer k in [-2, 1]: with ``_divisor`` the quotient stays
    >= 0.19 away from any integer, so floor/trunc are locally constant (no jumps)."""
    return rng.integers(-2, 2, size=shape) + rng.uniform(0.2, 0.7, size=shape)


def _divisor(rng, shape):
    """+-[1.0, 1.05]."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(1.0, 1.05, size=shape)


QUOT = [_dividend, _divisor]

SPECS = [
    OpSpec("floor_divide", lambda a, b: a // b, np.floor_divide, BIN, domain=QUOT, broadcast=True,
           torch_fn=lambda a, b: a.div(b, rounding_mode="floor")),
    OpSpec("floor_divide", lambda b: 2.5 // b, lambda b: np.floor_divide(2.5, b), [((3, 4),), ((),)],
           domain=_divisor, id="rfloordiv"),
    OpSpec("floor_divide", lambda a, b: a // b, np.floor_divide, [((3, 4), (4,))],
           int_inputs={0: (-20, 20), 1: (1, 6)}, id="floor_divide_int"),
    OpSpec("floor_divide", lambda a, b: ops.floor_divide(a, -b), lambda a, b: np.floor_divide(a, -b),
           [((3, 4), (4,))], int_inputs={0: (-20, 20), 1: (1, 6)}, id="floor_divide_int_neg"),
    OpSpec("remainder", lambda a, b: a % b, np.remainder, BIN, domain=QUOT, broadcast=True,
           torch_fn=lambda a, b: a % b),
    OpSpec("remainder", lambda b: 2.5 % b, lambda b: np.remainder(2.5, b), [((3, 4),), ((),)],
           domain=_divisor, id="rmod",
           # torch has no derivative for scalar % tensor; a full tensor stands in for 2.5
           torch_fn=lambda b: b.new_full(b.shape, 2.5) % b),
    OpSpec("remainder", lambda a: a % 1.25, lambda a: np.remainder(a, 1.25), [((3, 4),)],
           domain=away_from([-1.25, 0, 1.25], -2, 2, 0.05), id="remainder_scalar"),
    OpSpec("remainder", lambda a, b: ops.remainder(a, -b), lambda a, b: np.remainder(a, -b),
           [((3, 4), (4,))], int_inputs={0: (-20, 20), 1: (1, 6)}, id="remainder_int_neg"),
    OpSpec("fmod", ops.fmod, np.fmod, BIN, domain=QUOT, broadcast=True, torch_fn=lambda a, b: a.fmod(b)),
    OpSpec("fmod", lambda a, b: ops.fmod(a, -b), lambda a, b: np.fmod(a, -b), [((3, 4), (4,))],
           int_inputs={0: (-20, 20), 1: (1, 6)}, id="fmod_int"),
    OpSpec("atan2", ops.atan2, np.arctan2, BIN, domain=[(-2, 2), away_from([0], -2, 2, 0.2)],
           broadcast=True, torch_fn=lambda a, b: a.atan2(b)),
]

NOT_DIFFERENTIABLE = {
    name: "bitwise op on integer/bool tensors (no gradient); tested in "
          "tests/ops/test_numerics_unary.py"
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not")
}
