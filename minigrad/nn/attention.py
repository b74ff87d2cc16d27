"""``torch.nn.attention``: choosing the kernel behind ``scaled_dot_product_attention``.

PyTorch has several implementations (flash, memory-efficient, cuDNN, plain math) and lets
a program restrict which may run. minigrad has one, built from its own ops (the "math"
one), so the selectors are accepted and checked, and the context manager records the
choice (``current_backends()``) without changing what runs.
"""
from __future__ import annotations

import contextlib
import enum
import threading

__all__ = ["SDPBackend", "sdpa_kernel", "current_backends"]


class SDPBackend(enum.IntEnum):
    """The attention kernels PyTorch knows, with PyTorch's values."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_ALL = (SDPBackend.MATH, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION,
        SDPBackend.CUDNN_ATTENTION, SDPBackend.OVERRIDEABLE)
_state = threading.local()


def current_backends() -> tuple[SDPBackend, ...]:
    """The backends the innermost ``sdpa_kernel`` allows (all of them outside one)."""
    return getattr(_state, "backends", _ALL)


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority: bool = False):
    """Allow only ``backends`` for ``scaled_dot_product_attention`` inside the block.

    Args:
        backends: one ``SDPBackend`` or a list of them.
        set_priority: accepted as in PyTorch (the list's order is its priority).

    Raises:
        TypeError: a selector that is not an ``SDPBackend``.
    """
    chosen = [backends] if isinstance(backends, SDPBackend) else list(backends)
    for b in chosen:
        if not isinstance(b, SDPBackend):
            raise TypeError(f"sdpa_kernel: backends must be instances of SDPBackend, got "
                            f"{type(b).__name__}")
    previous = current_backends()
    _state.backends = tuple(chosen)
    try:
        yield
    finally:
        _state.backends = previous
