"""Unary math and activations: y = f(x), gx = gy * f'(x)."""
from __future__ import annotations

from ..autograd.function import Function
from ._util import float_of


class Exp(Function):
    """y = exp(x); gx = gy * y"""

    def forward(self, x):
        y = self.xp.exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        return gy * y


class Log(Function):
    """y = log(x); gx = gy / x"""

    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.log(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy / x


class Tanh(Function):
    """y = tanh(x); gx = gy * (1 - y^2)"""

    def forward(self, x):
        y = self.xp.tanh(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        return gy * (1 - y * y)


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
        return gy * (y.detach() > 0)


def exp(x):
    """e ** x, elementwise."""
    return Exp.apply(float_of(x))


def log(x):
    """Natural logarithm, elementwise (nan for x < 0, -inf at 0)."""
    return Log.apply(float_of(x))


def tanh(x):
    return Tanh.apply(float_of(x))


def sigmoid(x):
    """Logistic sigmoid, computed without overflow for large |x|."""
    return Sigmoid.apply(float_of(x))


def relu(x):
    return ReLU.apply(x)


__all__ = ["exp", "log", "tanh", "sigmoid", "relu"]
