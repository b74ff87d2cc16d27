"""Elementwise math PyTorch has beyond NumPy's basics.

Differentiable (gradients as PyTorch defines them, also at the special points): xlogy,
xlog1py, hypot, logit, sinc, fmax, fmin, float_power, ldexp, frexp (mantissa), nan_to_num,
deg2rad, rad2deg. Without a gradient: heaviside, nextafter, gcd, lcm, signbit, isneginf,
isposinf. Every backward is built from minigrad ops (twice differentiable).
"""
from __future__ import annotations

import math
from collections import namedtuple

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import _TYPE_NAMES, Tensor
from ._util import float_of, promote
from .compare import where
from .elementwise import _arr, _quiet, pow, to
from .unary import cos, exp2, log, log1p, sin

frexp_result = namedtuple("frexp", ["mantissa", "exponent"])
_DEG = math.pi / 180


def _mask(a):
    return Tensor._wrap(a)


def _float_pair(input, other):
    a, b = promote(input, other)
    return float_of(a), float_of(b)


class Xlogy(Function):
    """y = x0 * log(x1), 0 where x0 == 0 (unless x1 is nan); with ``plus1``, x0 * log1p(x1).
    gx0 = gy * log(x1) (0 where x0 == 0 and x1 <= 0, or <= -1), gx1 = gy * x0 / x1 (x1 + 1)."""

    def forward(self, x0, x1, plus1=False):
        self.plus1 = plus1
        self.save_for_backward(x0, x1)
        xp = self.xp
        with _quiet(xp):
            y = x0 * (xp.log1p(x1) if plus1 else xp.log(x1))
        return xp.where((x0 == 0) & ~xp.isnan(x1), xp.zeros_like(y), y)

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        n0, n1 = self.needs_input_grad
        edge = -1 if self.plus1 else 0
        gx0 = gx1 = None
        if n0:
            off = _mask((x0.array == 0) & (x1.array <= edge))
            safe = where(off, 1.0, x1)
            gx0 = where(off, 0.0, gy * (log1p(safe) if self.plus1 else log(safe)))
        if n1:
            with _quiet(x0.xp):  # 0/0 where both are 0: nan, as PyTorch
                gx1 = gy * x0 / (x1 + 1 if self.plus1 else x1)
        return gx0, gx1


def xlogy(input, other):
    """``input * log(other)``, 0 where ``input`` is 0 (unless ``other`` is nan)."""
    a, b = _float_pair(input, other)
    return Xlogy.apply(a, b)


def xlog1py(input, other):
    """``input * log1p(other)``, 0 where ``input`` is 0 (unless ``other`` is nan)."""
    a, b = _float_pair(input, other)
    return Xlogy.apply(a, b, plus1=True)


class Hypot(Function):
    """y = sqrt(x0^2 + x1^2) without overflow; gx0 = gy * x0 / y, gx1 = gy * x1 / y"""

    def forward(self, x0, x1):
        y = self.xp.hypot(x0, x1)
        self.save_for_backward(x0, x1, y)
        return y

    def backward(self, gy):
        x0, x1, y = self.saved_tensors
        n0, n1 = self.needs_input_grad
        return (gy * x0 / y if n0 else None), (gy * x1 / y if n1 else None)


def hypot(input, other):
    """``sqrt(input^2 + other^2)`` (floating inputs)."""
    a, b = promote(input, other)
    _float_only("hypot", a)
    return Hypot.apply(a, b)


class Logit(Function):
    """y = log(z / (1 - z)), z = x clamped to [eps, 1 - eps] when eps is given;
    gx = gy / (x (1 - x)) inside [eps, 1 - eps], 0 outside (nan outside [0, 1] without eps)"""

    def forward(self, x, eps):
        self.eps = eps
        xp = self.xp
        z = x if eps is None else xp.clip(x, eps, 1 - eps)
        self.save_for_backward(x)
        with _quiet(xp):
            return xp.log(z / (1 - z))

    def backward(self, gy):
        (x,) = self.saved_tensors
        lo, hi = (0.0, 1.0) if self.eps is None else (self.eps, 1 - self.eps)
        out = _mask((x.array < lo) | (x.array > hi))
        with _quiet(x.xp):
            g = gy / (x * (1 - x))
        return where(out, math.nan if self.eps is None else 0.0, g)


def logit(input, eps=None):
    """``log(p / (1 - p))``, ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    return Logit.apply(float_of(input), eps=None if eps is None else float(eps))


class Sinc(Function):
    """y = sin(pi x) / (pi x), 1 at 0; gx = gy * (cos(pi x) pi x - sin(pi x)) / (pi x^2),
    0 at 0"""

    def forward(self, x):
        self.save_for_backward(x)
        xp = self.xp
        px = x * math.pi
        with _quiet(xp):
            y = xp.sin(px) / px
        return xp.where(x == 0, xp.ones_like(y), y)

    def backward(self, gy):
        (x,) = self.saved_tensors
        zero = _mask(x.array == 0)
        xs = where(zero, 1.0, x)
        px = xs * math.pi
        return gy * where(zero, 0.0, (cos(px) * px - sin(px)) / (px * xs))


def sinc(input):
    """The normalized sinc, ``sin(pi x) / (pi x)`` (1 at 0)."""
    return Sinc.apply(float_of(input))


class FMax(Function):
    """y = fmax(x0, x1) (nan only when both are); the gradient goes to x0 where
    x0 >= x1 or x1 is nan, else to x1 (fmin: x0 <= x1), as PyTorch"""

    def forward(self, x0, x1, lower=False):
        xp = self.xp
        take0 = (x0 <= x1) if lower else (x0 >= x1)
        take0 = take0 | xp.isnan(x1)
        self.take0 = take0
        return (xp.fmin if lower else xp.fmax)(x0, x1)

    def backward(self, gy):
        t0 = _mask(self.take0)
        n0, n1 = self.needs_input_grad
        return (where(t0, gy, 0.0) if n0 else None), (where(t0, 0.0, gy) if n1 else None)


def fmax(input, other):
    """The elementwise maximum, ignoring nan (nan only where both are)."""
    a, b = promote(input, other)
    return FMax.apply(a, b)


def fmin(input, other):
    """The elementwise minimum, ignoring nan (nan only where both are)."""
    a, b = promote(input, other)
    return FMax.apply(a, b, lower=True)


def float_power(input, exponent):
    """``input ** exponent`` computed in float64 (the result is float64)."""
    f64 = _dt.float64
    base = to(input, dtype=f64) if isinstance(input, Tensor) else input
    if isinstance(exponent, Tensor):
        exponent = to(exponent, dtype=f64)
    elif not isinstance(base, Tensor):
        raise TypeError("float_power(): expected at least one Tensor argument")
    else:
        exponent = float(exponent)
    if not isinstance(base, Tensor):
        base = Tensor._wrap(exponent.xp.asarray(float(base), dtype=exponent.array.dtype))
    return pow(base, exponent)


def float_power_(input, exponent):
    """In-place :func:`float_power` (``input`` must be float64)."""
    from .inplace import apply_

    if input.dtype != _dt.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{_TYPE_NAMES[input.dtype.name]} but the operation's result "
                           f"requires dtype Double")
    others = (exponent,) if isinstance(exponent, Tensor) else ()
    return apply_(input, "float_power_", lambda s: float_power(s, exponent), *others)


def ldexp(input, other):
    """``input * 2 ** other`` (a floating result)."""
    b = other if isinstance(other, Tensor) else Tensor(other)
    e = exp2(float_of(b))
    return float_of(input) * e if isinstance(input, Tensor) else e * input


def frexp(input):
    """(mantissa, exponent) with ``input = mantissa * 2 ** exponent``, ``0.5 <= |mantissa|
    < 1`` (0, inf and nan keep exponent 0); exponent is int32. The mantissa's gradient is
    ``gy / 2 ** exponent``."""
    if not input.is_floating_point():
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    xp = input.xp
    _, e = xp.frexp(input.array)
    e = e.astype(xp.int32)
    scale = _arr(xp, xp.ldexp(xp.ones_like(input.array), -e))  # exact powers of two
    return frexp_result(input * scale, _arr(xp, e))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """``input`` with nan, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf``
    (defaults: 0 and the dtype's largest and lowest finite values)."""
    if not input.is_floating_point():
        return input.clone()
    xp, a = input.xp, input.array
    fi = xp.finfo(a.dtype)
    posinf = float(fi.max) if posinf is None else posinf
    neginf = float(fi.min) if neginf is None else neginf
    out = where(_mask(xp.isnan(a)), float(nan), input)
    out = where(_mask(xp.isposinf(a)), float(posinf), out)
    return where(_mask(xp.isneginf(a)), float(neginf), out)


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (subtraction with the operands reversed)."""
    from .elementwise import sub

    return sub(other, input, alpha=alpha)


def deg2rad(input):
    """Degrees to radians."""
    return float_of(input) * _DEG


def rad2deg(input):
    """Radians to degrees."""
    return float_of(input) * (180 / math.pi)


# ---- no gradient -----------------------------------------------------------------------


def _float_only(name, t):
    if not _dt.is_floating_np(t.array.dtype):
        raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                  f"'{_TYPE_NAMES[t.dtype.name]}'")


def _int_only(name, t):
    if t.array.dtype.kind not in "iu":
        raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                  f"'{_TYPE_NAMES[t.dtype.name]}'")


def heaviside(input, values):
    """0 where input < 0, 1 where input > 0, ``values`` where input == 0 (no gradient)."""
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    xp, x, v = input.xp, input.array, values.array
    y = xp.where(x == 0, v, (x > 0).astype(x.dtype))
    return _arr(xp, xp.asarray(y, dtype=x.dtype))


def nextafter(input, other):
    """The next floating-point value after ``input`` towards ``other`` (no gradient)."""
    a, b = promote(input, other)
    _float_only("nextafter", a)
    return _arr(a.xp, a.xp.nextafter(a.array, b.array))


def gcd(input, other):
    """The greatest common divisor (integer tensors; gcd(0, 0) = 0)."""
    a, b = promote(input, other)
    _int_only("gcd", a)
    return _arr(a.xp, a.xp.gcd(a.array, b.array))


def lcm(input, other):
    """The least common multiple (integer tensors)."""
    a, b = promote(input, other)
    _int_only("lcm", a)
    return _arr(a.xp, a.xp.lcm(a.array, b.array))


def signbit(input):
    """Whether the sign bit is set (True for -0.0 and negative values)."""
    return _arr(input.xp, input.xp.signbit(input.array))


def isneginf(input):
    """Whether each element is -inf."""
    xp = input.xp
    a = input.array
    return _arr(xp, xp.isneginf(a) if a.dtype.kind == "f" else xp.zeros(a.shape, bool))


def isposinf(input):
    """Whether each element is +inf."""
    xp = input.xp
    a = input.array
    return _arr(xp, xp.isposinf(a) if a.dtype.kind == "f" else xp.zeros(a.shape, bool))


__all__ = ["deg2rad", "float_power", "fmax", "fmin", "frexp", "gcd", "heaviside", "hypot",
           "isneginf", "isposinf", "lcm", "ldexp", "logit", "nan_to_num", "nextafter",
           "rad2deg", "rsub", "signbit", "sinc", "xlogy"]
SPECIAL = ["xlog1py"]
METHODS = ["deg2rad", "float_power", "float_power_", "fmax", "fmin", "frexp", "gcd", "heaviside", "hypot",
           "isneginf", "isposinf", "lcm", "ldexp", "logit", "nan_to_num", "nextafter",
           "rad2deg", "signbit", "sinc", "xlogy"]
INPLACE_METHODS = ["deg2rad", "gcd", "heaviside", "hypot", "lcm", "ldexp", "logit",
                   "nan_to_num", "nextafter", "rad2deg", "sinc", "xlogy"]
