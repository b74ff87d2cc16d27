"""Short-time Fourier transform: ``stft`` with ``return_complex=False`` (PyTorch's older,
deprecated real form: real and imaginary parts in a last dimension of size 2), ``istft``
and ``view_as_real``.

minigrad's dtypes are real, so what needs a complex tensor (``stft(return_complex=True)``,
``istft``, whose input is complex) raises NotImplementedError naming the missing complex
support. The real form is a composite: frames (``unfold``) times the window, then the
real DFT as two matrix products with cosine and sine tables, so it is differentiable.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..tensor import Tensor
from .linalg import matmul
from .movement import pad, stack
from .views import unfold

_warned = set()  # PyTorch gives each of stft's warnings once per process


def _warn_once(key, message):
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


def _unsupported(name):
    return NotImplementedError(
        f"torch.{name} is not supported: minigrad has no complex dtype, and the "
        f"{'result' if name == 'stft' else 'input'} of {name} is complex. Compute it from "
        "t.numpy() with numpy.fft or scipy.signal instead (see "
        "docs/differences-from-pytorch.md).")


def _dft_tables(like, n_fft, freqs):
    """``(cos, -sin)`` tables ``(n_fft, freqs)`` in like's dtype and device."""
    n = np.arange(n_fft)[:, None] * np.arange(freqs)[None, :]
    ang = 2 * math.pi * (n % n_fft) / n_fft
    xp, dt = like.xp, like.array.dtype
    return (Tensor._wrap(xp.asarray(np.cos(ang), dtype=dt)),
            Tensor._wrap(xp.asarray(-np.sin(ang), dtype=dt)))


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
         align_to_window=None):
    """Short-time Fourier transform of a real ``(L,)`` or ``(B, L)`` signal.

    Only ``return_complex=False`` is supported (the result would be complex otherwise):
    it returns ``(B?, freqs, frames, 2)`` with the real and imaginary parts last, and warns
    as PyTorch does that this form is deprecated.

    Args:
        n_fft: frame size; ``freqs`` is ``n_fft // 2 + 1`` when ``onesided`` (default for
            real input), else ``n_fft``.
        hop_length: step between frames (``n_fft // 4``).
        win_length: window size (``n_fft``); a shorter window is zero-padded to the centre.
        window: 1-D tensor of ``win_length`` (a rectangular window, with PyTorch's warning,
            when None).
        center: pad ``n_fft // 2`` on both sides with ``pad_mode`` first.
        normalized: multiply by ``n_fft ** -0.5``.
    """
    if return_complex is None:
        raise RuntimeError("stft requires the return_complex parameter be given for real "
                           "inputs, and will further require that return_complex=True in a "
                           "future PyTorch release.")
    if return_complex:
        raise _unsupported("stft")
    x = input
    if x.ndim not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {x.ndim}D")
    hop = n_fft // 4 if hop_length is None else int(hop_length)
    win = n_fft if win_length is None else int(win_length)
    if n_fft <= 0 or hop <= 0 or not 0 < win <= n_fft:
        raise RuntimeError(f"stft: expected 0 < n_fft, 0 < hop_length and 0 < win_length <= "
                           f"n_fft, but got n_fft={n_fft}, hop_length={hop}, win_length={win}")
    if window is None:
        _warn_once("window", "A window was not provided. A rectangular window will be applied,which "
                      "is known to cause spectral leakage. Other windows such as "
                      "torch.hann_window or torch.hamming_window are recommended to reduce "
                      "spectral leakage.To suppress this warning and use a rectangular window,"
                      " explicitly set `window=torch.ones(n_fft, device=<device>)`.")
    _warn_once("real", "stft with return_complex=False is deprecated. In a future pytorch release, "
                  "stft will return complex tensors for all inputs, and return_complex=False "
                  "will raise an error.\nNote: you can still call torch.view_as_real on the "
                  "complex output to recover the old return format.")
    batched = x.ndim == 2
    x = x if batched else x.reshape(1, -1)
    if center:
        half = n_fft // 2
        x = pad(x.reshape(x.shape[0], 1, -1), (half, half), pad_mode).reshape(x.shape[0], -1)
    if x.shape[-1] < n_fft:
        raise RuntimeError(f"stft: input of length {x.shape[-1]} (after padding) is shorter "
                           f"than n_fft={n_fft}")
    frames = unfold(x, -1, n_fft, hop)  # (B, frames, n_fft)
    if window is not None or win < n_fft:
        w = window if window is not None else Tensor._wrap(x.xp.ones(win, x.array.dtype))
        if w.ndim != 1 or w.shape[0] != win:
            raise RuntimeError(f"stft: expected a 1D window tensor of size equal to "
                               f"win_length={win}, but got window with size "
                               f"{list(w.shape)}")
        left = (n_fft - win) // 2
        if win < n_fft:
            w = pad(w, (left, n_fft - win - left))
        frames = frames * w
    freqs = n_fft // 2 + 1 if onesided is None or onesided else n_fft
    cos, nsin = _dft_tables(frames, n_fft, freqs)
    out = stack([matmul(frames, cos), matmul(frames, nsin)], -1)  # (B, frames, freqs, 2)
    if normalized:
        out = out * (n_fft ** -0.5)
    out = out.transpose(1, 2)
    return out if batched else out[0]


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
          normalized=False, onesided=None, length=None, return_complex=False):
    """Not supported (its input is complex): raises NotImplementedError."""
    raise _unsupported("istft")


def view_as_real(input):
    """``(..., 2)`` real view of a complex tensor; minigrad's tensors are all real, and
    PyTorch refuses real ones: raises RuntimeError, as PyTorch does for them."""
    raise RuntimeError("view_as_real is only supported for complex tensors")


__all__ = ["istft", "stft", "view_as_real"]
METHODS = ["istft", "stft"]
