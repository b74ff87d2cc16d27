"""Short-time Fourier transforms (``stft``, ``istft``): their results (stft) or inputs
(istft) are complex, and minigrad's dtypes are real, so both raise NotImplementedError
naming the missing complex support (the real-valued helpers are in ``minigrad.fft``)."""
from __future__ import annotations


def _unsupported(name):
    return NotImplementedError(
        f"torch.{name} is not supported: minigrad has no complex dtype, and the "
        f"{'result' if name == 'stft' else 'input'} of {name} is complex. Compute it from "
        "t.numpy() with numpy.fft or scipy.signal instead (see "
        "docs/differences-from-pytorch.md).")


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
         align_to_window=None):
    """Not supported (complex result): raises NotImplementedError."""
    raise _unsupported("stft")


def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
          normalized=False, onesided=None, length=None, return_complex=False):
    """Not supported (complex input): raises NotImplementedError."""
    raise _unsupported("istft")


__all__ = ["istft", "stft"]
METHODS = ["istft", "stft"]
