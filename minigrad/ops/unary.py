"""Unary math and activations: y = f(x), gx = gy * f'(x).

Every backward is built from minigrad ops, so all of these are twice differentiable.
Gradients follow PyTorch, at kinks too: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) =
alpha, abs'(0) = 0, hardtanh' = 0 at the clip points; floor/ceil/round/trunc/sign have a
zero gradient. Integer inputs to float math become the default float dtype (``float_of``).
Results at domain edges (log(0) = -inf, rsqrt(0) = inf, asin(2) = nan) come without
NumPy warnings, as in PyTorch.
"""
from __future__ import annotations

import math

from ..dtypes import is_floating_np as _isfloat
from .. import _threads
from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..tensor import Tensor
from ._special import erf as _erf
from ._special import erfc as _erfc
from ._util import float_of
from .compare import where
from .elementwise import _arr, _quiet, _zeros, pow

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TWO_SQRTPI = 2.0 / math.sqrt(math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class _OfX(Function):
    """y = xp.<fn>(x), saving x; a subclass gives ``fn`` and ``d(x)`` = dy/dx built from ops."""

    fn = ""
    quiet = False  # domain edges (log(0), sqrt(-1)) give inf/nan silently, as in PyTorch

    def forward(self, x):
        self.save_for_backward(x)
        if self.quiet:
            with _quiet(self.xp):
                return getattr(self.xp, self.fn)(x)
        return getattr(self.xp, self.fn)(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * self.d(x)


class _OfY(Function):
    """y = xp.<fn>(x), saving y; a subclass gives ``fn`` and ``d(y)`` = dy/dx in terms of y."""

    fn = ""
    quiet = False

    def forward(self, x):
        if self.quiet:
            with _quiet(self.xp):
                y = getattr(self.xp, self.fn)(x)
        else:
            y = getattr(self.xp, self.fn)(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        return gy * self.d(y)


# ---- exponentials and logarithms -------------------------------------------------------


class Exp(Function):
    """y = exp(x); gx = gy * y"""

    def forward(self, x):
        y = self.xp.exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        return gy * y


class Exp2(_OfY):
    """y = 2^x; gx = gy * y * ln 2"""

    fn, d = "exp2", staticmethod(lambda y: y * _LN2)


class Expm1(_OfY):
    """y = exp(x) - 1 (accurate near 0); gx = gy * (y + 1)"""

    fn, d = "expm1", staticmethod(lambda y: y + 1)


class Log(Function):
    """y = log(x); gx = gy / x"""

    def forward(self, x):
        self.save_for_backward(x)
        with _quiet(self.xp):
            return self.xp.log(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy / x


class Log2(_OfX):
    """y = log2(x); gx = gy / (x ln 2)"""

    fn, quiet, d = "log2", True, staticmethod(lambda x: 1 / (x * _LN2))


class Log10(_OfX):
    """y = log10(x); gx = gy / (x ln 10)"""

    fn, quiet, d = "log10", True, staticmethod(lambda x: 1 / (x * _LN10))


class Log1p(_OfX):
    """y = log(1 + x) (accurate near 0); gx = gy / (x + 1)"""

    fn, quiet, d = "log1p", True, staticmethod(lambda x: 1 / (x + 1))


class Sqrt(_OfY):
    """y = sqrt(x); gx = gy / (2 y)"""

    fn, quiet, d = "sqrt", True, staticmethod(lambda y: 0.5 / y)


class Rsqrt(Function):
    """y = 1 / sqrt(x); gx = -gy * y^3 / 2"""

    def forward(self, x):
        with _quiet(self.xp):
            y = 1 / self.xp.sqrt(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        return gy * (y * y * y) * -0.5


# ---- trigonometric and hyperbolic ------------------------------------------------------


class Sin(_OfX):
    """y = sin(x); gx = gy * cos(x)"""

    fn, d = "sin", staticmethod(lambda x: cos(x))


class Cos(_OfX):
    """y = cos(x); gx = -gy * sin(x)"""

    fn, d = "cos", staticmethod(lambda x: -sin(x))


class Tan(_OfY):
    """y = tan(x); gx = gy * (1 + y^2)"""

    fn, d = "tan", staticmethod(lambda y: y * y + 1)


class Asin(_OfX):
    """y = asin(x); gx = gy / sqrt(1 - x^2)"""

    fn, quiet, d = "arcsin", True, staticmethod(lambda x: rsqrt(1 - x * x))


class Acos(_OfX):
    """y = acos(x); gx = -gy / sqrt(1 - x^2)"""

    fn, quiet, d = "arccos", True, staticmethod(lambda x: -rsqrt(1 - x * x))


class Atan(_OfX):
    """y = atan(x); gx = gy / (1 + x^2)"""

    fn, d = "arctan", staticmethod(lambda x: 1 / (x * x + 1))


class Sinh(_OfX):
    """y = sinh(x); gx = gy * cosh(x)"""

    fn, d = "sinh", staticmethod(lambda x: cosh(x))


class Cosh(_OfX):
    """y = cosh(x); gx = gy * sinh(x)"""

    fn, d = "cosh", staticmethod(lambda x: sinh(x))


class Tanh(Function):
    """y = tanh(x); gx = gy * (1 - y^2)"""

    def forward(self, x):
        y = self.xp.tanh(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        return gy * (1 - y * y)


# ---- error function -------------------------------------------------------------------


class Erf(Function):
    """y = erf(x); gx = gy * 2/sqrt(pi) * exp(-x^2)"""

    def forward(self, x):
        self.save_for_backward(x)
        return _erf(self.xp, x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * exp(-(x * x)) * _TWO_SQRTPI


class Erfc(Function):
    """y = erfc(x) = 1 - erf(x); gx = -gy * 2/sqrt(pi) * exp(-x^2)"""

    def forward(self, x):
        self.save_for_backward(x)
        return _erfc(self.xp, x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * exp(-(x * x)) * -_TWO_SQRTPI


# ---- activations ---------------------------------------------------------------------


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)); gx = gy * y * (1 - y)"""

    def forward(self, x):
        xp = self.xp
        # exp of -|x| only: never overflows
        e = xp.exp(-xp.abs(x))
        y = xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        return gy * y * (1 - y)


class ReLU(Function):
    """y = max(x, 0); gx = gy * (x > 0)  (gradient 0 at x == 0, as in PyTorch)"""

    def forward(self, x):
        y = self.xp.maximum(x, 0)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        mask = y.array > 0
        if _State.enabled:  # create_graph: differentiable in gy (the mask is a constant)
            return gy * Tensor._wrap(mask.astype(gy.array.dtype))
        # first order: one multiply by the bool mask, no float copy of the mask
        return _arr(gy.xp, gy.array * mask)

    _reuses_gy = True

    def backward_into(self, gy):
        (y,) = self.saved_tensors
        g = gy.array
        g *= y.array > 0  # in place: no new gradient-sized array
        return Tensor._wrap(g)


class LeakyReLU(Function):
    """y = x if x > 0 else s x; gx = gy if x > 0 else s gy (s at x == 0, as in PyTorch)"""

    def forward(self, x, slope):
        self.slope = slope
        self.save_for_backward(x)
        return self.xp.where(x > 0, x, x * slope)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return where(x.detach() > 0, gy, gy * self.slope)


class ELU(Function):
    """y = s x if x > 0 else s a (exp(i x) - 1); gx = gy s if x > 0 else gy s a i exp(i x).

    elu: s = i = 1; selu: fixed s and a; celu: i = 1/a. At x == 0 the gradient is s a i
    (PyTorch's choice).
    """

    def forward(self, x, alpha=1.0, scale=1.0, input_scale=1.0):
        xp = self.xp
        self.a, self.s, self.i = alpha, scale, input_scale
        self.save_for_backward(x)
        # expm1 of min(x, 0): the branch not taken must not overflow
        neg = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
        return xp.where(x > 0, x * scale if scale != 1 else x, neg)

    def backward(self, gy):
        (x,) = self.saved_tensors
        pos = x.detach() > 0
        # x masked to 0 where positive: exp cannot overflow and no gradient leaks into it
        xn = where(pos, 0.0, x)
        return gy * where(pos, float(self.s), exp(xn * self.i) * (self.s * self.a * self.i))


class GELU(Function):
    """exact: y = x Phi(x), Phi(x) = erfc(-x/sqrt2)/2; gx = gy (Phi(x) + x phi(x)).
    tanh: y = x/2 (1 + tanh(k (x + c x^3))), k = sqrt(2/pi), c = 0.044715."""

    _K, _C = math.sqrt(2.0 / math.pi), 0.044715

    def forward(self, x, approximate="none"):
        xp = self.xp
        self.approximate = approximate
        self.save_for_backward(x)
        if approximate == "tanh":
            return x * 0.5 * (1 + xp.tanh((x + x * x * x * self._C) * self._K))
        phi = _erfc(xp, x * -_SQRT1_2)
        phi *= 0.5
        self.phi = phi  # Phi(x): the first-order backward reuses it instead of a second erfc
        return x * phi

    def backward(self, gy):
        (x,) = self.saved_tensors
        if self.approximate == "none" and not _State.enabled:
            return Tensor._wrap(_gelu_grad(self.xp, x.array, self.phi, gy.array))
        if self.approximate == "tanh":
            k, c = self._K, self._C
            x2 = x * x
            t = tanh((x + x2 * x * c) * k)
            return gy * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * (x2 * (3 * c) + 1) * k)
        return gy * (erfc(x * -_SQRT1_2) * 0.5 + x * exp(x * x * -0.5) * _INV_SQRT_2PI)


def _gelu_grad(xp, x, phi, gy):
    """gy (Phi(x) + x phi(x)) on arrays: seven in-place passes per cache-sized block, the
    blocks spread over the thread pool."""
    gx = xp.empty(x.shape, dtype=x.dtype)

    def run(blk):
        xb, pb, gb, ob = blk
        xp.multiply(xb, xb, out=ob)
        ob *= -0.5
        xp.exp(ob, out=ob)
        ob *= xb
        ob *= _INV_SQRT_2PI
        ob += pb
        ob *= gb

    _threads.parallel_for(run, _threads.split((x, phi, gy, gx)), gx.size)
    return gx


class Softplus(Function):
    """y = log(1 + exp(b x)) / b, or x where b x > threshold; gx = gy * sigmoid(b x)
    (gy above the threshold)."""

    def forward(self, x, beta=1.0, threshold=20.0):
        xp = self.xp
        self.beta, self.threshold = beta, threshold
        self.save_for_backward(x)
        z = x * beta if beta != 1 else x
        # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): exp never overflows
        y = xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))
        if beta != 1:
            y = y / beta
        return xp.where(z > threshold, x, y)

    def backward(self, gy):
        (x,) = self.saved_tensors
        z = x * self.beta if self.beta != 1 else x
        return where(z.detach() > self.threshold, gy, gy * sigmoid(z))


class Hardtanh(Function):
    """y = clip(x, lo, hi); gx = gy where lo < x < hi, else 0 (0 at lo and hi, as PyTorch)"""

    def forward(self, x, lo, hi):
        self.lo, self.hi = lo, hi
        self.save_for_backward(x)
        return self.xp.clip(x, lo, hi)

    def backward(self, gy):
        (x,) = self.saved_tensors
        xd = x.array
        return where(_arr(gy.xp, (xd > self.lo) & (xd < self.hi)), gy, 0.0)


# ---- absolute value and rounding -----------------------------------------------------


class Abs(Function):
    """y = |x|; gx = gy * sign(x) (0 at x == 0)"""

    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.abs(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * _arr(gy.xp, gy.xp.sign(x.array))


class Floor(Function):
    """y = floor(x); gx = 0 (piecewise constant; PyTorch returns zeros too)"""

    fn = "floor"

    def forward(self, x, **kwargs):
        return getattr(self.xp, self.fn)(x, **kwargs)

    def backward(self, gy):
        return _zeros(gy)


class Ceil(Floor):
    """y = ceil(x); gx = 0"""

    fn = "ceil"


class Trunc(Floor):
    """y = trunc(x) (round towards 0); gx = 0"""

    fn = "trunc"


class Round(Floor):
    """y = x rounded half to even (to ``decimals`` places); gx = 0"""

    fn = "round"


class Sign(Floor):
    """y = sign(x) in {-1, 0, 1}; gx = 0"""

    fn = "sign"


# ---- public wrappers -------------------------------------------------------------------


def exp(x):
    """e ** x, elementwise."""
    return Exp.apply(float_of(x))


def exp2(x):
    """2 ** x, elementwise (exact at integers)."""
    return Exp2.apply(float_of(x))


def expm1(x):
    """exp(x) - 1, accurate for small |x|."""
    return Expm1.apply(float_of(x))


def log(x):
    """Natural logarithm, elementwise (nan for x < 0, -inf at 0)."""
    return Log.apply(float_of(x))


def log2(x):
    """Base-2 logarithm, elementwise."""
    return Log2.apply(float_of(x))


def log10(x):
    """Base-10 logarithm, elementwise."""
    return Log10.apply(float_of(x))


def log1p(x):
    """log(1 + x), accurate for small |x|."""
    return Log1p.apply(float_of(x))


def sqrt(x):
    """Square root, elementwise (nan for x < 0)."""
    return Sqrt.apply(float_of(x))


def rsqrt(x):
    """1 / sqrt(x), elementwise."""
    return Rsqrt.apply(float_of(x))


def square(x):
    """x * x (integer tensors stay integer, bool gives int64, as in PyTorch)."""
    return pow(x, 2)


def reciprocal(x):
    """1 / x (integer tensors give the default float dtype)."""
    from .elementwise import div

    return div(1.0, float_of(x))


def sin(x):
    return Sin.apply(float_of(x))


def cos(x):
    return Cos.apply(float_of(x))


def tan(x):
    return Tan.apply(float_of(x))


def asin(x):
    """Inverse sine (nan outside [-1, 1])."""
    return Asin.apply(float_of(x))


def acos(x):
    """Inverse cosine (nan outside [-1, 1])."""
    return Acos.apply(float_of(x))


def atan(x):
    return Atan.apply(float_of(x))


def sinh(x):
    return Sinh.apply(float_of(x))


def cosh(x):
    return Cosh.apply(float_of(x))


def tanh(x):
    return Tanh.apply(float_of(x))


def erf(x):
    """The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt."""
    return Erf.apply(float_of(x))


def erfc(x):
    """1 - erf(x), accurate in the tails (erfc(10) ~ 2e-45 in float64)."""
    return Erfc.apply(float_of(x))


def sigmoid(x):
    """Logistic sigmoid, computed without overflow for large |x|."""
    return Sigmoid.apply(float_of(x))


def relu(x):
    """max(x, 0); the gradient at 0 is 0."""
    if x.array.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return ReLU.apply(x)


def leaky_relu(x, negative_slope: float = 0.01):
    """x if x > 0 else negative_slope * x; the gradient at 0 is negative_slope (PyTorch)."""
    return LeakyReLU.apply(float_of(x), slope=negative_slope)


def elu(x, alpha: float = 1.0):
    """x if x > 0 else alpha * (exp(x) - 1); the gradient at 0 is alpha (PyTorch)."""
    return ELU.apply(float_of(x), alpha=alpha)


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    return ELU.apply(float_of(x), alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def celu(x, alpha: float = 1.0):
    """x if x > 0 else alpha * (exp(x / alpha) - 1)."""
    if alpha == 0:
        raise ValueError("celu: alpha must be nonzero (it divides x)")
    return ELU.apply(float_of(x), alpha=alpha, input_scale=1.0 / alpha)


def gelu(x, approximate: str = "none"):
    """Gaussian error linear unit x * Phi(x) (``approximate='tanh'``: the tanh formula).

    Args:
        x: input tensor.
        approximate: ``'none'`` (exact, via erfc) or ``'tanh'``.
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return GELU.apply(float_of(x), approximate=approximate)


def silu(x):
    """x * sigmoid(x) (a.k.a. swish)."""
    x = float_of(x)
    return x * sigmoid(x)


def softplus(x, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(beta * x)) / beta, computed without overflow; linear (= x) where
    beta * x > threshold, as in PyTorch."""
    return Softplus.apply(float_of(x), beta=beta, threshold=threshold)


def mish(x):
    """x * tanh(softplus(x))."""
    x = float_of(x)
    return x * tanh(softplus(x))


def hardtanh(x, min_val: float = -1.0, max_val: float = 1.0):
    """clip(x, min_val, max_val); the gradient is 0 at and outside the clip points."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return Hardtanh.apply(float_of(x), lo=min_val, hi=max_val)


def abs(x):
    """|x|; the gradient at 0 is 0."""
    if x.array.dtype.kind == "b":
        no_kernel("abs_cpu", x)
    return Abs.apply(x)


def no_kernel(name, x):
    """Raise PyTorch's error for a dtype its kernel ``name`` lacks (bool abs, floor, ...)."""
    from ..tensor import _TYPE_NAMES

    raise NotImplementedError(f'"{name}" not implemented for '
                              f"'{_TYPE_NAMES.get(x.array.dtype.name, x.array.dtype.name)}'")


def _step(op, x, **kwargs):
    if x.array.dtype.kind == "b":  # PyTorch has no bool rounding kernels
        no_kernel(f"{op.__name__.lower()}_vml_cpu", x)
    if not _isfloat(x.array.dtype):  # already integral: a copy, as in PyTorch
        return Tensor._wrap(x.array.copy())
    return op.apply(x, **kwargs)


def sign(x):
    """-1, 0 or 1 by the sign of x (zero gradient). Unlike PyTorch, sign(nan) is nan."""
    if x.array.dtype.kind == "b":
        return Tensor._wrap(x.array.copy())
    return Sign.apply(x)


def floor(x):
    """Round towards -inf (zero gradient; integer tensors are returned as a copy)."""
    return _step(Floor, x)


def ceil(x):
    """Round towards +inf (zero gradient)."""
    return _step(Ceil, x)


def trunc(x):
    """Round towards 0 (zero gradient)."""
    return _step(Trunc, x)


def round(x, decimals: int = 0):
    """Round half to even, to ``decimals`` decimal places (zero gradient)."""
    if decimals and not _isfloat(x.array.dtype):
        raise TypeError(f"round with decimals={decimals} is only defined for floating point "
                        f"tensors, got {x.dtype}")
    return _step(Round, x, decimals=decimals) if decimals else _step(Round, x)


__all__ = [  # noqa: RUF022  (grouped as above, not sorted)
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square",
    "reciprocal", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "erf",
    "erfc", "sigmoid", "relu", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "softplus",
    "mish", "hardtanh", "abs", "sign", "floor", "ceil", "trunc", "round",
]
