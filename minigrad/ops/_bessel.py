"""Modified Bessel functions of the first kind, orders 0 and 1 (i0, i1) and their
exponentially scaled forms (i0e = exp(-|x|) i0, i1e = exp(-|x|) i1) on raw NumPy/CuPy
float64 arrays, to near float64 rounding:

* |x| < 25: the power series I_nu(x) = (x/2)^nu sum_k (x^2/4)^k / (k! (k + nu)!) (positive
  terms, no cancellation; 60 terms reach rounding at 25);
* |x| >= 25: the asymptotic series I_nu(x) ~ e^x / sqrt(2 pi x) sum_k (-1)^k a_k(nu) / x^k,
  a_k(nu) = prod_{j<=k} (4 nu^2 - (2j - 1)^2) / (k! 8^k) (its terms still fall past k = 40
  there, the smallest near e^-50).
"""
from __future__ import annotations

import math

from ._gamma import _silent

_SPLIT = 25.0
_NSERIES = 60
_NASYM = 40


def _asym_coefs(nu):
    out, a = [], 1.0
    for k in range(1, _NASYM + 1):
        a *= -(4 * nu * nu - (2 * k - 1) ** 2) / (k * 8)
        out.append(a)
    return tuple(out)


_ASYM = {0: _asym_coefs(0), 1: _asym_coefs(1)}


def _series(xp, ax, nu):
    q = ax * ax / 4
    term = xp.ones_like(ax)
    total = xp.ones_like(ax)
    for k in range(1, _NSERIES):
        term = term * q / (k * (k + nu))
        total = total + term
    return total * (ax / 2) ** nu


def _asym_scaled(xp, ax, nu):
    """e^-x I_nu(x) for x >= _SPLIT."""
    r = 1 / ax
    s = xp.zeros_like(ax)
    for c in _ASYM[nu][::-1]:
        s = (s + c) * r
    return (1 + s) / xp.sqrt(2 * math.pi * ax)


def bessel_i(xp, x, nu, scaled):
    """I_nu(x) (nu in {0, 1}), times exp(-|x|) when ``scaled``."""
    with _silent(xp):
        ax = xp.abs(x)
        small = xp.minimum(ax, _SPLIT)
        ser = _series(xp, small, nu)
        if scaled:
            ser = ser * xp.exp(-small)
        big = xp.maximum(ax, _SPLIT)
        asym = _asym_scaled(xp, big, nu)
        if not scaled:
            # e^x split in two so that the product overflows only when I_nu itself does
            h = xp.exp(big / 2)
            asym = asym * h * h
        out = xp.where(ax < _SPLIT, ser, asym)
        out = xp.where(xp.isinf(ax), 0.0 if scaled else xp.inf, out)
        if nu == 1:
            out = xp.where(x < 0, -out, out)
        return xp.where(xp.isnan(x), x, out)
