"""Functions whose plain ONNX form loses accuracy where minigrad's does not: erfc and exact
GELU, expm1, log1p, the sigmoid, built in the graph as minigrad computes them.

``Exp(x) - 1`` and ``Log(1 + x)`` cancel near 0 (a 5% error at x = 1e-6, against NumPy's
``expm1``/``log1p`` in eager), so ELU/CELU/SELU, ``expm1`` and ``log1p`` use Kahan's forms,
``(u - 1) x / log(u)`` with ``u = exp(x)`` and ``log(u) x / (u - 1)`` with ``u = 1 + x``,
exact where ``u`` rounds to 1, for |x| < 0.5 (beyond it the plain forms are accurate).
onnxruntime's ``Sigmoid`` has an absolute error of about 6e-8 (0 below -18, 8.9e-8 at -17
for 4.1e-8);
minigrad's form, ``1 / (1 + e)`` or ``e / (1 + e)`` with ``e = exp(-|x|)``, is used instead.

ONNX has ``Erf`` but no ``Erfc``; ``1 - Erf(z)`` (and GELU's ``0.5 x (1 + Erf(x / sqrt2))``)
cancels for large ``z`` (negative ``x``): at x = -3 the float32 result keeps only about
four correct digits (a 2e-5 relative error against minigrad's eager GELU, which uses an
accurate erfc). For float32 this module builds minigrad's own erfc in the graph
(``minigrad/ops/_special.py``): erfc(z) = t exp(g(2t - 1)) exp(-z^2) with t = 2 / (2 + z)
and g the same degree-11 polynomial, z^2 split as zh^2 + (z - zh)(z + zh) so that the large
exponent is not rounded (zh = z to 12 significant bits, by Veltkamp's split since ONNX has
no bit cast), and erfc(x) = 2 - erfc(|x|) for x < 0. Other dtypes keep the Erf forms.
"""
from __future__ import annotations

import math

import numpy as np

from ..ops._special import _ERFC32_POLY


def erfc(b, x, dtype):
    """The ONNX value erfc(x) (x: a value name of ``dtype``)."""
    if np.dtype(dtype) != np.float32:
        return b.op("Sub", [b.scalar(1, dtype), b.op("Erf", [x])])
    f = np.float32

    def c(v):
        return b.scalar(v, f)

    z = b.op("Min", [b.op("Abs", [x]), c(10.5)])  # erfc(10.5) underflows float32
    t = b.op("Div", [c(2), b.op("Add", [z, c(2)])])
    u = b.op("Sub", [b.op("Mul", [t, c(2)]), c(1)])
    p = _ERFC32_POLY
    y = b.op("Mul", [u, c(p[-1])])
    for k in p[-2:0:-1]:
        y = b.op("Mul", [b.op("Add", [y, c(k)]), u])
    y = b.op("Add", [y, c(p[0])])  # g(u) = log(erfc(z) exp(z^2) / t)
    g = b.op("Mul", [z, c(4097.0)])  # Veltkamp: zh = z rounded to 12 significant bits
    zh = b.op("Sub", [g, b.op("Sub", [g, z])])
    y = b.op("Sub", [y, b.op("Mul", [b.op("Sub", [z, zh]), b.op("Add", [z, zh])])])
    e = b.op("Mul", [b.op("Exp", [y]), b.op("Exp", [b.op("Neg", [b.op("Mul", [zh, zh])])])])
    r = b.op("Mul", [e, t])
    return b.op("Where", [b.op("Less", [x, c(0)]), b.op("Sub", [c(2), r]), r])


def gelu(b, x, dtype):
    """x Phi(x) = x erfc(-x / sqrt2) / 2, as minigrad's GELU computes it."""
    phi = b.op("Mul", [erfc(b, b.op("Mul", [x, b.scalar(-math.sqrt(0.5), dtype)]), dtype),
                       b.scalar(0.5, dtype)])
    return b.op("Mul", [x, phi])


def _small(b, x, dtype):
    return b.op("Less", [b.op("Abs", [x]), b.scalar(0.5, dtype)])


def expm1(b, x, dtype):
    """exp(x) - 1, accurate near 0 (Kahan)."""
    u = b.op("Exp", [x])
    um1 = b.op("Sub", [u, b.scalar(1, dtype)])
    kahan = b.op("Where", [b.op("Equal", [u, b.scalar(1, dtype)]), x,
                           b.op("Mul", [um1, b.op("Div", [x, b.op("Log", [u])])])])
    return b.op("Where", [_small(b, x, dtype), kahan, um1])


def log1p(b, x, dtype):
    """log(1 + x), accurate near 0 (Kahan)."""
    one = b.scalar(1, dtype)
    u = b.op("Add", [x, one])
    lu = b.op("Log", [u])
    kahan = b.op("Where", [b.op("Equal", [u, one]), x,
                           b.op("Mul", [lu, b.op("Div", [x, b.op("Sub", [u, one])])])])
    return b.op("Where", [_small(b, x, dtype), kahan, lu])


def sigmoid(b, x, dtype):
    """1 / (1 + exp(-x)) from e = exp(-|x|), which never overflows (minigrad's form)."""
    e = b.op("Exp", [b.op("Neg", [b.op("Abs", [x])])])
    d = b.op("Add", [e, b.scalar(1, dtype)])
    return b.op("Where", [b.op("GreaterOrEqual", [x, b.scalar(0, dtype)]),
                          b.op("Reciprocal", [d]), b.op("Div", [e, d])])


__all__ = ["erfc", "expm1", "gelu", "log1p", "sigmoid"]
