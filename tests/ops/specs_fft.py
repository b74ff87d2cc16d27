"""Specs for the real-valued part of torch.fft (minigrad/fft.py: fftshift, ifftshift) and
the spectral ops that need complex numbers (minigrad/ops/spectral.py, which raise)."""
import numpy as np

import minigrad as mg

from .specs import OpSpec


def _tfft():
    import torch

    return torch.fft


SPECS = [
    OpSpec("fftshift", lambda a: mg.fft.fftshift(a), np.fft.fftshift,
           [((5,),), ((3, 4),), ((2, 3, 5),)], torch_fn=lambda a: _tfft().fftshift(a)),
    OpSpec("fftshift", lambda a: mg.fft.fftshift(a, dim=(-1, 0)),
           lambda a: np.fft.fftshift(a, axes=(-1, 0)), [((3, 5),), ((2, 3, 5),)],
           id="fftshift_dims", torch_fn=lambda a: _tfft().fftshift(a, dim=(-1, 0))),
    OpSpec("ifftshift", lambda a: mg.fft.ifftshift(a, 1), lambda a: np.fft.ifftshift(a, 1),
           [((3, 5),), ((2, 3, 5),)], torch_fn=lambda a: _tfft().ifftshift(a, 1)),
]

NOT_DIFFERENTIABLE = {
    "stft": "not supported: complex result (raises NotImplementedError)",
    "istft": "not supported: complex input (raises NotImplementedError)",
}
