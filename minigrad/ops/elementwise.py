"""Elementwise binary arithmetic with broadcasting, and dtype/device moves.

Ops return gradients in the broadcast shape; the engine reduces them to each
input's shape (``sum_to``), once, for every op.
"""
from __future__ import annotations

from .. import backend
from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import float_of, promote


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
        return x**exponent

    def backward(self, gy):
        (x,) = self.saved_tensors
        c = self.c
        if c == 0:
            return gy * 0
        return gy * c * (x ** (c - 1) if c != 2 else x)


class Pow(Function):
    """y = x0 ** x1; gx0 = gy * x1 * x0 ** (x1 - 1), gx1 = gy * y * log(x0)"""

    def forward(self, x0, x1):
        y = x0**x1
        self.save_for_backward(x0, x1, y)
        return y

    def backward(self, gy):
        x0, x1, y = self.saved_tensors
        n0, n1 = self.needs_input_grad
        gx0 = gy * x1 * x0 ** (x1 - 1) if n0 else None
        gx1 = None
        if n1:
            from .unary import log
            from .compare import where

            # d/dx1 at x0 == 0 is 0 (as in PyTorch), not 0 * log(0) = nan
            pos = x0.detach() > 0
            gx1 = gy * where(pos, y * log(where(pos, x0, 1.0)), 0.0)
        return gx0, gx1


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
        b = mul(b, alpha)
    return Add.apply(a, b)


def sub(a, b, *, alpha=1):
    """a - alpha * b."""
    a, b = promote(a, b)
    if alpha != 1:
        b = mul(b, alpha)
    return Sub.apply(a, b)


def mul(a, b):
    """a * b."""
    a, b = promote(a, b)
    return Mul.apply(a, b)


def div(a, b, *, rounding_mode=None):
    """a / b (true division: integer inputs give the default float dtype).

    ``rounding_mode`` 'trunc' or 'floor' rounds the quotient (no gradient through it).
    """
    a, b = promote(a, b)
    if rounding_mode is None:
        a, b = float_of(a), float_of(b)
        return Div.apply(a, b)
    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":
        from .unary import trunc

        q = Div.apply(float_of(a), float_of(b))
        return trunc(q).to(a.dtype) if a.data.dtype.kind != "f" else trunc(q)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


def neg(x):
    """-x."""
    if x.data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "Use the `~` or `logical_not()` operator instead.")
    return Neg.apply(x)


def pow(a, b):
    """a ** b: tensor ** scalar, scalar ** tensor or tensor ** tensor."""
    if isinstance(a, Tensor) and isinstance(b, (int, float)) and not isinstance(b, bool):
        if a.data.dtype.kind != "f" and isinstance(b, float):
            a = float_of(a)
        if a.data.dtype.kind in "iu" and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowScalar.apply(a, exponent=b)
    a, b = promote(a, b)
    return Pow.apply(a, b)


def to(x, dtype=None, device=None, copy=False):
    """``x`` with another dtype and/or on another device (differentiable)."""
    npd = _dt.as_dtype(dtype).np if dtype is not None else None
    dev = backend.device(device) if device is not None else None
    same_dtype = npd is None or npd == x.data.dtype
    same_dev = dev is None or dev == x.device
    if same_dtype and same_dev:
        return x.clone() if copy else x
    if npd is not None and npd.kind != "f" and x.requires_grad:
        with _no_grad():
            return To.apply(x, dtype=npd, device=dev)
    return To.apply(x, dtype=npd, device=dev)


def _no_grad():
    from ..autograd.grad_mode import no_grad

    return no_grad()


__all__ = ["add", "sub", "mul", "div", "neg", "pow", "to"]
