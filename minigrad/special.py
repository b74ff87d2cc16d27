"""``minigrad.special``: PyTorch's ``torch.special`` namespace (SciPy-style names).

Most names are the ops of the top level under SciPy's spelling (``expit`` is sigmoid,
``gammaln`` is lgamma, ``psi`` is digamma, ``multigammaln`` is mvlgamma); ``erfcx``,
``zeta``, ``ndtr``, ``ndtri``, ``log_ndtr``, ``entr``, ``i0e``, ``i1``, ``i1e`` and
``xlog1py`` live here only; ``gammainc``/``gammaincc`` are igamma/igammac. All take PyTorch's keyword spellings (``input=``, ``out=``).
The maths is in ``minigrad/ops/special_fns.py``, ``math_extra.py`` and ``_gamma.py``.
"""
from __future__ import annotations

import math

from . import ops as _ops
from .ops._util import float_of
from ._parser import torch_form as _torch_form
from .ops.math_extra import xlog1py
from .ops.special_fns import entr, erfcx, i0e, i1, i1e, log_ndtr, ndtr, ndtri, zeta


def spherical_bessel_j0(input):
    """The spherical Bessel function of the first kind of order 0, ``sin(x) / x`` (1 at 0)."""
    return _ops.sinc(float_of(input) / math.pi)


def round(input, *, decimals=0):
    """Round to ``decimals`` decimal places (half to even)."""
    return _ops.round(input, decimals=decimals)


def softmax(input, dim, *, dtype=None):
    """``softmax`` along ``dim`` (computed in ``dtype`` when given)."""
    return _ops.softmax(input, dim, dtype)


def log_softmax(input, dim, *, dtype=None):
    """``log_softmax`` along ``dim`` (computed in ``dtype`` when given)."""
    return _ops.log_softmax(input, dim, dtype)


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(input), dim))`` computed stably."""
    return _ops.logsumexp(input, dim, keepdim)


_SAME = {  # torch.special name -> the minigrad op
    "digamma": "digamma", "psi": "digamma", "erf": "erf", "erfc": "erfc", "erfinv": "erfinv",
    "exp2": "exp2", "expit": "sigmoid", "expm1": "expm1", "gammaln": "lgamma", "i0": "i0",
    "log1p": "log1p", "logit": "logit", "multigammaln": "mvlgamma", "polygamma": "polygamma",
    "sinc": "sinc", "xlogy": "xlogy", "modified_bessel_i0": "i0",
}
_OWN = {"entr": entr, "erfcx": erfcx, "i0e": i0e, "i1": i1, "i1e": i1e,
        "log_ndtr": log_ndtr, "ndtr": ndtr, "ndtri": ndtri, "zeta": zeta, "xlog1py": xlog1py,
        "modified_bessel_i1": i1, "spherical_bessel_j0": spherical_bessel_j0,
        "round": round, "softmax": softmax, "log_softmax": log_softmax, "logsumexp": logsumexp,
        "gammainc": _ops.igamma, "gammaincc": _ops.igammac}

globals().update({n: _torch_form(n, getattr(_ops, op)) for n, op in _SAME.items()})
globals().update({n: _torch_form(n, fn) for n, fn in _OWN.items()})
__all__ = sorted([*_SAME, *_OWN])
