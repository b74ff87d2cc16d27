"""Grad mode: whether ops record themselves on the tape.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and
as decorators, as in PyTorch. The flag is process-global (PyTorch's is per thread).
"""
from __future__ import annotations

import functools


class _GradState:
    """The process-wide autograd switches (an instance with slots: read on every op)."""

    __slots__ = ("enabled", "anomaly", "anomaly_check_nan", "recorder", "inference")

    def __init__(self):
        self.enabled = True
        # A program recorder (minigrad.compile sets it while tracing; the core never imports
        # it). Code whose effect is not array computation, like an optimizer step that reads
        # a Python step count, hands itself to ``recorder.opaque(fn, *args)`` when it is set;
        # every op recorded on the tape is announced as ``recorder.function(ctx, args,
        # kwargs, out)`` (the op-level capture that ONNX export reads).
        self.recorder = None
        self.anomaly = False  # set by autograd.detect_anomaly / set_detect_anomaly
        self.anomaly_check_nan = True
        self.inference = False  # inside inference_mode() (torch.is_inference_mode_enabled)


_State = _GradState()


def is_grad_enabled() -> bool:
    return _State.enabled


class _GradModeContext:
    """Base for the grad-mode context managers; also usable as a decorator."""

    _mode = True

    def __new__(cls, *args, **kwargs):
        # ``@no_grad`` without parentheses, as PyTorch allows
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]) and not kwargs:
            return cls()(args[0])
        return super().__new__(cls)

    def __enter__(self):
        self._prev = _State.enabled
        _State.enabled = self._mode

    def __exit__(self, *exc):
        _State.enabled = self._prev
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _State.enabled
            _State.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _State.enabled = prev

        return wrapper


class no_grad(_GradModeContext):
    """Disable recording: results of ops inside have ``requires_grad=False``."""

    _mode = False


class enable_grad(_GradModeContext):
    """Re-enable recording inside a ``no_grad`` block."""

    _mode = True


class inference_mode(_GradModeContext):
    """``inference_mode(mode=True)``: as ``no_grad`` (minigrad has no inference tensors)."""

    def __init__(self, mode: bool = True):
        self._mode = not mode
        self._inference = bool(mode)

    def __enter__(self):
        self._prev_inference = _State.inference
        _State.inference = self._inference
        return super().__enter__()

    def __exit__(self, *exc):
        _State.inference = self._prev_inference
        return super().__exit__(*exc)

    def __call__(self, fn):
        inner = super().__call__(fn)
        flag = self._inference

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _State.inference
            _State.inference = flag
            try:
                return inner(*args, **kwargs)
            finally:
                _State.inference = prev

        return wrapper


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(mode)``: switch recording on or off.

    Takes effect immediately when called (as in PyTorch), and restores the
    previous mode when used as a context manager that exits.
    """

    def __init__(self, mode: bool):
        self._prev = _State.enabled
        self._mode = bool(mode)
        _State.enabled = self._mode

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _State.enabled = self._prev
        return False

    def __call__(self, fn):
        _State.enabled = self._prev  # used as a decorator: switching now was premature
        return super().__call__(fn)
