"""Process-wide switches programs set at start-up, under PyTorch's top-level names.

``set_default_device``/``get_default_device`` choose where factories put new tensors;
``set_num_threads`` sizes minigrad's thread pool. The matmul precision and determinism
switches are recorded and reported back: minigrad's CPU kernels are deterministic and
compute float32 products in float32 (NumPy's BLAS has no TF32), so nothing changes.
"""
from __future__ import annotations

from . import backend
from ._threads import get_num_threads, set_num_threads

__all__ = ["set_default_device", "get_default_device", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_num_threads", "get_num_threads", "set_num_interop_threads",
           "get_num_interop_threads"]

_PRECISIONS = ("highest", "high", "medium")
_state = {"matmul_precision": "highest", "deterministic": False, "warn_only": False,
          "interop_threads": 1}


def set_default_device(device) -> None:
    """Create tensors on ``device`` when a factory gets no ``device=`` (None resets)."""
    backend.set_default_device(device)


def get_default_device() -> backend.Device:
    """The device factories use when given none."""
    return backend.default_device()


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``'highest'``, ``'high'`` or ``'medium'`` (minigrad always computes at
    ``'highest'``: float32 products in float32)."""
    if precision not in _PRECISIONS:
        raise RuntimeError(f"Invalid precision {precision!r}: expected one of {_PRECISIONS}")
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _state["matmul_precision"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the request; minigrad's kernels are deterministic on the CPU already."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms: mode must be a bool, got "
                        f"{type(mode).__name__}")
    _state["deterministic"], _state["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _state["warn_only"]


def set_num_interop_threads(n: int) -> None:
    """Record the value (minigrad runs no inter-op thread pool)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise RuntimeError(f"set_num_interop_threads: expected a positive number, got {n!r}")
    _state["interop_threads"] = n


def get_num_interop_threads() -> int:
    return _state["interop_threads"]
