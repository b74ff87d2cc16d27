"""Specs for the real-valued part of torch.fft (minigrad/fft.py: fftshift, ifftshift) and
stft's real form (return_complex=False; minigrad/ops/spectral.py)."""
import warnings

import numpy as np

import minigrad as mg

from .specs import OpSpec


def _tfft():
    import torch

    return torch.fft


def _quiet(fn, *args, **kw):
    """stft(return_complex=False) warns that the form is deprecated (as PyTorch does)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kw)


def _np_stft(x, n_fft, hop, w):
    """Frames of the reflect-padded signal, windowed, through numpy.fft.rfft."""
    xp = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)], mode="reflect")
    idx = np.arange(0, xp.shape[-1] - n_fft + 1, hop)[:, None] + np.arange(n_fft)
    spec = np.fft.rfft(xp[..., idx] * w, axis=-1)  # (..., frames, freqs)
    return np.swapaxes(np.stack([spec.real, spec.imag], -1), -3, -2)


HANN8 = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(8) / 8)

SPECS = [
    OpSpec("stft", lambda a: _quiet(mg.stft, a, 8, 3, window=mg.tensor(HANN8).to(a.dtype),
                                    return_complex=False),
           lambda a: _np_stft(a, 8, 3, HANN8), [((20,),), ((2, 13),)],
           torch_fn=lambda a: _quiet(__import__("torch").stft, a, 8, 3, window=__import__(
               "torch").tensor(HANN8), return_complex=False)),
    OpSpec("stft", lambda a, w: _quiet(mg.stft, a, 8, 2, 6, w, center=False, normalized=True,
                                       onesided=False, return_complex=False),
           None, [((2, 14), (6,))], id="stft_window_grad_twosided",
           torch_fn=lambda a, w: _quiet(__import__("torch").stft, a, 8, 2, 6, w, center=False,
                                        normalized=True, onesided=False,
                                        return_complex=False)),
    OpSpec("fftshift", lambda a: mg.fft.fftshift(a), np.fft.fftshift,
           [((5,),), ((3, 4),), ((2, 3, 5),)], torch_fn=lambda a: _tfft().fftshift(a)),
    OpSpec("fftshift", lambda a: mg.fft.fftshift(a, dim=(-1, 0)),
           lambda a: np.fft.fftshift(a, axes=(-1, 0)), [((3, 5),), ((2, 3, 5),)],
           id="fftshift_dims", torch_fn=lambda a: _tfft().fftshift(a, dim=(-1, 0))),
    OpSpec("ifftshift", lambda a: mg.fft.ifftshift(a, 1), lambda a: np.fft.ifftshift(a, 1),
           [((3, 5),), ((2, 3, 5),)], torch_fn=lambda a: _tfft().ifftshift(a, 1)),
]

NOT_DIFFERENTIABLE = {
    "istft": "not supported: complex input (raises NotImplementedError)",
    "view_as_real": "complex input only: raises for real tensors, as PyTorch",
}
