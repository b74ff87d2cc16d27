"""PyTorch-like ``repr`` for tensors (the layout of ``torch/_tensor_str.py``).

One formatter per tensor decides the style from the (summarized) values: integers
as is; floats either "int mode" (``1.``, when every finite value is integral), fixed
``1.2346`` or scientific ``1.2346e+04`` (when the non-zero magnitudes span more than
1000x, exceed 1e8, or go below 1e-4). Every element is right-aligned to one width,
so negative numbers line up: ``tensor([ 1.3670, -1.2461])``.
"""
from __future__ import annotations

import math

import numpy as np

from .dtypes import is_floating_np as _isfloat
from . import backend
from . import dtypes as _dt

PRECISION = 4
THRESHOLD = 1000  # more elements than this are summarized with "..."
EDGEITEMS = 3
LINEWIDTH = 80
SCI_MODE = None  # None: chosen from the values; True/False: forced (set_printoptions)


class _Formatter:
    def __init__(self, a: np.ndarray):
        self.floating = _isfloat(a.dtype)
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = a.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.width = max(self.width, len(str(v)))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if vals.size == 0:
            return
        mags = np.abs(vals)
        lo, hi = mags.min(), mags.max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        spread = hi / lo > 1000.0 or hi > 1.0e8
        self.sci_mode = spread if self.int_mode else (spread or lo < 1.0e-4)
        if SCI_MODE is not None:
            self.sci_mode = bool(SCI_MODE)
        if self.sci_mode:
            fmt = f"{{:.{PRECISION}e}}"
            self.width = max(len(fmt.format(v)) for v in vals.tolist())
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in vals.tolist())
        else:
            fmt = f"{{:.{PRECISION}f}}"
            self.width = max(len(fmt.format(v)) for v in vals.tolist())

    def format(self, v) -> str:
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = f"{{:{self.width}.{PRECISION}e}}".format(v)
        elif self.int_mode:
            s = f"{v:.0f}"
            if not (math.isinf(v) or math.isnan(v)):
                s += "."
        else:
            s = f"{{:.{PRECISION}f}}".format(v)
        return " " * (self.width - len(s)) + s


def _summarized(a: np.ndarray) -> np.ndarray:
    """Only the edge items of every dimension (what a summarized repr shows)."""
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate([a[:EDGEITEMS], a[-EDGEITEMS:]]) if a.shape[0] > 2 * EDGEITEMS else a
    rows = list(range(EDGEITEMS)) + list(range(a.shape[0] - EDGEITEMS, a.shape[0])) \
        if a.shape[0] > 2 * EDGEITEMS else range(a.shape[0])
    return np.stack([_summarized(a[i]) for i in rows])


def _vector(a, indent, summarize, fmt):
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        data = [fmt.format(v) for v in a[:EDGEITEMS].tolist()] + [" ..."] + \
            [fmt.format(v) for v in a[-EDGEITEMS:].tolist()]
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _body(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    n = a.shape[0]
    if summarize and n > 2 * EDGEITEMS:
        parts = [_body(a[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)] + ["..."] + \
            [_body(a[i], indent + 1, summarize, fmt) for i in range(n - EDGEITEMS, n)]
    else:
        parts = [_body(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def tensor_repr(t) -> str:
    a = backend.as_numpy(t.array)
    if a.dtype == np.float16 or a.dtype.name == "bfloat16":
        a = a.astype(np.float32)
    prefix = "tensor("
    indent = len(prefix)
    name = _dt.from_numpy_dtype(t.array.dtype).name
    default = _dt.get_default_dtype().name
    suffixes = []
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append(f"size={tuple(a.shape)}")
        if name != default:
            suffixes.append(f"dtype=minigrad.{name}")
        body = "[]"
    else:
        if name not in (default, "int64", "bool"):
            suffixes.append(f"dtype=minigrad.{name}")
        summarize = a.size > THRESHOLD
        fmt = _Formatter(_summarized(a) if summarize else a)
        body = _body(a, indent, summarize, fmt)
    if t._ctx is not None:
        suffixes.append(f"grad_fn=<{t._ctx.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")

    out = prefix + body
    last = len(out) - out.rfind("\n") + 1
    for s in suffixes:  # a suffix that would overflow the line goes on its own line
        if last + len(s) + 2 > LINEWIDTH:
            out += ",\n" + " " * indent + s
            last = indent + len(s)
        else:
            out += ", " + s
            last += len(s) + 2
    return out + ")"


_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print, as ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: more elements than this are summarized with "..." (default 1000).
        edgeitems: items shown at each end of a summarized dim (default 3).
        linewidth: characters per line (default 80).
        profile: "default", "short" or "full" (sets the four above; given ones win).
        sci_mode: True/False forces scientific notation on/off; None chooses by value.
    """
    global PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH, SCI_MODE
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"Invalid profile {profile!r}: expected one of "
                             f"{sorted(_PROFILES)}")
        PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = _PROFILES[profile]
    if precision is not None:
        PRECISION = int(precision)
    if threshold is not None:
        THRESHOLD = threshold
    if edgeitems is not None:
        EDGEITEMS = int(edgeitems)
    if linewidth is not None:
        LINEWIDTH = int(linewidth)
    SCI_MODE = sci_mode
