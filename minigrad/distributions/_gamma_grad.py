"""Gamma draws with implicit reparameterisation gradients (Figurnov et al., 2018).

A draw ``x ~ Gamma(alpha, 1)`` is a function of ``alpha`` at a fixed CDF level, so
``dx/dalpha = -(dP/dalpha) / p(x)`` with ``P`` the regularised lower incomplete gamma
function and ``p`` the density. Two forms of that ratio, each exact to ~1e-13:

* the series ``P = p(x) * sum_n x^(n+1) / (alpha (alpha+1) ... (alpha+n))`` differentiated
  term by term, ``dx/dalpha = -sum_n r_n (log x - digamma(alpha + n + 1))``, accurate
  except far in the upper tail, where its terms cancel;
* there, ``dx/dalpha = E_{u ~ Exp(1)}[(1 + u/x)^(alpha-1) (log(x + u) - digamma(alpha))]``
  (from ``dQ/dalpha`` of the upper integral), by 48-point Gauss-Laguerre quadrature; all
  its terms are positive once ``x > alpha``.
"""
from __future__ import annotations

from .. import backend
from ..autograd.function import Function

_LAGUERRE = None


def _laguerre(xp):
    global _LAGUERRE
    if _LAGUERRE is None:
        _LAGUERRE = backend.np.polynomial.laguerre.laggauss(48)
    u, w = _LAGUERRE
    return xp.asarray(u), xp.asarray(w)


def standard_gamma_grad(xp, x, alpha):
    """``dx/dalpha`` for draws ``x`` of ``Gamma(alpha, 1)`` (float64 arrays, same shape)."""
    tail = (x > alpha + 4 * xp.sqrt(alpha) + 4) & (x > 1.1 * alpha)
    out = _series(xp, x, alpha)
    if bool(tail.any()):
        out[tail] = _upper(xp, x[tail], alpha[tail])
    return out


def _series(xp, x, alpha, max_terms: int = 100000):
    from ..ops._gamma import digamma

    logx = xp.log(x)
    r = x / alpha
    psi = digamma(xp, alpha) + 1 / alpha
    total = r * (logx - psi)
    active = xp.ones(x.shape, dtype=bool)
    n = 0
    while bool(active.any()) and n < max_terms:
        n += 1
        r = r * x / (alpha + n)
        psi = psi + 1 / (alpha + n)
        term = r * (logx - psi)
        total = total + xp.where(active, term, 0.0)
        # past the peak of r_n (alpha + n >= x), stop once the terms no longer count
        active &= (xp.abs(term) > 1e-17 * xp.abs(total)) | (alpha + n < x)
    return -total


def _upper(xp, x, alpha):
    from ..ops._gamma import digamma

    u, w = _laguerre(xp)
    x, a = x[..., None], alpha[..., None]
    f = xp.exp((a - 1) * xp.log1p(u / x)) * (xp.log(x + u) - digamma(xp, a))
    return (f * w).sum(-1)


class StandardGamma(Function):
    """x ~ Gamma(alpha, 1) (a draw, as ``torch._standard_gamma``); galpha = gx * dx/dalpha
    at the drawn x (implicit reparameterisation; the backward is not differentiable)."""

    once_differentiable = True

    def forward(self, alpha, generator=None):
        xp = self.xp
        if xp is backend.np:
            from ..random import default_generator

            x = (generator or default_generator)._rng.standard_gamma(alpha)
        else:
            x = xp.random.standard_gamma(alpha)
        x = xp.asarray(x, dtype=alpha.dtype).reshape(alpha.shape)
        tiny = backend.np.finfo(alpha.dtype).tiny
        x = xp.maximum(x, tiny)  # as PyTorch clamps, so log(x) stays finite
        self.save_for_backward(x, alpha)  # arrays are wrapped by save_for_backward
        return x

    def backward(self, gx):
        x, alpha = self.saved_tensors
        xp = self.xp
        a64, x64 = alpha.array.astype(xp.float64), x.array.astype(xp.float64)
        d = standard_gamma_grad(xp, x64, a64).astype(alpha.array.dtype)
        from ..tensor import Tensor

        return gx * Tensor._from_data(d)
