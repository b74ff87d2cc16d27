"""The regularized incomplete gamma functions P(a, x) (igamma, torch.special.gammainc) and
Q(a, x) = 1 - P (igammac, gammaincc) on raw NumPy/CuPy float64 arrays: the power series of
P below x = a + 1, the continued fraction of Q (modified Lentz) above, both run until every
element has converged. The common factor x^a e^-x / Gamma(a + 1) is computed in logs, for
a >= 10 as -a (t - log1p t) - log(2 pi a)/2 - S(a) with t = (x - a)/a and S Stirling's
correction, so that it keeps its relative accuracy for large a (no cancellation between
a log x, x and lgamma(a + 1)). Q for small a and x is computed directly (1 - P would cancel).
"""
from __future__ import annotations

import math

from ._gamma import _LGAMMA2, _STIRLING, _poly, _silent, lgamma

_EPS = 2.0 ** -53
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# t - log1p(t) = sum_{k>=2} (-1)^k t^k / k, used for |t| < 1/4 (44 terms: 4^-44 < 1e-26)
_PHI = tuple(0.0 if k == 1 else (-1) ** k / k for k in range(1, 45))


def _log_prefix(xp, a, x):
    """log(x^a e^-x / Gamma(a + 1))."""
    direct = a * xp.log(x) - x - lgamma(xp, a + 1)
    big = xp.maximum(a, 10.0)
    t = (x - big) / big
    ts = xp.clip(t, -0.25, 0.25)
    phi = xp.where(xp.abs(t) < 0.25, _poly(xp, ts, _PHI), t - xp.log1p(t))
    r = 1 / big
    corr = _STIRLING[0] * r + r * _poly(xp, r * r, _STIRLING[1:])
    large = -big * phi - 0.5 * xp.log(big) - _HALF_LOG_2PI - corr
    return xp.where(a >= 10, large, direct)


def _series(xp, a, x, active):
    """sum_n x^n / ((a + 1) ... (a + n)) where ``active``."""
    term = xp.ones_like(x)
    total = xp.ones_like(x)
    n = 0
    live = active
    while bool(live.any()):
        n += 1
        term = xp.where(live, term * x / (a + n), term)
        total = xp.where(live, total + term, total)
        live = live & (term > _EPS * total)
    return total


def _cfrac(xp, a, x, active):
    """The continued fraction of Q(a, x) Gamma(a) e^x x^-a where ``active`` (Lentz)."""
    tiny = 1e-300
    b = x + 1 - a
    c = xp.full_like(x, 1 / tiny)
    d = 1 / xp.where(b == 0, tiny, b)
    h = d
    i = 0
    live = active
    while bool(live.any()):
        i += 1
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = 1 / xp.where(xp.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < tiny, tiny, c)
        delta = d * c
        h = xp.where(live, h * delta, h)
        live = live & (xp.abs(delta - 1) > _EPS)
    return h


def _small_a_upper(xp, a, x):
    """Q(a, x) for a < 1/2 and x < 1.1, without the cancellation of 1 - P:
    Q = (g - m)/(1 + g) - x^a/Gamma(a + 1) * a * sum_{n>=1} (-1)^n x^n / (n! (a + n)),
    g = Gamma(1 + a) - 1, m = x^a - 1 (both through expm1; lgamma(1 + a) from its series
    about 1 with a exact)."""
    g = xp.expm1(_poly(xp, a, _LGAMMA2) - xp.log1p(a))
    m = xp.expm1(a * xp.log(x))
    term = xp.ones_like(x)
    total = xp.zeros_like(x)
    for n in range(1, 40):  # x < 1.1: x^n/n! < 1e-40 by n = 40
        term = term * (-x / n)
        total = total + term / (a + n)
    return (g - m) / (1 + g) - (m + 1) / (1 + g) * a * total


def igamma(xp, a, x, upper=False):
    """P(a, x) (Q(a, x) when ``upper``), with PyTorch's edge values: nan for a < 0 or
    x < 0; for a == 0, P is 1 (x > 0) or nan (x == 0); P(a, 0) = 0; P(a, inf) = 1;
    P(inf, x) = 0 for finite x."""
    with _silent(xp):
        a, x = xp.broadcast_arrays(a, x)
        ok = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
        sa, sx = xp.where(ok, a, 1.0), xp.where(ok, x, 1.0)
        use_series = ok & (sx < sa + 1)
        use_cf = ok & ~use_series
        lp = _log_prefix(xp, sa, sx)
        p_ser = xp.exp(lp) * _series(xp, sa, sx, use_series)
        q_cf = xp.exp(lp + xp.log(sa)) * _cfrac(xp, sa, sx, use_cf)  # x^a e^-x / Gamma(a)
        p = xp.where(use_series, p_ser, 1 - q_cf)
        q = xp.where(use_series, 1 - p_ser, q_cf)
        if upper:
            small = use_series & (sa < 0.5) & (sx < 1.1)
            q = xp.where(small, _small_a_upper(xp, xp.where(small, sa, 0.25),
                                               xp.where(small, sx, 0.5)), q)
        out = q if upper else p
        # edges (as PyTorch's igamma / igammac)
        one, zero = (0.0, 1.0) if upper else (1.0, 0.0)
        out = xp.where((a == 0) & (x > 0), one, out)
        out = xp.where((x == 0) & (a > 0), zero, out)
        out = xp.where((x == xp.inf) & (a > 0) & xp.isfinite(a), one, out)
        out = xp.where((a == xp.inf) & xp.isfinite(x) & (x >= 0), zero, out)
        bad = (a < 0) | (x < 0) | xp.isnan(a) | xp.isnan(x) | ((a == 0) & (x == 0)) | (
            xp.isinf(a) & xp.isinf(x))
        return xp.where(bad, xp.nan, out)
