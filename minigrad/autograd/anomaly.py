"""Anomaly detection: find the forward line behind a NaN/inf gradient (a debugging aid).

While anomaly mode is on, every recorded node keeps the stack of the forward call
that created it (``Function._record``), and ``backward`` checks each gradient a
node returns: the first NaN or inf raises a RuntimeError naming the node
(``SqrtBackward0``) and the user's forward line. An error raised inside a node's
backward gets the same forward stack attached as a note. Recording stacks is slow:
anomaly mode is off by default; turn it on only to debug.

    with minigrad.autograd.detect_anomaly():
        loss = model(x).sum()
        loss.backward()    # RuntimeError: ... 'SqrtBackward0' returned nan values ...
"""
from __future__ import annotations

import functools
import os
import traceback

from .grad_mode import _State

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def is_anomaly_enabled() -> bool:
    return _State.anomaly


def is_anomaly_check_nan_enabled() -> bool:
    return _State.anomaly and _State.anomaly_check_nan


class detect_anomaly:
    """Context manager and decorator that turns anomaly detection on inside it.

    Args:
        check_nan: raise when a backward produces NaN or inf (default True); with False
            only the forward stacks are recorded (attached to errors raised in backward).
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = bool(check_nan)
        self._prev = []

    def __enter__(self):
        self._prev.append((_State.anomaly, _State.anomaly_check_nan))
        _State.anomaly, _State.anomaly_check_nan = True, self.check_nan
        return self

    def __exit__(self, *exc):
        _State.anomaly, _State.anomaly_check_nan = self._prev.pop()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """``set_detect_anomaly(mode, check_nan=True)``: switch anomaly detection on or off.

    Takes effect when called; used as a context manager it restores the previous
    setting on exit.
    """

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = (_State.anomaly, _State.anomaly_check_nan)
        _State.anomaly, _State.anomaly_check_nan = bool(mode), bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _State.anomaly, _State.anomaly_check_nan = self._prev
        return False


def forward_trace(node) -> str:
    """Where ``node`` was created: the last frames outside minigrad, formatted."""
    trace = node._trace
    if trace is None:
        return ("  (no forward stack recorded: enable anomaly detection before the forward pass "
                "to see where this op was created)\n")
    frames = [f for f in trace if not os.path.abspath(f.filename).startswith(_PKG_DIR + os.sep)]
    return "".join(traceback.format_list(frames[-6:] or trace[-6:]))


def check_grads(node, gxs):
    """Raise if a gradient returned by ``node`` holds NaN or inf (anomaly mode)."""
    for i, g in enumerate(gxs):
        data = getattr(g, "array", None)
        if data is None or data.dtype.kind != "f":
            continue
        xp = g.xp
        if bool(xp.isfinite(data).all()):
            continue
        what = "nan" if bool(xp.isnan(data).any()) else "inf"
        raise RuntimeError(
            f"Function '{node.name()}' returned {what} values in its {i}th output (the gradient "
            f"w.r.t. its input {i}, shape {tuple(data.shape)}). The forward call that created "
            f"this op (most recent call last):\n{forward_trace(node)}"
            "Look for a division by zero, log/sqrt/pow at 0 or of a negative number, or an "
            "overflow in that line."
        )


def annotate(err, node):
    """Attach where ``node`` was created to an error raised in its backward."""
    note = (f"Error detected in {node.name()}. The forward call that created it "
            f"(most recent call last):\n{forward_trace(node)}")
    if hasattr(err, "add_note"):
        err.add_note(note)


__all__ = [
    "detect_anomaly",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "set_detect_anomaly",
]
