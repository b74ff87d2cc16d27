"""Gamma-family and error-function special functions with PyTorch's gradients:
lgamma, digamma, polygamma, mvlgamma, erfinv, and (for ``minigrad.special``) zeta, erfcx,
ndtr, ndtri, log_ndtr, entr.

The values come from ``_gamma.py`` (pure NumPy/CuPy). float16/float32 inputs are computed
in float64 and rounded once. Every backward is built from minigrad ops, so each is
differentiable again: lgamma' = digamma, digamma' = polygamma(1), polygamma(n)' =
polygamma(n + 1), erfinv'(x) = sqrt(pi)/2 exp(erfinv(x)^2).
"""
from __future__ import annotations

import math
from types import SimpleNamespace

from ..autograd.function import Function
from ..tensor import Tensor
from . import _bessel, _gamma, _igamma
from ._special import erfc as _erfc
from ._util import float_of, promote
from .compare import where
from .elementwise import _quiet
from .unary import exp, log, sign

_SQRT_PI_2 = math.sqrt(math.pi) / 2
_TWO_SQRTPI = 2 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)


def _f64(xp, fn, *arrays):
    """fn on the arrays in float64, the result in the first array's dtype."""
    dt = arrays[0].dtype
    if dt.itemsize >= 8:
        return fn(xp, *arrays)
    return fn(xp, *(a.astype(xp.float64) for a in arrays)).astype(dt)


class Lgamma(Function):
    """y = log|Gamma(x)|; gx = gy * digamma(x)"""

    def forward(self, x):
        self.save_for_backward(x)
        return _f64(self.xp, _gamma.lgamma, x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * Digamma.apply(x)


class Digamma(Function):
    """y = digamma(x); gx = gy * polygamma(1, x)"""

    def forward(self, x):
        self.save_for_backward(x)
        return _f64(self.xp, _gamma.digamma, x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * Polygamma.apply(x, n=1)


class Polygamma(Function):
    """y = polygamma(n, x) (n >= 1); gx = gy * polygamma(n + 1, x)"""

    def forward(self, x, n):
        self.n = n
        self.save_for_backward(x)
        return _f64(self.xp, lambda xp, a: _gamma.polygamma(xp, n, a), x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * Polygamma.apply(x, n=self.n + 1)


class Erfinv(Function):
    """y = erfinv(x); gx = gy * sqrt(pi)/2 * exp(y^2)"""

    def forward(self, x):
        y = _f64(self.xp, _gamma.erfinv, x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        return gy * _SQRT_PI_2 * exp(y * y)


class Erfcx(Function):
    """y = exp(x^2) erfc(x); gx = gy * (2 x y - 2/sqrt(pi))"""

    def forward(self, x):
        y = _f64(self.xp, _gamma.erfcx, x)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        return gy * (2 * x * y - _TWO_SQRTPI)


class Zeta(Function):
    """y = zeta(x, q) (Hurwitz); gq = -gy * x * zeta(x + 1, q); no gradient for x (as
    PyTorch, which leaves it unimplemented)."""

    def forward(self, x, q):
        self.save_for_backward(x, q)
        return _f64(self.xp, _gamma.zeta, x, q)

    def backward(self, gy):
        x, q = self.saved_tensors
        if self.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'zeta' (with respect to self) is "
                                      "not implemented.")
        return None, -gy * x * Zeta.apply(x + 1, q)


class Ndtr(Function):
    """y = P(N(0,1) <= x) = erfc(-x/sqrt 2)/2; gx = gy * exp(-x^2/2)/sqrt(2 pi)"""

    def forward(self, x):
        self.save_for_backward(x)
        xp = self.xp
        return _f64(xp, lambda xp, a: 0.5 * _erfc(xp, -a * math.sqrt(0.5)), x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * exp(x * x * -0.5) * _INV_SQRT_2PI


class LogNdtr(Function):
    """y = log ndtr(x), stable in both tails (erfcx below 0, log1p above);
    gx = gy * exp(-x^2/2 - y)/sqrt(2 pi)"""

    def forward(self, x):
        def f(xp, a):
            u = -a * math.sqrt(0.5)
            with _gamma._silent(xp):
                # x^2/2 without rounding x^2 (ndtr's tails are that sensitive to it): with
                # ah = a cut to 21 bits, ah^2 is exact and a^2 = ah^2 + (a - ah)(a + ah)
                ah = a.astype(xp.float32).astype(a.dtype)
                ah = xp.where(xp.isfinite(ah), ah, a)
                hi = (ah * ah) * 0.5
                lo = xp.where(xp.isfinite(a), ((a - ah) * (a + ah)) * 0.5, 0.0)
                half_sq = xp.where(xp.isinf(a), xp.inf, hi + lo)
                left = xp.log(_gamma.erfcx(xp, xp.maximum(u, 0.0)) / 2) - half_sq
                tail = 0.5 * _gamma.erfcx(xp, xp.maximum(-u, 0.0)) * xp.exp(-hi) * xp.exp(-lo)
                right = xp.log1p(-tail)
            return xp.where(a < 0, left, right)

        y = _f64(self.xp, f, x)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        return gy * exp(x * x * -0.5 - y) * _INV_SQRT_2PI


class BesselI(Function):
    """y = I_nu(x) (nu = 0, 1), times exp(-|x|) when ``scaled``;
    i0' = i1, i1' = i0 - i1/x (1/2 at 0), i0e' = i1e - sign(x) i0e,
    i1e' = i0e - i1e (sign(x) + 1/x) (1/2 at 0)"""

    def forward(self, x, nu, scaled):
        self.nu, self.scaled = nu, scaled
        y = _f64(self.xp, lambda xp, a: _bessel.bessel_i(xp, a, nu, scaled), x)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        if self.nu == 0:
            d = BesselI.apply(x, nu=1, scaled=self.scaled)
            return gy * (d - sign(x) * y if self.scaled else d)
        i0 = BesselI.apply(x, nu=0, scaled=self.scaled)
        at0 = Tensor._wrap(x.array == 0)
        xs = where(at0, 1.0, x)
        d = i0 - y / xs - (sign(x) * y if self.scaled else 0)
        return gy * where(at0, 0.5, d)


def i0(input):
    """The modified Bessel function of the first kind of order 0."""
    return BesselI.apply(float_of(input), nu=0, scaled=False)


def i0e(input):
    """``exp(-|x|) i0(x)``."""
    return BesselI.apply(float_of(input), nu=0, scaled=True)


def i1(input):
    """The modified Bessel function of the first kind of order 1."""
    return BesselI.apply(float_of(input), nu=1, scaled=False)


def i1e(input):
    """``exp(-|x|) i1(x)``."""
    return BesselI.apply(float_of(input), nu=1, scaled=True)


class Igamma(Function):
    """y = P(a, x) (Q(a, x) when ``upper``), the regularized incomplete gamma functions;
    gx = +-gy x^(a-1) e^-x / Gamma(a); no gradient for a (as PyTorch)"""

    def forward(self, a, x, upper):
        self.upper = upper
        self.save_for_backward(a, x)
        return _f64(self.xp, lambda xp, a_, x_: _igamma.igamma(xp, a_, x_, upper), a, x)

    def backward(self, gy):
        a, x = self.saved_tensors
        if self.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{'igammac' if self.upper else 'igamma'}"
                                      f": input' is not implemented.")
        d = exp((a - 1) * log(x) - x - Lgamma.apply(a))
        return None, (-gy * d if self.upper else gy * d)


def igamma(input, other):
    """The regularized lower incomplete gamma function P(input, other)."""
    a, b = _float_pair(input, other)
    return Igamma.apply(a, b, upper=False)


def igammac(input, other):
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P."""
    a, b = _float_pair(input, other)
    return Igamma.apply(a, b, upper=True)


def _float_pair(input, other):
    a, b = promote(input, other)
    a, b = float_of(a), float_of(b)
    if a.array.dtype != b.array.dtype:
        a, b = promote(a, b)
    return a, b


def lgamma(input):
    """log|Gamma(input)| (inf at 0, the negative integers and +-inf)."""
    return Lgamma.apply(float_of(input))


def digamma(input):
    """The logarithmic derivative of Gamma (psi): -inf at +0, nan at negative integers."""
    return Digamma.apply(float_of(input))


def polygamma(n, input):
    """The n-th derivative of digamma (``n = 0``: digamma itself)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n." if isinstance(
            n, int) and n < 0 else f"polygamma(): argument 'n' must be int, not "
            f"{type(n).__name__}")
    x = float_of(input)
    return Digamma.apply(x) if n == 0 else Polygamma.apply(x, n=n)


def mvlgamma(input, p):
    """The log of the multivariate gamma function of dimension ``p``:
    sum_i lgamma(input - i/2) + p (p - 1)/4 log(pi); every element must exceed (p-1)/2."""
    if not isinstance(p, int) or p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = float_of(input)
    if bool((x.array <= (p - 1) / 2).any()):
        raise RuntimeError(f"All elements must be greater than (p-1)/2")
    out = Lgamma.apply(x)
    for i in range(1, p):
        out = out + Lgamma.apply(x - i / 2)
    return out + p * (p - 1) / 4 * math.log(math.pi)


def erfinv(input):
    """The inverse error function (+-inf at +-1, nan outside [-1, 1])."""
    return Erfinv.apply(float_of(input))


def erfcx(input):
    """The scaled complementary error function exp(x^2) erfc(x)."""
    return Erfcx.apply(float_of(input))


def zeta(input, other):
    """The Hurwitz zeta function sum_k (other + k)^-input."""
    a, b = _float_pair(input, other)
    return Zeta.apply(a, b)


def ndtr(input):
    """The standard normal CDF."""
    return Ndtr.apply(float_of(input))


def log_ndtr(input):
    """log of the standard normal CDF, accurate far into both tails."""
    return LogNdtr.apply(float_of(input))


def ndtri(input):
    """The inverse of the standard normal CDF: -sqrt(2) erfcinv(2 p) (-inf at 0, inf at 1,
    nan outside [0, 1])."""
    x = float_of(input)
    return NdtriF.apply(x)


class NdtriF(Function):
    """y = ndtri(p); gx = gy * sqrt(2 pi) exp(y^2/2)"""

    def forward(self, p):
        def f(xp, a):
            # small p: erfinv(2p - 1) = -erfcinv(2p), computed from 2p exactly
            with _gamma._silent(xp):
                lo = -_gamma.erfcinv(xp, 2 * a)
                hi = _gamma.erfcinv(xp, 2 * (1 - a))  # 1 - a is exact for a >= 1/2
            return math.sqrt(2) * xp.where(a < 0.5, lo, hi)

        y = _f64(self.xp, f, p)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        return gy * _SQRT_2PI * exp(y * y * 0.5)


def entr(input):
    """-x log x elementwise (0 at 0, -inf for x < 0); gradient -(log x + 1)."""
    x = float_of(input)
    xp = x.xp
    zero = Tensor._wrap(x.array == 0)
    neg = Tensor._wrap(x.array < 0)
    safe = where(zero | neg, 1.0, x)
    with _quiet(xp):  # -inf * log(1): masked below
        val = -x * log(safe)
    ninf = Tensor._wrap(xp.asarray(-xp.inf, dtype=x.array.dtype))
    return where(neg, ninf, where(zero, 0.0, val))


__all__ = ["digamma", "erfinv", "i0", "igamma", "igammac", "lgamma", "mvlgamma", "polygamma"]
# torch.special only (minigrad/special.py)
SPECIAL = ["erfcx", "zeta", "ndtr", "ndtri", "log_ndtr", "entr", "i0e", "i1", "i1e"]
METHODS = ["digamma", "erfinv", "i0", "igamma", "igammac", "lgamma", "mvlgamma"]
INPLACE_METHODS = ["digamma", "erfinv", "i0", "igamma", "igammac", "lgamma", "mvlgamma"]


def _polygamma_method(input, n):
    """``x.polygamma(n)``: the n-th derivative of digamma at x."""
    return polygamma(n, input)


def _polygamma_inplace(input, n):
    """In-place :meth:`polygamma`; returns input."""
    from .inplace import apply_

    return apply_(input, "polygamma_", lambda s: polygamma(n, s))


# Tensor methods whose argument order differs from the function's (torch.polygamma(n, x)
# is x.polygamma(n)): a family of their own for tensor.py's generated bindings
TENSOR_FORMS = SimpleNamespace(METHODS=["polygamma", "polygamma_"],
                               polygamma=_polygamma_method, polygamma_=_polygamma_inplace)
