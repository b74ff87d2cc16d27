"""``finfo`` and ``iinfo``: the numerical limits of a dtype, with PyTorch's fields."""
from __future__ import annotations

import numpy as np

from . import dtypes as _dt


class finfo:
    """Limits of a floating dtype (default: the default dtype).

    Attributes:
        bits, eps, max, min, tiny (= smallest_normal), resolution, dtype (its name).
    """

    def __init__(self, type=None):
        d = _dt.get_default_dtype() if type is None else _dt.as_dtype(type)
        if not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        f = np.finfo(d.np)
        self.bits = int(f.bits)
        self.eps = float(f.eps)
        self.max = float(f.max)
        self.min = float(f.min)
        self.tiny = self.smallest_normal = float(f.smallest_normal)
        self.resolution = 10.0 ** -int(f.precision)  # exact decimal, as PyTorch reports it
        self.dtype = d.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer (or bool) dtype: ``bits``, ``max``, ``min``, ``dtype``."""

    def __init__(self, type):
        d = _dt.as_dtype(type)
        if d.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        if d.np.kind == "b":
            self.bits, self.min, self.max = 8, 0, 1
        else:
            i = np.iinfo(d.np)
            self.bits, self.min, self.max = int(i.bits), int(i.min), int(i.max)
        self.dtype = d.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
