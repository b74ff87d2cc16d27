"""Top-level functional API: ``minigrad.exp(x)``, ``minigrad.cat(...)``, ... (as ``torch.*``).

Composites live here too (softmax-free ones built only from ops, no backward code).
"""
from __future__ import annotations

from .ops import (  # noqa: F401
    add, broadcast_to, clone, div, eq, expand, ge, gt, le, lt, matmul, mul, ne, neg, permute,
    relu, reshape, sigmoid, sub, sum, tanh, transpose, where, exp, log, pow,
)

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "matmul", "exp", "log", "tanh", "sigmoid", "relu",
    "sum", "reshape", "permute", "transpose", "broadcast_to", "expand", "clone", "where",
    "eq", "ne", "lt", "le", "gt", "ge",
]
