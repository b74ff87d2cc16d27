"""``torch.accelerator``: the one accelerator minigrad knows, CUDA through CuPy.

Programs written for any accelerator ask here first (``current_accelerator()``); every
query forwards to :mod:`minigrad.cuda`.
"""
from __future__ import annotations

import contextlib

from . import backend, cuda

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "current_device_idx", "set_device_index", "set_device_idx", "device_index",
           "synchronize", "empty_cache", "memory_allocated", "max_memory_allocated",
           "memory_reserved", "max_memory_reserved", "reset_peak_memory_stats",
           "get_memory_info"]


def is_available() -> bool:
    """True when a CUDA GPU is usable (CuPy installed and a device visible)."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False):
    """``device('cuda')`` when CuPy can run, else None (minigrad supports no other)."""
    return backend.Device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()


def current_device_index() -> int:
    return cuda.current_device()


def set_device_index(device) -> None:
    cuda.set_device(backend.device(device).index or 0 if not isinstance(device, int)
                    else device)


current_device_idx = current_device_index
set_device_idx = set_device_index


@contextlib.contextmanager
def device_index(device: int | None):
    """Make ``device`` the current GPU inside the block (None: leave it)."""
    if device is None:
        yield
        return
    previous = cuda.current_device()
    cuda.set_device(device)
    try:
        yield
    finally:
        cuda.set_device(previous)


def synchronize(device=None) -> None:
    cuda.synchronize(device)


def empty_cache() -> None:
    cuda.empty_cache()


def memory_allocated(device_index=None) -> int:
    return cuda.memory_allocated(device_index)


def max_memory_allocated(device_index=None) -> int:
    return cuda.max_memory_allocated(device_index)


def memory_reserved(device_index=None) -> int:
    return cuda.memory_reserved(device_index)


def max_memory_reserved(device_index=None) -> int:
    return cuda.max_memory_reserved(device_index)


def reset_peak_memory_stats(device_index=None) -> None:
    cuda.reset_peak_memory_stats(device_index)


def get_memory_info(device_index=None) -> tuple[int, int]:
    return cuda.mem_get_info(device_index)
