"""Window functions: ``torch.signal.windows`` (``hann(M, *, sym=True)``, ...) and the
top-level ``torch.hann_window(window_length, periodic=True)`` family.

Each window is computed in float64 on the host from its formula and returned in the
requested floating dtype (the default float dtype when None). ``sym=False`` /
``periodic=True`` give the first ``M`` points of the ``M + 1``-point symmetric window (for
spectral analysis).
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt


def _tensor(values, name, dtype, device, requires_grad):
    from ..creation import tensor

    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    if dt.np.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    return tensor(np.asarray(values, np.float64), dtype=dt, device=device,
                  requires_grad=requires_grad)


def _points(M, sym, name, error=ValueError, what="window length"):
    if M < 0:
        raise error(f"{name} requires non-negative {what}, got M={M}")
    if M <= 1:
        return None, M
    n = M if sym else M + 1
    return np.arange(n, dtype=np.float64), n


def _finish(w, M, sym):
    return w if sym or len(w) == M else w[:M]


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None,
                   requires_grad=False):
    """``sum_k (-1)^k a_k cos(2 pi k n / (M - 1))``."""
    n, N = _points(M, sym, "general_cosine")
    if n is None:
        return _tensor(np.ones(M), "general_cosine", dtype, device, requires_grad)
    w = sum((-1) ** k * ak * np.cos(2 * math.pi * k * n / (N - 1)) for k, ak in enumerate(a))
    return _tensor(_finish(w, M, sym), "general_cosine", dtype, device, requires_grad)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """``alpha - (1 - alpha) cos(2 pi n / (M - 1))``."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, device=device,
                          requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Hann window, ``0.5 - 0.5 cos(2 pi n / (M - 1))``."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, device=device,
                           requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Hamming window, ``0.54 - 0.46 cos(2 pi n / (M - 1))``."""
    return general_hamming(M, sym=sym, dtype=dtype, device=device, requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Blackman window (coefficients 0.42, 0.5, 0.08)."""
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, device=device,
                          requires_grad=requires_grad)


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The minimum 4-term Blackman-Harris window (Nuttall's coefficients)."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, device=device, requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The triangular window ``1 - |2 n / (M - 1) - 1|``."""
    n, N = _points(M, sym, "bartlett")
    w = np.ones(M) if n is None else _finish(1 - np.abs(2 * n / (N - 1) - 1), M, sym)
    return _tensor(w, "bartlett", dtype, device, requires_grad)


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The cosine (sine) window ``sin(pi (n + 0.5) / M)``."""
    n, N = _points(M, sym, "cosine")
    w = np.ones(M) if n is None else _finish(np.sin(math.pi * (n + 0.5) / N), M, sym)
    return _tensor(w, "cosine", dtype, device, requires_grad)


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``exp(-((n - (M - 1) / 2) / std)^2 / 2)``."""
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    n, N = _points(M, sym, "gaussian")
    w = np.ones(M) if n is None else _finish(np.exp(-0.5 * ((n - (N - 1) / 2) / std) ** 2),
                                             M, sym)
    return _tensor(w, "gaussian", dtype, device, requires_grad)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None,
                requires_grad=False):
    """``exp(-|n - center| / tau)`` (``center`` defaults to the middle; symmetric windows
    take no center)."""
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    n, N = _points(M, sym, "exponential")
    if n is None and (M == 0 or center is None):
        return _tensor(np.ones(M), "exponential", dtype, device, requires_grad)
    if n is None:  # one point at a given center
        n, N = np.zeros(1), 1
    c = (N - 1) / 2 if center is None else center
    return _tensor(_finish(np.exp(-np.abs(n - c) / tau), M, sym), "exponential", dtype,
                   device, requires_grad)


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None,
           requires_grad=False):
    """The Kaiser window ``I0(beta sqrt(1 - (2 n / (M - 1) - 1)^2)) / I0(beta)``."""
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    n, N = _points(M, sym, "kaiser")
    w = np.ones(M) if n is None else _finish(
        np.i0(beta * np.sqrt(np.clip(1 - (2 * n / (N - 1) - 1) ** 2, 0, None))) / np.i0(beta),
        M, sym)
    return _tensor(w, "kaiser", dtype, device, requires_grad)


def _top(name, fn, **fixed):
    def window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
               requires_grad=False, pin_memory=False, **kw):
        if window_length < 0:
            raise RuntimeError(f"{name} requires non-negative window_length, got "
                               f"window_length={window_length}")
        dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
        if dt.np.kind != "f":
            raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
        return fn(window_length, sym=not periodic, dtype=dt, device=device,
                  requires_grad=requires_grad, **fixed, **kw)

    window.__name__ = window.__qualname__ = name
    return window


_hann, _bartlett, _blackman = _top("hann_window", hann), _top("bartlett_window", bartlett), \
    _top("blackman_window", blackman)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                requires_grad=False, pin_memory=False):
    """``signal.windows.hann(window_length, sym=not periodic)``."""
    return _hann(window_length, periodic, dtype=dtype, device=device,
                 requires_grad=requires_grad)


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False, pin_memory=False):
    """``signal.windows.bartlett(window_length, sym=not periodic)``."""
    return _bartlett(window_length, periodic, dtype=dtype, device=device,
                     requires_grad=requires_grad)


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False, pin_memory=False):
    """``signal.windows.blackman(window_length, sym=not periodic)``."""
    return _blackman(window_length, periodic, dtype=dtype, device=device,
                     requires_grad=requires_grad)


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, requires_grad=False, pin_memory=False):
    """``alpha - beta cos(2 pi n / (N - 1))`` (``N = window_length + 1`` when
    ``periodic``)."""
    return _top("hamming_window", general_cosine)(
        window_length, periodic, dtype=dtype, device=device, requires_grad=requires_grad,
        a=[alpha, beta])


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, requires_grad=False, pin_memory=False):
    """``signal.windows.kaiser(window_length, beta=beta, sym=not periodic)``."""
    return _top("kaiser_window", kaiser)(window_length, periodic, dtype=dtype, device=device,
                                         requires_grad=requires_grad, beta=beta)


__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
           "general_hamming", "hamming", "hann", "kaiser", "nuttall"]
TOP_LEVEL = ["bartlett_window", "blackman_window", "hamming_window", "hann_window",
             "kaiser_window"]
