"""PyTorch-like ``repr`` for tensors."""
from __future__ import annotations

import numpy as np

from . import backend
from . import dtypes as _dt

_DEFAULT_SHOWN = ("float32", "int64", "bool")


def tensor_repr(t) -> str:
    a = backend.as_numpy(t.data)
    prefix = "tensor("
    if a.dtype.kind == "f":
        finite = a[np.isfinite(a)]
        integral = finite.size > 0 and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8
        if integral or a.size == 0:
            fmt = {"float_kind": lambda v: _int_float(v)}
        else:
            big = finite.size and (np.abs(finite).max() >= 1e8 or np.abs(finite[finite != 0]).min(initial=1) < 1e-4)
            fmt = {"float_kind": (lambda v: f"{v:.4e}") if big else (lambda v: f"{v:.4f}")}
        body = np.array2string(a, separator=", ", prefix=prefix, formatter=fmt, threshold=1000, edgeitems=3)
    else:
        body = np.array2string(a, separator=", ", prefix=prefix, threshold=1000, edgeitems=3)
        if a.dtype.kind == "b":
            body = body.replace("True", " True").replace("False", "False").replace("[ True", "[True")
    extras = []
    dev = t.device
    if dev.type != "cpu":
        extras.append(f"device='{dev}'")
    name = _dt.from_numpy_dtype(a.dtype).name
    if a.size == 0 and a.ndim > 1:
        extras.insert(0, f"size={tuple(a.shape)}")
    if name not in _DEFAULT_SHOWN or (a.size == 0 and name != "float32"):
        extras.append(f"dtype=minigrad.{name}")
    if t._ctx is not None:
        extras.append(f"grad_fn=<{t._ctx.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"


def _int_float(v):
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{int(v)}."
