"""erf and erfc on raw NumPy/CuPy arrays (NumPy has no erf): accurate to a few ulp in
float64, tails included, from a Chebyshev fit and a Taylor series. Used by ``unary.Erf``,
``unary.Erfc`` and ``unary.GELU``."""
from __future__ import annotations

# Chebyshev coefficients (on u = 2t - 1) of log(erfc(z) exp(z^2) / t), t = 2 / (2 + z), a
# smooth function of t in [0, 1] (Numerical Recipes' erfccheb); fitted with mpmath at 40
# digits. 28 terms reach float64 rounding, the first 14 float32's.
_ERFC_CHEB = (
    -0.6513268598908547, 0.6419697923564902, 0.019476473204185836, -0.009561514786808632,
    -0.0009465953444820369, 0.00036683949785276145, 4.252332480690777e-05,
    -2.0278578112534242e-05, -1.6242900046470256e-06, 1.3036558355805232e-06,
    1.5626441722066142e-08, -8.523809591492654e-08, 6.5290544390988515e-09,
    5.059343495551469e-09, -9.91364156493033e-10, -2.273651222931836e-10, 9.646791102015527e-11,
    2.3940380830391146e-12, -6.886027526497553e-12, 8.944879273090725e-13,
    3.130921399342958e-13, -1.1270822361367252e-13, 3.810905255189232e-16,
    7.106097613609237e-15, -1.5230282014571043e-15, -9.457494571291233e-17,
    1.210237189224279e-16, -2.816663087747177e-17,
)
# Taylor series of erf(x) / x in x^2 (2/sqrt(pi) (-1)^n / (n! (2n + 1))), used for |x| < 0.5
_ERF_TAYLOR = (
    1.1283791670955126, -0.37612638903183754, 0.11283791670955126, -0.026866170645131252,
    0.005223977625442188, -0.0008548327023450853, 0.00012055332981789664,
    -1.492565035840625e-05, 1.6462114365889248e-06, -1.6365844691234924e-07,
    1.4807192815879218e-08, -1.2290555301717928e-09, 9.422759064650411e-11,
    -6.7113668551641105e-12,
)


def erfc(xp, x):
    """erfc on a raw float array, to a few ulp (relative, tails included)."""
    z = xp.minimum(xp.abs(x), 30.0)  # erfc(30) underflows anyway; z * z never overflows
    t = 2 / (z + 2)
    u2 = t * 4 - 2  # 2u
    coefs = _ERFC_CHEB if x.dtype.itemsize >= 8 else _ERFC_CHEB[:14]
    b1, b2 = xp.full_like(t, coefs[-1]), xp.zeros_like(t)
    for c in coefs[-2:0:-1]:  # Clenshaw recurrence
        b1, b2 = u2 * b1 - b2 + c, b1
    g = u2 * 0.5 * b1 - b2 + coefs[0]
    if x.dtype.itemsize >= 8:
        # z^2 rounded would cost z^2 ulp of relative error in the tail; with zh = z cut to
        # 24 bits, zh^2 is exact and z^2 = zh^2 + (z - zh)(z + zh)
        zh = z.astype(xp.float32).astype(z.dtype)
        y = t * xp.exp(-(zh * zh)) * xp.exp(g - (z - zh) * (z + zh))
    else:
        y = t * xp.exp(g - z * z)
    return xp.where(x < 0, 2 - y, y)


def erf(xp, x):
    a = xp.abs(x)
    x2 = xp.minimum(a, 0.5) ** 2
    p = xp.full_like(x2, _ERF_TAYLOR[-1])
    for c in _ERF_TAYLOR[-2::-1]:
        p = p * x2 + c
    big = 1 - erfc(xp, a)
    return xp.where(a < 0.5, x * p, xp.where(x < 0, -big, big))
