"""Elementwise binary arithmetic with broadcasting, and dtype/device moves.

Ops return gradients in the broadcast shape; the engine reduces them to each
input's shape (``sum_to``), once, for every op.
"""
from __future__ import annotations

import contextlib
import math

import numpy as np

from ..dtypes import is_floating_np as _isfloat
from .. import backend
from .. import dtypes as _dt
from ..autograd.function import Function, _raise_broadcast
from ..autograd.grad_mode import _State
from ..tensor import Tensor
from .._scalars import checked
from ._util import cast, float_of, follows_masks, promote


class Add(Function):
    """y = x0 + x1; gx0 = gy, gx1 = gy"""

    def forward(self, x0, x1):
        return x0 + x1

    def backward(self, gy):
        return gy, gy


class Sub(Function):
    """y = x0 - x1; gx0 = gy, gx1 = -gy"""

    def forward(self, x0, x1):
        return x0 - x1

    def backward(self, gy):
        return gy, (-gy if self.needs_input_grad[1] else None)


class Mul(Function):
    """y = x0 * x1; gx0 = gy * x1, gx1 = gy * x0"""

    def forward(self, x0, x1):
        self.save_for_backward(x0, x1)
        return x0 * x1

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        n0, n1 = self.needs_input_grad
        return (gy * x1 if n0 else None), (gy * x0 if n1 else None)


class Div(Function):
    """y = x0 / x1; gx0 = gy / x1, gx1 = -gy * x0 / x1**2"""

    def forward(self, x0, x1):
        self.save_for_backward(x0, x1)
        return x0 / x1

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        n0, n1 = self.needs_input_grad
        gx0 = gy / x1 if n0 else None
        gx1 = -gy * x0 / (x1 * x1) if n1 else None
        return gx0, gx1


class Neg(Function):
    """y = -x; gx = -gy"""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class PowScalar(Function):
    """y = x ** c (c a Python number); gx = gy * c * x ** (c - 1)"""

    def forward(self, x, exponent):
        self.c = exponent
        self.save_for_backward(x)
        with _quiet(self.xp):  # 0 ** -1 = inf, (-8) ** 0.5 = nan, silently as in PyTorch
            return x**exponent

    def backward(self, gy):
        (x,) = self.saved_tensors
        c = self.c
        if c == 0:
            return gy * 0
        if _State.enabled:  # create_graph: differentiable ops
            return gy * c * (x ** (c - 1) if c != 2 else x)
        xd = x.array  # first order: c * x ** (c - 1) in a fresh array, then times gy in place
        with _quiet(gy.xp):
            d = xd * c if c == 2 else (xd ** (c - 1)) * c
        d *= gy.array
        return _arr(gy.xp, d)


def _int_pow(xp, a, b):
    """Integer a ** b, PyTorch's way for negative exponents (NumPy refuses them): 1 for a
    base of 1, +-1 for -1 by the exponent's parity, else 0."""
    neg = b < 0
    y = a ** xp.where(neg, 0, b).astype(b.dtype, copy=False)
    if neg.any():
        ones = xp.ones((), a.dtype)
        odd = (b % 2).astype(bool)
        y = xp.where(neg, xp.where(a == 1, ones, xp.where(a == -1, xp.where(odd, -ones, ones),
                                                          0 * ones)), y)
    return xp.asarray(y, dtype=a.dtype)


class Pow(Function):
    """y = x0 ** x1; gx0 = gy * x1 * x0 ** (x1 - 1), gx1 = gy * y * log(x0).

    As PyTorch defines them at the edges: gx0 = 0 where x1 == 0 (so 0 ** 0 has a zero
    gradient), gx1 = 0 where x0 == 0 and x1 >= 0; elsewhere the formulas stand, giving
    -inf for 0 ** negative and nan (log of a negative base) for negative bases."""

    def forward(self, x0, x1):
        if x0.dtype.kind in "iu":
            y = _int_pow(self.xp, x0, x1)
        else:
            with _quiet(self.xp):
                y = x0**x1
        self.save_for_backward(x0, x1, y)
        return y

    def backward(self, gy):
        from .compare import where

        x0, x1, y = self.saved_tensors
        n0, n1 = self.needs_input_grad
        gx0 = gx1 = None
        if n0:
            zero_exp = x1.detach() == 0
            gx0 = gy * where(zero_exp, 0.0, x1 * x0 ** where(zero_exp, 1.0, x1 - 1))
        if n1:
            from .unary import log

            flat = (x0.detach() == 0) & (x1.detach() >= 0)
            gx1 = gy * where(flat, 0.0, y * log(where(flat, 1.0, x0)))
        return gx0, gx1


class FloorDivide(Function):
    """y = floor(x0 / x1) (Python's ``//``); gx0 = gx1 = 0 (y is piecewise constant)."""

    def forward(self, x0, x1):
        with _quiet(self.xp):
            return self.xp.floor_divide(x0, x1)

    def backward(self, gy):
        z = _zeros(gy)
        n0, n1 = self.needs_input_grad
        return (z if n0 else None), (z if n1 else None)


class Remainder(Function):
    """y = x0 - floor(x0 / x1) * x1 (sign of x1, Python's ``%``); gx0 = gy,
    gx1 = -gy * floor(x0 / x1)"""

    def forward(self, x0, x1):
        self.save_for_backward(x0, x1)
        with _quiet(self.xp):
            return self.xp.remainder(x0, x1)

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        gx1 = None
        if self.needs_input_grad[1]:
            with _quiet(gy.xp):
                q = gy.xp.floor_divide(x0.array, x1.array)
            gx1 = -gy * _arr(gy.xp, q)
        return gy, gx1


class Fmod(Function):
    """y = x0 - trunc(x0 / x1) * x1 (C's fmod: sign of x0); gx0 = gy, gx1 = -gy * trunc(x0 / x1)"""

    def forward(self, x0, x1):
        self.save_for_backward(x0, x1)
        with _quiet(self.xp):
            return self.xp.fmod(x0, x1)

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        gx1 = None
        if self.needs_input_grad[1]:
            with _quiet(gy.xp):
                q = gy.xp.trunc(x0.array / x1.array)
            gx1 = -gy * _arr(gy.xp, q)
        return gy, gx1


class Atan2(Function):
    """y = atan2(x0, x1); gx0 = gy * x1 / (x0^2 + x1^2), gx1 = -gy * x0 / (x0^2 + x1^2)"""

    def forward(self, x0, x1):
        self.save_for_backward(x0, x1)
        return self.xp.arctan2(x0, x1)

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        n0, n1 = self.needs_input_grad
        r = gy / (x0 * x0 + x1 * x1)
        return (r * x1 if n0 else None), (-r * x0 if n1 else None)


class To(Function):
    """y = x cast to ``dtype`` and/or moved to ``device``; gx = gy moved back."""

    def forward(self, x, dtype=None, device=None):
        self.src_dtype = x.dtype
        self.src_device = backend.device_of(x)
        if device is not None and device != self.src_device:
            x = backend.to_device(x, device)
        if dtype is not None and x.dtype != dtype:
            x = x.astype(dtype)
        return x

    def backward(self, gy):
        return to(gy, dtype=_dt.from_numpy_dtype(self.src_dtype), device=self.src_device)


# ---- public wrappers --------------------------------------------------------------------


def add(a, b, *, alpha=1):
    """a + alpha * b, with broadcasting and PyTorch's type promotion."""
    a, b = promote(a, b)
    if alpha != 1:
        checked(alpha, a.array.dtype)  # PyTorch's overflow check
        b = mul(b, alpha)
    return Add.apply(a, b)


_BOOL_SUB1_MSG = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                  "are trying to invert a mask, use the `~` or `logical_not()` operator "
                  "instead.")
_BOOL_SUB_MSG = ("Subtraction, the `-` operator, with two bool tensors is not supported. "
                 "Use the `^` or `logical_xor()` operator instead.")


def _is_bool(v):
    return isinstance(v, bool) or getattr(getattr(v, "array", None), "dtype", None) == bool


def sub(a, b, *, alpha=1):
    """a - alpha * b (PyTorch refuses a bool operand, tensor or Python bool)."""
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError(_BOOL_SUB_MSG if _is_bool(a) and _is_bool(b) else _BOOL_SUB1_MSG)
    a, b = promote(a, b)
    if alpha != 1:
        checked(alpha, a.array.dtype)  # PyTorch's overflow check
        b = mul(b, alpha)
    return Sub.apply(a, b)


def mul(a, b):
    """a * b."""
    a, b = promote(a, b)
    return Mul.apply(a, b)


def _float_operands(a, b):
    """Operands of an op that computes in floating point (true division, atan2): integer
    inputs become the default float each directly, not through their common integer dtype
    (a 0-d int64 tensor -4 with a uint8 tensor stays -4.0, as in PyTorch)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if not _isfloat(_dt.result_type(a, b)):
            return float_of(a), float_of(b)
        return promote(a, b)
    a = float_of(a) if isinstance(a, Tensor) else a
    b = float_of(b) if isinstance(b, Tensor) else b
    return promote(a, b)


def div(a, b, *, rounding_mode=None):
    """a / b (true division: integer inputs give the default float dtype).

    ``rounding_mode`` 'trunc' or 'floor' rounds the quotient (no gradient through it).
    """
    if rounding_mode is None:
        # true division: integers become floats first (a Python int divisor is not wrapped
        # to the tensor's dtype, as it is in a // b)
        a, b = _float_operands(a, b)
        return Div.apply(a, b)
    a, b = promote(a, b)
    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":
        if not _isfloat(a.array.dtype):  # exact on integers (no detour through float32)
            _check_int_divisor(a, b)
            xp = a.xp
            q = xp.floor_divide(a.array, b.array)
            q = q + ((q * b.array != a.array) & ((a.array < 0) != (b.array < 0)))
            return Tensor._wrap(xp.asanyarray(q, dtype=a.array.dtype))
        from .unary import trunc

        return trunc(Div.apply(a, b))
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


def neg(x):
    """-x."""
    if x.array.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "Use the `~` or `logical_not()` operator instead.")
    return Neg.apply(x)


def pow(a, b):
    """a ** b: tensor ** scalar, scalar ** tensor or tensor ** tensor. Integer powers follow
    PyTorch: a negative tensor exponent gives 0 (1 and -1 bases excepted), a negative
    Python int exponent raises, bool ** int gives int64 and bool ** bool has no kernel."""
    if isinstance(a, Tensor) and isinstance(b, (int, float)):
        kind = a.array.dtype.kind
        if isinstance(b, bool):
            if kind == "b":  # bool ** True is the tensor, bool ** False is all True
                return a.clone() if b else Tensor._wrap(a.xp.ones_like(a.array))
            b = int(b)
        if kind in "biu" and isinstance(b, float):
            a = float_of(a)
        elif kind in "biu":
            if b < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            if kind == "b":
                a = cast(a, np.int64)
            else:
                checked(b, a.array.dtype)
        return PowScalar.apply(a, exponent=b)
    a, b = promote(a, b)
    if a.array.dtype.kind == "b":
        from .unary import no_kernel

        no_kernel("pow", a)
    return Pow.apply(a, b)


def _no_bool(name, a):
    if a.array.dtype.kind == "b":  # PyTorch has no bool kernel for //, % and fmod
        from .unary import no_kernel

        no_kernel(name, a)


def floor_divide(a, b):
    """``a // b``: the quotient rounded towards -inf (Python's and PyTorch's ``//``).

    Integer inputs stay integer (division by zero raises, as in PyTorch); float division
    by zero gives +-inf or nan without a warning. The gradient is zero everywhere (PyTorch
    raises 'derivative not implemented' for ``//`` and returns zeros for
    ``div(rounding_mode='floor')``).
    """
    a, b = promote(a, b)
    _no_bool("div_floor_cpu", a)
    _check_int_divisor(a, b)
    return FloorDivide.apply(a, b)


def remainder(a, b):
    """``a % b`` with the sign of the divisor (Python's ``%``, ``torch.remainder``).

    Gradients as PyTorch: d/da = 1, d/db = -floor(a / b).
    """
    a, b = promote(a, b)
    _no_bool("remainder_cpu", a)
    _check_int_divisor(a, b)
    return Remainder.apply(a, b)


def fmod(a, b):
    """C's ``fmod``: the remainder with the sign of the dividend (``torch.fmod``).

    Gradients as PyTorch: d/da = 1, d/db = -trunc(a / b).
    """
    if not isinstance(a, Tensor):  # PyTorch has no fmod(number, tensor)
        raise TypeError(f"fmod() received an invalid combination of arguments - got "
                        f"({type(a).__name__}, {type(b).__name__}), but expected one of:\n"
                        " * (Tensor input, Tensor other, *, Tensor out = None)\n"
                        " * (Tensor input, Number other, *, Tensor out = None)\n")
    a, b = promote(a, b)
    _no_bool("fmod_cpu", a)
    _check_int_divisor(a, b)
    return Fmod.apply(a, b)


def atan2(input, other):
    """Elementwise arctangent of ``input / other`` in the right quadrant (radians)."""
    from .compare import tensors_only

    tensors_only("atan2", input, other)
    a, b = _float_operands(input, other)
    return Atan2.apply(a, b)


def _bitwise(ufunc_name):
    def op(input, other):
        a, b = promote(input, other)
        if a.array.dtype.kind not in "biu":
            # NotImplementedError, as PyTorch's missing float kernel
            raise NotImplementedError(f"{ufunc_name} is only defined for integer and bool "
                                      f"tensors, got {a.dtype} and {b.dtype}")
        try:
            return _arr(a.xp, getattr(a.xp, ufunc_name)(a.array, b.array))
        except ValueError as e:
            _raise_broadcast(op, (a, b), e)
            raise

    op.__name__ = op.__qualname__ = ufunc_name
    op.__doc__ = f"Elementwise {ufunc_name.split('_')[1].upper()} of integer or bool tensors (no gradient)."
    return op


bitwise_and = _bitwise("bitwise_and")
bitwise_or = _bitwise("bitwise_or")
bitwise_xor = _bitwise("bitwise_xor")


def bitwise_not(input):
    """Elementwise NOT of an integer or bool tensor (``~x``; no gradient)."""
    if input.array.dtype.kind not in "biu":
        from .unary import no_kernel

        no_kernel("bitwise_not_cpu", input)  # NotImplementedError, as PyTorch
    return _arr(input.xp, input.xp.invert(input.array))


def _check_int_divisor(a, b):
    # CPU only (as PyTorch): on the GPU, reading the check back would synchronise. An empty
    # result divides nothing, so a zero divisor broadcast against it is no error.
    if b.array.dtype.kind in "biu" and not b.is_cuda and not b.array.all() and \
            a.array.size and math.prod(np.broadcast_shapes(a.shape, b.shape)):
        raise RuntimeError("ZeroDivisionError: integer division or modulo by zero")


def _arr(xp, a):
    """``a`` as a Tensor (NumPy ufuncs return scalars for 0-d inputs; Tensors hold arrays)."""
    return Tensor._wrap(xp.asanyarray(a))


def _zeros(gy):
    return Tensor._wrap(gy.xp.zeros_like(gy.array))


def _quiet(xp):
    """Silence NumPy's divide/invalid warnings: PyTorch returns inf/nan silently."""
    errstate = getattr(xp, "errstate", None)
    return errstate(divide="ignore", invalid="ignore") if errstate is not None else contextlib.nullcontext()


def to(x, dtype=None, device=None, copy=False):
    """``x`` with another dtype and/or on another device (differentiable)."""
    npd = _dt.as_dtype(dtype).np if dtype is not None else None
    dev = backend.device(device) if device is not None else None
    same_dtype = npd is None or npd == x.array.dtype
    same_dev = dev is None or dev == x.device
    if same_dtype and same_dev:
        return x.clone() if copy else x
    if npd is not None and not _isfloat(npd) and x.requires_grad and not follows_masks((x,)):
        with _no_grad():
            return To.apply(x, dtype=npd, device=dev)
    return To.apply(x, dtype=npd, device=dev)


def _no_grad():
    from ..autograd.grad_mode import no_grad

    return no_grad()


__all__ = [  # noqa: RUF022  (grouped, not sorted)
    "add", "sub", "mul", "div", "neg", "pow", "to", "floor_divide", "remainder", "fmod", "atan2",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
]
