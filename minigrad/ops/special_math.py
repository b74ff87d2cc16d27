"""More elementwise math and scans: asinh, acosh, atanh, copysign, logaddexp, logaddexp2,
logcumsumexp, std_mean, var_mean, bitwise_left_shift, bitwise_right_shift.

Each backward is built from minigrad ops, so all are twice differentiable.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from ._util import float_of, promote
from .compare import where
from .elementwise import _arr, _quiet
from .movement import flip
from .unary import _OfX, exp, log, rsqrt, sigmoid, sign

_LN2 = math.log(2.0)


class Asinh(_OfX):
    """y = asinh(x); gx = gy / sqrt(x^2 + 1)"""

    fn, d = "arcsinh", staticmethod(lambda x: rsqrt(x * x + 1))


class Acosh(_OfX):
    """y = acosh(x) (nan below 1); gx = gy / sqrt(x^2 - 1)"""

    fn, quiet, d = "arccosh", True, staticmethod(lambda x: rsqrt(x * x - 1))


class Atanh(_OfX):
    """y = atanh(x) (+-inf at +-1, nan beyond); gx = gy / (1 - x^2)"""

    fn, quiet, d = "arctanh", True, staticmethod(lambda x: 1 / (1 - x * x))


def asinh(input):
    """Inverse hyperbolic sine."""
    return Asinh.apply(float_of(input))


def acosh(input):
    """Inverse hyperbolic cosine (nan for inputs below 1)."""
    return Acosh.apply(float_of(input))


def atanh(input):
    """Inverse hyperbolic tangent (+-inf at +-1, nan outside [-1, 1])."""
    return Atanh.apply(float_of(input))


class Copysign(Function):
    """y = |x0| with the sign (bit) of x1; gx0 = gy * sign(x0) * sign(y) (0 at x0 = 0),
    gx1 = 0 (as PyTorch)."""

    def forward(self, x0, x1):
        y = self.xp.copysign(x0, x1)
        self.save_for_backward(x0)
        self.sy = self.xp.sign(y)
        return y

    def backward(self, gy):
        (x0,) = self.saved_tensors
        n0, n1 = self.needs_input_grad
        gx0 = gy * sign(x0) * Tensor._wrap(self.sy) if n0 else None
        gx1 = gy * 0 if n1 else None
        return gx0, gx1


def copysign(input, other):
    """``|input|`` with the sign of ``other`` (signed zeros count); a float result."""
    a, b = promote(input, other)
    return Copysign.apply(float_of(a), float_of(b))


class LogAddExp(Function):
    """y = log(exp(x0) + exp(x1)) (base 2 with ``base2``); gx0 = gy * sigmoid(x0 - x1),
    gx1 = gy * sigmoid(x1 - x0) (with the differences scaled by ln 2 for base 2)."""

    def forward(self, x0, x1, base2=False):
        self.base2 = base2
        self.save_for_backward(x0, x1)
        return (self.xp.logaddexp2 if base2 else self.xp.logaddexp)(x0, x1)

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        d = (x0 - x1) * _LN2 if self.base2 else x0 - x1
        n0, n1 = self.needs_input_grad
        return (gy * sigmoid(d) if n0 else None), (gy * sigmoid(-d) if n1 else None)


def _float_only(name, *ts):
    for t in ts:
        if t.array.dtype.kind != "f":
            raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                      f"'{_type_name(t)}'")


def _type_name(t):
    from ..tensor import _TYPE_NAMES

    return _TYPE_NAMES[t.dtype.name]


def logaddexp(input, other):
    """``log(exp(input) + exp(other))`` without overflow (floating inputs)."""
    a, b = promote(input, other)
    _float_only("logaddexp", a)
    return LogAddExp.apply(a, b)


def logaddexp2(input, other):
    """``log2(2**input + 2**other)`` without overflow (floating inputs)."""
    a, b = promote(input, other)
    _float_only("logaddexp2", a)
    return LogAddExp.apply(a, b, base2=True)


class LogCumSumExp(Function):
    """y_k = log(sum_{j<=k} exp(x_j)) along axis; gx_i = sum_{k>=i} gy_k exp(x_i - y_k),
    computed in log space for the positive and negative parts of gy (no overflow)."""

    def forward(self, x, axis):
        self.axis = axis
        from .sorting import _running  # CuPy has no logaddexp.accumulate

        with _quiet(self.xp):
            y = _running(self.xp, self.xp.logaddexp, x, axis)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        axis = self.axis
        ninf = Tensor._wrap(x.xp.asarray(-np.inf, dtype=x.array.dtype))

        def part(g):  # sum_{k>=i} max(g_k, 0) exp(x_i - y_k)
            pos = Tensor._wrap(g.array > 0)
            # masked after the subtraction: where y_k = -inf (x_j = -inf for all j <= k,
            # as in a double backward), log(0) - y_k would be nan and leak into gx
            lg = where(pos, log(where(pos, g, 1.0)) - y, ninf)
            rev = flip(LogCumSumExp.apply(flip(lg, axis), axis=axis), axis)
            return exp(x + rev)

        with _quiet(x.xp):
            return part(gy) - part(-gy)


def logcumsumexp(input, dim):
    """``log(cumsum(exp(input), dim))`` computed stably (floating inputs)."""
    _float_only("logcumsumexp_out", input)
    d = _wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return input.clone()
    return LogCumSumExp.apply(input, axis=d)


def _stat_args(dim, unbiased):
    # std_mean(x, True): the bool is ``unbiased`` (PyTorch's overload)
    if isinstance(dim, bool):
        return None, dim
    return dim, unbiased


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=1):
    """``(var, mean)`` over ``dim`` (arguments as :func:`minigrad.var`)."""
    from .reduce import mean, var

    dim, unbiased = _stat_args(dim, unbiased)
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=1):
    """``(std, mean)`` over ``dim`` (arguments as :func:`minigrad.std`)."""
    from .reduce import mean, std

    dim, unbiased = _stat_args(dim, unbiased)
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(input, dim, keepdim))


def _shift(name, left):
    def op(input, other):
        a, b = promote(input, other)
        if a.array.dtype.kind == "b":
            from .elementwise import to
            from .. import dtypes as _dt

            a, b = to(a, dtype=_dt.int64), to(b, dtype=_dt.int64)
        if a.array.dtype.kind not in "iu":
            raise NotImplementedError(f'"{"lshift" if left else "rshift"}_cpu" not implemented '
                                      f"for '{_type_name(a)}'")
        xp, x, s = a.xp, a.array, b.array
        bits = x.dtype.itemsize * 8
        big = s >= bits  # NumPy (like C) leaves such shifts undefined; PyTorch defines them
        sc = xp.where(big, 0, s).astype(x.dtype)
        if left:
            y = xp.where(big, 0, xp.left_shift(x, sc))
        elif x.dtype.kind == "u":
            y = xp.where(big, 0, xp.right_shift(x, sc))
        else:  # arithmetic shift: by bits - 1 or more leaves only the sign
            y = xp.right_shift(x, xp.where(big, bits - 1, s).astype(x.dtype))
        return _arr(xp, xp.asarray(y, dtype=x.dtype))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"``input {'<<' if left else '>>'} other`` on integer tensors (shifts of the "
                  "bit width or more give 0, or the sign for a signed right shift; no gradient).")
    return op


bitwise_left_shift = _shift("bitwise_left_shift", True)
bitwise_right_shift = _shift("bitwise_right_shift", False)


__all__ = ["acosh", "asinh", "atanh", "bitwise_left_shift", "bitwise_right_shift", "copysign",
           "logaddexp", "logaddexp2", "logcumsumexp", "std_mean", "var_mean"]
METHODS = ["acosh", "asinh", "atanh", "bitwise_left_shift", "bitwise_right_shift", "copysign",
           "logaddexp", "logaddexp2", "logcumsumexp"]
INPLACE_METHODS = ["acosh", "asinh", "atanh", "bitwise_left_shift", "bitwise_right_shift",
                   "copysign"]
