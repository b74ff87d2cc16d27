"""Gamma-family special functions on raw NumPy/CuPy float arrays (NumPy has none of them):
lgamma, digamma, Hurwitz zeta (hence polygamma), erfinv, erfcinv and erfcx, to near float64
rounding. Used by ``special_fns.py``. The same ``xp`` formulas run on NumPy and CuPy arrays,
so both devices follow PyTorch's conventions at poles and infinities (where SciPy's and
CuPy's kernels differ, e.g. lgamma(-inf)).

The series coefficients below were computed with mpmath at 40 digits:

* ``_LGAMMA2``: lgamma(2 + z) = sum_k c_k z^k, c_1 = 1 - gamma, c_k = (-1)^k (zeta(k) - 1)/k,
  used for |z| <= 1/2 (terms fall as 4^-k);
* ``_PSI_ROOT``: digamma about its positive root x0 (digamma^(n)(x0)/n! =
  (-1)^(n+1) zeta(n+1, x0)), used for |x - x0| < 1/4 where the recurrence would cancel;
  ``_PSI_ROOT1`` likewise about its first negative root (|x - x1| < 0.1).
"""
from __future__ import annotations

import math
from fractions import Fraction

from ._special import _ERFC_CHEB, erf, erfc
import contextlib

_LGAMMA2 = (
    0.42278433509846713, 0.3224670334241132, -0.0673523010531981, 0.020580808427784546,
    -0.007385551028673986, 0.0028905103307415234, -0.001192753911703261,
    0.0005096695247430425, -0.00022315475845357939, 9.945751278180853e-05,
    -4.492623673813314e-05, 2.050721277567069e-05, -9.439488275268397e-06,
    4.374866789907488e-06, -2.039215753801366e-06, 9.55141213040742e-07,
    -4.492469198764566e-07, 2.1207184805554665e-07, -1.0043224823968099e-07,
    4.7698101693639804e-08, -2.2711094608943164e-08, 1.0838659214896955e-08,
    -5.183475041970047e-09, 2.4836745438024785e-09, -1.1921401405860912e-09,
    5.731367241678862e-10, -2.7595228851242334e-10, 1.330476437424449e-10,
)
_PSI_X0, _PSI_X0_LO = 1.4616321449683622, 9.549995429965697e-17
_PSI_ROOT = (
    0.9676722454476212, -0.4427631689835921, 0.258499760955651, -0.16394270544240652,
    0.10782405069126237, -0.07219956125645471, 0.04880428816414311, -0.03316112647484736,
    0.022597648232218104, -0.01542476590494896, 0.010538791616612175, -0.007204534386356869,
    0.004926781395729853, -0.003369801655439328, 0.002305126326734928,
    -0.0015769367714301972, 0.0010788252019162967, -0.0007380709389960052,
    0.000504953265834602, -0.0003454680251063077, 0.00023635601564027053,
    -0.00016170622091974803,
)
# the same about digamma's first negative root x1, used for |x - x1| < 0.1
_PSI_X1, _PSI_X1_LO = -0.5040830082644554, -8.15428206243813e-18
_PSI_ROOT1 = (
    8.939798558792134, -0.8093454625306507, 32.258572064915505, -2.761011648790828,
    128.27342343090902, -14.70672173553036, 513.2704629562862, -75.37700066344631,
    2055.5357119463315, -368.5783503832191, 8234.667099203069, -1743.364608867363,
    32997.785655255044, -8051.818155363498, 132262.95480834588, -36529.94596948565,
    530280.3912420176, -163451.79342700253, 2126602.3725968753, -723318.8861804305,
    8530604.878543982, -3172131.3155744765, 34228316.69580112, -13807481.997263888,
    137373435.87411496, -59721085.411294304,
)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _silent(xp):
    """No NumPy warnings for the overflow/inf/nan these functions return on purpose."""
    errstate = getattr(xp, "errstate", None)
    return errstate(all="ignore") if errstate is not None else contextlib.nullcontext()


def _bernoulli(n):
    """B_0 .. B_n as Fractions (Akiyama-Tanigawa), B_1 = +1/2."""
    out, a = [], [Fraction(0)] * (n + 1)
    for m in range(n + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        out.append(a[0])
    return out


_B = _bernoulli(40)
# Stirling: lgamma(x) ~ (x - 1/2) log x - x + log(2 pi)/2 + sum B_2k / (2k (2k - 1) x^(2k-1))
_STIRLING = tuple(float(_B[2 * k] / (2 * k * (2 * k - 1))) for k in range(1, 9))
# digamma(x) ~ log x - 1/(2x) - sum B_2k / (2k x^(2k))
_PSI_ASYM = tuple(float(_B[2 * k] / (2 * k)) for k in range(1, 10))
# Euler-Maclaurin tail of the Hurwitz zeta: B_2j / (2j)!
_ZETA_EM = tuple(float(_B[2 * j] / math.factorial(2 * j)) for j in range(1, 16))


def _poly(xp, z, coefs):
    """sum_k coefs[k] z^(k+1) (Horner's rule)."""
    p = xp.full_like(z, coefs[-1])
    for c in coefs[-2::-1]:
        p = p * z + c
    return p * z


def _sinpi_abs(xp, x):
    """|sin(pi x)| with the argument reduced first (exact zeros at the integers)."""
    r = x - xp.round(x)
    return xp.abs(xp.sin(math.pi * r))


def _lgamma_pos(xp, x):
    """lgamma for x > 0 (elementwise; other entries give garbage, masked by the caller)."""
    # recurrence down from [2.5, 10) to [1.5, 2.5): lgamma(x) = log(prod (x - i)) + lgamma(y)
    y, prod = x, xp.ones_like(x)
    for _ in range(8):
        m = (y >= 2.5) & (y < 10)
        prod = xp.where(m, prod * (y - 1), prod)
        y = xp.where(m, y - 1, y)
    # one series for all of (0, 10): lgamma(2 + z) with z = x below 0.5, x - 1 below 1.5,
    # else y - 2, corrected by -log(x (1 + x)), -log(1 + z) or log(prod) respectively
    z = xp.clip(xp.where(x < 0.5, x, xp.where(x < 1.5, x - 1, y - 2)), -0.5, 0.5)
    corr = xp.where(x < 0.5, -xp.log(x) - xp.log1p(x),
                    xp.where(x < 1.5, -xp.log1p(z), xp.log(prod)))
    mid = _poly(xp, z, _LGAMMA2) + corr
    big = xp.maximum(x, 10.0)
    r = 1 / big
    stir = (big - 0.5) * xp.log(big) - big + _HALF_LOG_2PI + r * _poly(xp, r * r, _STIRLING[1:]) \
        + _STIRLING[0] * r
    return xp.where(x >= 10, stir, mid)


def lgamma(xp, x):
    """log |Gamma(x)| (inf at 0 and the negative integers and at +-inf, as PyTorch)."""
    with _silent(xp):
        w = xp.where(x > 0, x, 1 - x)
        p = _lgamma_pos(xp, w)
        refl = xp.log(math.pi / _sinpi_abs(xp, x)) - p
        out = xp.where(x > 0, p, refl)
        return xp.where(xp.isinf(x), xp.inf, out).astype(x.dtype, copy=False)


# digamma(2 + z) = d/dz lgamma(2 + z) = sum_k k c_k z^(k-1)
_PSI2 = tuple(k * c for k, c in enumerate(_LGAMMA2, start=1))


def _digamma_pos(xp, x):
    """digamma for x > 0: the series about the root, about 2 (shifted by psi(x) =
    psi(x + 1) - 1/x below 1.5), or the recurrence up to the asymptotic series from 10."""
    acc, y = xp.zeros_like(x), x
    for _ in range(8):  # [2.5, 10) up to [10, 11): psi(x) = psi(x + 1) - 1/x
        m = (y >= 2.5) & (y < 10)
        acc = xp.where(m, acc + 1 / y, acc)
        y = xp.where(m, y + 1, y)
    big = xp.maximum(y, 10.0)
    asym = xp.log(big) - 0.5 / big - _poly(xp, 1 / (big * big), _PSI_ASYM) - acc

    # one series for (0, 2.5): digamma(2 + z), z = x, x - 1 or x - 2, shifted by
    # psi(x) = psi(x + 1) - 1/x once or twice below 1.5
    z = xp.clip(xp.where(x < 0.5, x, xp.where(x < 1.5, x - 1, x - 2)), -0.5, 0.5)
    corr = xp.where(x < 0.5, -1 / x - 1 / (1 + x), xp.where(x < 1.5, -1 / x, 0.0))
    mid = _PSI2[0] + _poly(xp, z, _PSI2[1:]) + corr
    d = (x - _PSI_X0) - _PSI_X0_LO
    out = xp.where(x < 2.5, mid, asym)
    return xp.where(xp.abs(d) < 0.25, _poly(xp, d, _PSI_ROOT), out)


def digamma(xp, x):
    """digamma (psi): -inf at +0, +inf at -0, nan at the negative integers and -inf."""
    with _silent(xp):
        w = xp.where(x > 0, x, 1 - x)
        p = _digamma_pos(xp, xp.where(xp.isfinite(w), w, 1.0))
        r = x - xp.round(x)
        refl = p - math.pi / xp.tan(math.pi * r)
        refl = xp.where((r == 0) & (x != 0), xp.nan, refl)
        d1 = (x - _PSI_X1) - _PSI_X1_LO
        refl = xp.where(xp.abs(d1) < 0.1, _poly(xp, d1, _PSI_ROOT1), refl)
        out = xp.where(x > 0, p, refl)
        out = xp.where(x == 0, xp.where(xp.signbit(x), xp.inf, -xp.inf), out)
        out = xp.where(x == xp.inf, xp.inf, xp.where(x == -xp.inf, xp.nan, out))
        return xp.where(xp.isnan(x), x, out).astype(x.dtype, copy=False)


def zeta(xp, s, q):
    """Hurwitz zeta sum_k (q + k)^-s for s > 1 (Euler-Maclaurin after the first terms):
    inf at s = 1 and at q a non-positive integer; nan for s < 1, and for q < 0 with s not
    an integer (as SciPy and PyTorch)."""
    with _silent(xp):
        s, q = xp.broadcast_arrays(s, q)
        # direct terms until q + k >= 9 + s, where the Euler-Maclaurin tail's terms fall
        # fast (their ratio is about ((s + 2j)/(2 pi a))^2); for q < 0 too (poles: below)
        top = 9 + xp.where(xp.isfinite(s), xp.maximum(s, 0), 0)
        fin = (top - q)[xp.isfinite(q)]
        n_direct = max(0, int(math.ceil(float(fin.max())))) if fin.size else 0
        a, total = q, xp.zeros_like(q)
        for _ in range(n_direct):
            m = a < top
            total = total + xp.where(m, a ** -s, 0.0)
            a = xp.where(m, a + 1, a)
        # tail from a >= top: a^(1-s)/(s-1) + a^-s/2 + sum_j B_2j/(2j)! s..(s+2j-2) a^(-s-2j+1)
        b = a ** -s
        total = total + a ** (1 - s) / (s - 1) + 0.5 * b  # (not a * b: a^-s may underflow)
        fac, apow = s / a, b
        for j, c in enumerate(_ZETA_EM):
            total = total + c * fac * apow
            fac = fac * (s + 2 * j + 1) * (s + 2 * j + 2) / (a * a)
        total = xp.where(s == 1, xp.inf, total)
        total = xp.where(s < 1, xp.nan, total)
        pole = (q <= 0) & (q == xp.floor(q))
        total = xp.where((q < 0) & ~pole & (s != xp.floor(s)), xp.nan, total)
        total = xp.where(pole & (s >= 1), xp.inf, total)
        total = xp.where(xp.isinf(q) & (q > 0) & (s > 1), 0.0, total)
        return total.astype(q.dtype, copy=False)


def _cot_derivative_poly(n):
    """Integer coefficients of P_n with d^n/dt^n cot(t) = P_n(cot t): P_0(c) = c,
    P_(k+1)(c) = -(1 + c^2) P_k'(c)."""
    p = [0, 1]
    for _ in range(n):
        d = [i * p[i] for i in range(1, len(p))] + [0, 0]
        p = [-(d[i] + (d[i - 2] if i >= 2 else 0)) for i in range(len(d))]
    return p


def polygamma(xp, n, x):
    """The n-th derivative of digamma (n >= 1): (-1)^(n+1) n! zeta(n + 1, x) for x > 0;
    for x < 0 the reflection psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) cot^(n)(pi x)
    (no long sums); +-inf at the poles 0, -1, -2, ..."""
    sign = (-1) ** (n + 1) * math.factorial(n)
    with _silent(xp):
        w = xp.where(x > 0, x, 1 - x)
        pw = zeta(xp, xp.full_like(x, n + 1.0), xp.where(xp.isfinite(w), w, 1.0)) * sign
        c = 1 / xp.tan(math.pi * (x - xp.round(x)))
        coefs = _cot_derivative_poly(n)
        cp = xp.zeros_like(x)
        for k in coefs[::-1]:
            cp = cp * c + float(k)
        refl = (-1) ** n * pw - math.pi ** (n + 1) * cp
        out = xp.where(x > 0, pw, refl)
        pole = (x <= 0) & (x == xp.floor(x))
        out = xp.where(pole, sign * xp.inf, out)
        out = xp.where(x == xp.inf, 0.0, xp.where(x == -xp.inf, xp.nan, out))
        return xp.where(xp.isnan(x), x, out).astype(x.dtype, copy=False)


_SQRT_PI_2 = math.sqrt(math.pi) / 2
_TWO_SQRTPI = 2 / math.sqrt(math.pi)


def _erfinv_guess(xp, ax, y):
    """Winitzki's closed form for erfinv(ax), ax >= 0 (relative error about 2e-3, tails
    included), from y = 1 - ax given separately so that the tails keep their precision."""
    a = 0.147
    ln = xp.log(y * (2 - y))  # log(1 - ax^2)
    t = 2 / (math.pi * a) + ln / 2
    return xp.sqrt(xp.sqrt(t * t - ln / a) - t)


def _erfinv_core(xp, ax, y):
    """z >= 0 with erf(z) = ax and erfc(z) = y (= 1 - ax, given exactly by the caller), from
    Winitzki's guess: Halley steps on erf for ax < 1/2; in the tail, Newton steps on
    log erfc(z) = log erfcx(z) - z^2, which keeps its precision where erfc(z) itself would
    underflow to a subnormal (y down to 5e-324)."""
    z0 = _erfinv_guess(xp, ax, xp.where(y > 0, y, 0.5))
    z = z0
    for _ in range(3):
        f = erf(xp, z) - ax
        d = f / (_TWO_SQRTPI * xp.exp(-z * z))
        z = z - d / (1 + z * d)  # Halley: f''/f' = -2z
    zt, ly = z0, xp.log(xp.where(y > 0, y, 0.5))
    for _ in range(4):
        ex = erfcx(xp, zt)
        zt = zt + (xp.log(ex) - zt * zt - ly) * ex * (math.sqrt(math.pi) / 2)
    z = xp.where(y <= 0.5, zt, z)
    return xp.where(y == 0, xp.inf, xp.where(ax == 0, 0.0, z))


def erfinv(xp, x):
    """The inverse of erf on [-1, 1] (+-inf at +-1, nan outside; erfinv(-0) = -0)."""
    with _silent(xp):
        ax = xp.abs(x)
        z = _erfinv_core(xp, ax, 1 - ax)  # 1 - ax is exact for ax >= 1/2
        z = xp.where(x < 0, -z, xp.where(x == 0, x, z))
        return xp.where(ax > 1, xp.nan, z).astype(x.dtype, copy=False)


def erfcinv(xp, y):
    """The inverse of erfc on [0, 2] (inf at 0, -inf at 2, nan outside), accurate for tiny
    y (erfinv(1 - y) would round 1 - y)."""
    with _silent(xp):
        up = y > 1
        c = xp.where(up, 2 - y, y)  # the complement of |erf(z)|, exact for y in [1, 2]
        z = _erfinv_core(xp, xp.where(up, y - 1, 1 - y), c)
        z = xp.where(up, -z, z)
        return xp.where((y < 0) | (y > 2), xp.nan, z).astype(y.dtype, copy=False)


def erfcx(xp, x):
    """exp(x^2) erfc(x) without overflow for large x (the scaled complementary error
    function): the Chebyshev fit of ``_special.erfc`` without its exp(-x^2) factor."""
    with _silent(xp):
        z = xp.abs(x)
        t = 2 / (z + 2)
        u2 = t * 4 - 2
        b1, b2 = xp.full_like(t, _ERFC_CHEB[-1]), xp.zeros_like(t)
        for c in _ERFC_CHEB[-2:0:-1]:
            b1, b2 = u2 * b1 - b2 + c, b1
        pos = t * xp.exp(u2 * 0.5 * b1 - b2 + _ERFC_CHEB[0])  # erfcx(|x|)
        # x < 0: erfcx(x) = 2 exp(x^2) - erfcx(|x|); exp(x^2) exactly split as for erfc
        zh = z.astype(xp.float32).astype(z.dtype)
        e2 = xp.exp(zh * zh) * xp.exp((z - zh) * (z + zh))
        out = xp.where(x < 0, 2 * e2 - pos, pos)
        out = xp.where(x < -27, xp.inf, out)  # 2 exp(x^2) overflows from -26.65
        return out.astype(x.dtype, copy=False)
