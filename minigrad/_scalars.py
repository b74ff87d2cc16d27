"""Python numbers converted to a tensor's dtype the two ways PyTorch does.

* In arithmetic and comparisons (``uint8_tensor + 300``, ``int8_tensor == 300``), a Python
  int is read as a 64-bit integer and wrapped to the tensor's dtype (``+ 300`` adds 44 to a
  uint8), and a float beyond a float dtype's range becomes inf: :func:`wrapped`.
* Where the number is stored as a value of that dtype (``fill_``, ``full``, ``clamp``
  bounds, ``masked_fill``, ``where``, ``index_fill``, ``add``'s ``alpha``, an integer
  ``pow``'s exponent, ``tensor(..., dtype=)``), a value that does not fit raises
  ``RuntimeError: value cannot be converted to type uint8_t without overflow``; unsigned
  types accept negatives down to -max (they wrap: ``fill_(-1)`` gives 255):
  :func:`checked`.

Ints beyond 64 bits raise ``OverflowError`` in both, as PyTorch's argument parser does.
"""
from __future__ import annotations

import math

import numpy as np

_U64 = 1 << 64
# PyTorch's C type names in its overflow message (``tensor()`` uses the dtype's own name)
_C_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t", "float16": "c10::Half", "float32": "float",
            "float64": "double", "bfloat16": "c10::BFloat16"}
_INT_RANGE = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
              for t in ("uint8", "int8", "int16", "int32", "int64")}
_FLOAT_MAX = {np.dtype(t): float(np.finfo(t).max) for t in ("float16", "float32")}


def _int64_bits(v: int) -> int:
    if not -(1 << 63) <= v < _U64:
        raise OverflowError("int too big to convert" if v > 0 else
                            "can't convert negative int to unsigned")
    return v


def wrapped(v, dtype: np.dtype):
    """``v`` (a Python int or float) as PyTorch's arithmetic reads it for ``dtype``."""
    rng = _INT_RANGE.get(dtype)
    if rng is not None and type(v) is int:
        if rng[0] <= v <= rng[1]:
            return v
        # two's complement modulo 2**bits, through uint64
        return np.array(_int64_bits(v) % _U64, dtype=np.uint64).astype(dtype).item()
    if type(v) is int:
        _int64_bits(v)
    fmax = _FLOAT_MAX.get(dtype)
    if fmax is not None and type(v) in (int, float) and abs(v) > fmax:  # nan stays nan
        return math.copysign(math.inf, v)
    return v


def checked(v, dtype: np.dtype, c_name: bool = True):
    """``v`` stored as a value of ``dtype``, or PyTorch's overflow RuntimeError. ``c_name``:
    the message names the C type (``uint8_t``), else the dtype (``tensor()``'s form)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return v
    dtype = np.dtype(dtype)
    rng = _INT_RANGE.get(dtype)
    if rng is not None:
        lo, hi = rng
        if type(v) is int:
            _int64_bits(v)
            if lo == 0:
                lo = -hi  # unsigned: negatives wrap, down to -max
            ok = lo <= v <= hi
        else:
            ok = lo <= v <= hi  # nan fails
        if ok:
            return v
    else:
        fmax = _FLOAT_MAX.get(dtype)
        if fmax is None or not math.isfinite(v) or abs(v) <= fmax:
            return v
    name = _C_NAMES.get(dtype.name, dtype.name) if c_name else dtype.name
    raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def stored(v, dtype: np.dtype, fill: bool = False):
    """:func:`checked`, then the value as NumPy stores it (an unsigned type's negative
    wrapped: -1 in uint8 is 255). ``fill``: ``fill_``/``full``, which give inf for a float
    beyond float16 (PyTorch checks float16 only elsewhere)."""
    dtype = np.dtype(dtype)
    if fill and dtype == np.float16 and type(v) in (int, float):
        return wrapped(v, dtype)
    v = checked(v, dtype)
    if type(v) is int and v < 0 and np.dtype(dtype).kind == "u":
        return v % (int(np.iinfo(dtype).max) + 1)
    return v


def checked_array(data, dtype: np.dtype) -> np.ndarray:
    """Python data (nested lists of numbers) as an array of ``dtype``, with ``tensor()``'s
    checks: an int or float that does not fit an integer dtype raises PyTorch's overflow
    RuntimeError (unsigned types take negative ints down to -max, wrapped), floats beyond
    float16/float32 become inf silently."""
    raw = np.array(data)
    if raw.dtype.kind not in "iuf" or raw.dtype == np.uint64 or dtype.kind not in "iuf":
        return np.array(data, dtype=dtype)  # bools, objects, > 64-bit ints: NumPy's rules
    rng = _INT_RANGE.get(dtype)
    if rng is not None and raw.size:
        lo, hi = rng
        if lo == 0 and raw.dtype.kind in "iu":
            lo = -hi
        if not (lo <= raw.min() and raw.max() <= hi):  # a nan fails too
            raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
    with np.errstate(over="ignore"):
        return raw.astype(dtype)
