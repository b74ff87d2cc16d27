"""PyTorch's other names for existing ops (``arccos`` for ``acos``, ``greater`` for ``gt``,
...), a few one-line composites (``frac``, ``fix``, ``clamp_min``, ...), and the in-place
``name_`` Tensor methods of the elementwise ops. Nothing here has backward code: each name
is an op defined elsewhere."""
from __future__ import annotations

from .compare import (
    clamp, eq, ge, gt, le, logical_and, logical_not, logical_or, logical_xor, lt, ne,
)
from .elementwise import (
    atan2, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, div, floor_divide, fmod, mul,
    neg, remainder, sub,
)
from .movement import cat, movedim, reshape, transpose
from .special_math import acosh, asinh, atanh
from .unary import (
    abs, acos, asin, atan, ceil, cos, cosh, erf, erfc, exp, exp2, expm1, floor, log, log1p,
    log2, log10, reciprocal, round, rsqrt, sign, sin, sinh, sqrt, square, tan, tanh, trunc,
)

arccos, arcsin, arctan, arctan2 = acos, asin, atan, atan2
arccosh, arcsinh, arctanh = acosh, asinh, atanh
absolute, negative, multiply, divide, subtract, true_divide = abs, neg, mul, div, sub, div
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
concat = cat
swapdims = transpose


def concatenate(tensors, axis=0, out=None, *, dim=None):
    """``cat`` under NumPy's name, with ``axis`` first as in PyTorch (``dim=`` works too)."""
    y = cat(tensors, axis if dim is None else dim)
    if out is None:
        return y
    from .._parser import write_out

    return write_out(out, y, "concatenate")


def t(input):
    """Transpose a tensor of at most 2 dims (a 0-d or 1-d tensor is returned as is), as
    ``torch.t``; RuntimeError for more dims."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else input


def swapaxes(input, axis0, axis1):
    """``transpose`` under NumPy's name and argument names."""
    return transpose(input, axis0, axis1)
moveaxis = movedim
fix = trunc
sgn = sign  # real tensors: the sign


def frac(input):
    """The fractional part, ``input - trunc(input)`` (the sign of ``input``; floating
    inputs only, as in PyTorch)."""
    if input.array.dtype.kind != "f":
        from .unary import no_kernel

        no_kernel("frac_cpu", input)
    return input - trunc(input)


def clamp_min(input, min):
    """``clamp(input, min=min)``."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """``clamp(input, max=max)``."""
    return clamp(input, max=max)


def positive(input):
    """``input`` itself (``+input``); a bool tensor raises, as in PyTorch."""
    if input.array.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def ravel(input):
    """``input`` flattened to 1-D (a view when possible)."""
    return reshape(input, -1)


__all__ = ["absolute", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
           "arctanh", "clamp_max", "clamp_min", "concat", "concatenate", "divide", "fix",
           "frac", "greater", "greater_equal", "less", "less_equal", "moveaxis", "multiply",
           "negative", "not_equal", "positive", "ravel", "sgn", "subtract", "swapaxes",
           "swapdims", "t", "true_divide"]
# Tensor methods that only forward (generated in tensor.py; hand-written ones take precedence)
METHODS = ["arccosh", "arcsinh", "arctanh", "clamp_max", "clamp_min", "fix", "greater",
           "greater_equal", "less", "less_equal", "not_equal", "positive", "ravel", "sgn"]
# ``x.name_(...)``: the op computed out of place and written back (recorded for autograd)
INPLACE_METHODS = [
    "abs", "absolute", "acos", "arccos", "acosh", "arccosh", "asin", "arcsin", "asinh",
    "arcsinh", "atan", "arctan", "atanh", "arctanh", "atan2", "arctan2", "ceil", "cos", "cosh",
    "erf", "erfc", "exp2", "expm1", "floor", "log", "log10", "log1p", "log2", "neg",
    "negative", "reciprocal", "round", "rsqrt", "sign", "sgn", "sin", "sinh", "square", "tan",
    "trunc", "fix", "frac", "floor_divide", "fmod", "remainder", "clamp_min", "clamp_max",
    "multiply", "divide", "true_divide", "subtract", "eq", "ne", "lt", "le", "gt", "ge",
    "greater", "greater_equal", "less", "less_equal", "not_equal", "logical_and",
    "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not",
]
_ = (exp, sqrt, tanh)  # imported for completeness of the unary set; their ``_`` forms exist
