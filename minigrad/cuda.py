"""``minigrad.cuda``: is CUDA usable, how many GPUs, wait for them (as ``torch.cuda``).

Everything here goes through :mod:`minigrad.backend`, the only module that imports
CuPy (lazily). On a machine without CuPy or without a GPU, ``is_available()`` is
False and nothing else changes.
"""
from __future__ import annotations

from . import backend


def is_available() -> bool:
    """True when CuPy is installed and sees at least one NVIDIA GPU."""
    return backend.cupy_available()


def device_count() -> int:
    """Number of visible GPUs (0 without CuPy)."""
    if not backend.cupy_available():
        return 0
    return int(backend._cupy.cuda.runtime.getDeviceCount())


def current_device() -> int:
    return int(backend.require_cuda().cuda.runtime.getDevice())


def set_device(index: int) -> None:
    backend.require_cuda().cuda.runtime.setDevice(int(index))


def get_device_name(index: int = 0) -> str:
    props = backend.require_cuda().cuda.runtime.getDeviceProperties(int(index))
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device=None) -> None:
    """Wait for all kernels on ``device`` (default: the current one) to finish."""
    cp = backend.require_cuda()
    dev = backend.device(device) if device is not None else None
    with cp.cuda.Device(dev.index or 0 if dev is not None else cp.cuda.runtime.getDevice()):
        cp.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seed CuPy's generator (``minigrad.manual_seed`` already does this too)."""
    if backend.cupy_available():
        backend._cupy.random.seed(int(seed) % (2**32))


manual_seed_all = manual_seed
