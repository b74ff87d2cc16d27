"""dtypes with PyTorch's names, defaults and type-promotion rules.

A ``DType`` wraps a NumPy dtype. Promotion follows PyTorch, not NumPy: Python
floats are float32 (the default dtype), ints are int64, an int tensor combined
with a float scalar gives float32, and a 0-d tensor or a Python scalar never
widens a dimensioned tensor of the same category (float32 * 0-d float64 stays
float32).
"""
from __future__ import annotations

import numpy as np


class DType:
    """A tensor element type (``minigrad.float32`` ...)."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_cat")

    def __init__(self, name: str, np_dtype, cat: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = cat == 2
        self.is_signed = self.np.kind in "if" or cat == 2  # ml_dtypes' bfloat16 has kind "V"
        self.itemsize = self.np.itemsize
        self._cat = cat  # 0 bool, 1 integer, 2 floating

    def __repr__(self):
        return f"minigrad.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


bool_ = DType("bool", np.bool_, 0)
uint8 = DType("uint8", np.uint8, 1)
int8 = DType("int8", np.int8, 1)
int16 = DType("int16", np.int16, 1)
int32 = DType("int32", np.int32, 1)
int64 = DType("int64", np.int64, 1)
float16 = DType("float16", np.float16, 2)
float32 = DType("float32", np.float32, 2)
float64 = DType("float64", np.float64, 2)

half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

_ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NP = {d.np: d for d in _ALL}
_NAMES = {d.name: d for d in _ALL}
_NAMES.update(half=float16, float=float32, double=float64, short=int16, int=int32, long=int64)

_default_float = float32


def _by_name(name):
    return _NAMES[name] if name != "bfloat16" else bfloat16_dtype()


_bfloat16 = None


def bfloat16_dtype() -> DType:
    """``minigrad.bfloat16``: NumPy has no bfloat16, so it comes from the optional ``ml_dtypes``
    package (extra ``bfloat16``), registered on first use."""
    global _bfloat16
    if _bfloat16 is None:
        try:
            import ml_dtypes
        except ImportError:
            raise ImportError(
                "torch.bfloat16 needs the optional package ml_dtypes (NumPy has no bfloat16): "
                "pip install 'minigrad[bfloat16]'") from None
        d = DType("bfloat16", ml_dtypes.bfloat16, 2)
        _FROM_NP[d.np] = d
        _NAMES["bfloat16"] = d
        _bfloat16 = d
    return _bfloat16


def get_default_dtype() -> DType:
    """The dtype Python floats and float factories produce (float32 unless changed)."""
    return _default_float


def set_default_dtype(d) -> None:
    """Set the default floating dtype (float32 or float64), as ``torch.set_default_dtype``."""
    global _default_float
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def from_numpy_dtype(npd) -> DType:
    """The DType for a NumPy dtype; TypeError for types minigrad does not support."""
    try:
        return _FROM_NP[npd]
    except KeyError:
        d = np.dtype(npd)
        if d in _FROM_NP:
            return _FROM_NP[d]
        if d.name == "bfloat16":  # an ml_dtypes array met before minigrad.bfloat16 was named
            return bfloat16_dtype()
        raise TypeError(
            f"unsupported dtype {d}: minigrad supports "
            + ", ".join(x.name for x in _ALL)
        ) from None


def as_dtype(d) -> DType:
    """Accept a DType, a NumPy dtype/type, a Python type or a name; return a DType."""
    if isinstance(d, DType):
        return d
    if d is builtins_float:
        return _default_float
    if d is builtins_int:
        return int64
    if d is builtins_bool:
        return bool_
    if isinstance(d, str) and d == "bfloat16":
        return bfloat16_dtype()
    if isinstance(d, str) and d in _NAMES:
        return _NAMES[d]
    try:
        return from_numpy_dtype(np.dtype(d))
    except TypeError as e:
        raise TypeError(f"cannot interpret {d!r} as a minigrad dtype") from e


import builtins as _b  # noqa: E402

builtins_float, builtins_int, builtins_bool = _b.float, _b.int, _b.bool


def _promote_np(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promote_types for two NumPy dtypes of our supported set."""
    if a == b:
        return a
    ca, cb = _FROM_NP[a]._cat, _FROM_NP[b]._cat
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def result_type(*operands) -> np.dtype:
    """PyTorch's result_type over tensors (anything with ``.array``) and Python scalars.

    Three priority levels: dimensioned tensors, 0-d tensors, Python scalars; a lower
    level only matters when it brings a higher category (bool < int < float).
    """
    levels = [None, None, None]
    for x in operands:
        data = getattr(x, "array", None)
        if data is not None and hasattr(data, "dtype"):
            lvl, dt = (0 if data.ndim else 1), data.dtype
        elif isinstance(x, _b.bool):
            lvl, dt = 2, np.dtype(np.bool_)
        elif isinstance(x, _b.int):
            lvl, dt = 2, np.dtype(np.int64)
        elif isinstance(x, _b.float):
            lvl, dt = 2, _default_float.np
        else:
            raise TypeError(f"unsupported operand of type {type(x).__name__}")
        levels[lvl] = dt if levels[lvl] is None else _promote_np(levels[lvl], dt)
    return _combine(levels[0], _combine(levels[1], levels[2]))


def _combine(higher, lower):
    if higher is None:
        return lower
    if lower is None:
        return higher
    # a lower level wins only by bringing a higher category (int tensor * 2.5 -> float32)
    return higher if _FROM_NP[higher]._cat >= _FROM_NP[lower]._cat else lower


def is_floating_np(npd) -> bool:
    """Whether a NumPy dtype is floating: kind "f", or ml_dtypes' bfloat16 (whose kind is "V")."""
    return npd.kind == "f" or (npd.kind == "V" and npd.name == "bfloat16")
