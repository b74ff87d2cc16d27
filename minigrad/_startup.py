"""Flags, queries and small types programs touch at start-up, under PyTorch's top-level names.

Anomaly mode is minigrad's own (``minigrad.autograd.anomaly``); the warn-always flag is
recorded; the deterministic debug mode is the other face of
``use_deterministic_algorithms`` (minigrad's CPU kernels are deterministic already).
``Stream``/``Event`` are CPU objects as ``torch.cpu``'s: work runs in order on the CPU, so
``synchronize``/``wait`` return at once and an event records the time it was recorded.
"""
from __future__ import annotations

import time

from . import _settings
from .autograd.grad_mode import _State

__all__ = ["set_anomaly_enabled", "is_anomaly_enabled", "is_anomaly_check_nan_enabled",
           "set_warn_always", "is_warn_always_enabled", "set_deterministic_debug_mode",
           "get_deterministic_debug_mode", "is_inference_mode_enabled", "init_num_threads",
           "get_device_module", "OutOfMemoryError", "AcceleratorError", "Stream", "Event"]

_flags = {"warn_always": False}


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection (``autograd.detect_anomaly``) on or off for the process."""
    _State.anomaly, _State.anomaly_check_nan = bool(enabled), bool(check_nan)


def is_anomaly_enabled() -> bool:
    return _State.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    return _State.anomaly and _State.anomaly_check_nan


def set_warn_always(b: bool) -> None:
    """Record whether warnings PyTorch issues once should be issued every time (minigrad's
    warnings go through Python's ``warnings`` filters, which decide that)."""
    _flags["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    return _flags["warn_always"]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode) -> None:
    """``'default'``/0, ``'warn'``/1 or ``'error'``/2: the same switch as
    ``use_deterministic_algorithms`` (off; on with ``warn_only``; on)."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, "
                               f"`warn`, `error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    elif isinstance(debug_mode, bool) or not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode == 0:
        _settings.use_deterministic_algorithms(False)
    elif debug_mode == 1:
        _settings.use_deterministic_algorithms(True, warn_only=True)
    elif debug_mode == 2:
        _settings.use_deterministic_algorithms(True)
    else:
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")


def get_deterministic_debug_mode() -> int:
    if not _settings.are_deterministic_algorithms_enabled():
        return 0
    return 1 if _settings.is_deterministic_algorithms_warn_only_enabled() else 2


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (minigrad runs it as ``no_grad``)."""
    return _State.inference


def init_num_threads() -> None:
    """Nothing to propagate: minigrad's thread-pool size is process-wide."""


def get_device_module(device=None):
    """``minigrad.cuda`` for a CUDA device, ``minigrad.cpu`` for the CPU; with no device,
    the module of the default device."""
    import minigrad

    from . import backend

    if device is None:
        kind = backend.default_device().type
    elif isinstance(device, str) and ":" not in device and device in ("cpu", "cuda"):
        kind = device
    else:
        kind = backend.device(device).type
    if kind == "cuda":
        return minigrad.cuda
    if kind == "cpu":
        return minigrad.cpu
    raise RuntimeError(f"Device '{kind}' does not have a corresponding module registered as "
                       f"'torch.{kind}'.")


class OutOfMemoryError(RuntimeError):
    """Raised when a device runs out of memory (``torch.OutOfMemoryError``)."""


class AcceleratorError(RuntimeError):
    """An error reported by the accelerator's runtime (``torch.AcceleratorError``)."""


class Stream:
    """A CPU stream: operations run in program order, so it is always complete.

    Args:
        device: the device (``'cpu'``).
        priority: accepted and recorded.
    """

    def __init__(self, device=None, priority: int = 0):
        from . import backend

        self.device = backend.device("cpu" if device is None else device)
        self.priority = int(priority)

    def query(self) -> bool:
        return True

    def synchronize(self) -> None:
        pass

    def wait_stream(self, stream) -> None:
        pass

    def wait_event(self, event) -> None:
        pass

    def record_event(self, event=None):
        event = Event() if event is None else event
        event.record(self)
        return event

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return f"torch.Stream device_type={self.device.type}, priority={self.priority}"


class Event:
    """A CPU event: ``record`` notes the time; ``elapsed_time`` gives milliseconds between
    two recorded events when both were made with ``enable_timing=True``."""

    def __init__(self, device=None, *, enable_timing: bool = False, blocking: bool = False,
                 interprocess: bool = False):
        from . import backend

        self.device = backend.device("cpu" if device is None else device)
        self.enable_timing = bool(enable_timing)
        self._time = None

    def record(self, stream=None) -> None:
        self._time = time.perf_counter()

    def query(self) -> bool:
        return True

    def synchronize(self) -> None:
        pass

    def wait(self, stream=None) -> None:
        pass

    def elapsed_time(self, end_event) -> float:
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if self._time is None or end_event._time is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        return (end_event._time - self._time) * 1000.0


def is_storage(obj) -> bool:
    """False: minigrad has no Storage objects (a tensor owns its NumPy/CuPy array)."""
    return False
