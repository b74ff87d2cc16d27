"""``torch.testing``: ``assert_close`` and ``make_tensor``, with PyTorch's defaults.

``assert_close(actual, expected)`` passes when, element-wise,
``|actual - expected| <= atol + rtol * |expected|`` (NaNs equal only with ``equal_nan``),
after checking shape, dtype and device. Tolerances default per dtype as in PyTorch
(float16 1e-3/1e-5, float32 1.3e-6/1e-5, float64 1e-7/1e-7, exact otherwise); when the
two dtypes differ (``check_dtype=False``) the looser of the two applies. Sequences and
mappings are compared item by item, and a failure names the item.
"""
from __future__ import annotations

import collections.abc as abc
import math

import numpy as np

from . import backend
from . import dtypes as _dt
from .creation import tensor as _tensor
from .tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

# (rtol, atol) by dtype name; anything not listed (integers, bool) compares exactly
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5),
               "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


class _Mismatch(AssertionError):
    pass


def _default_tol(*dtypes) -> tuple[float, float]:
    tols = [_TOLERANCES.get(d.name, (0.0, 0.0)) for d in dtypes]
    return max(t[0] for t in tols), max(t[1] for t in tols)


def _fmt_index(idx) -> str:
    return "(" + ", ".join(str(int(i)) for i in idx) + ("," if len(idx) == 1 else "") + ")"


def _compare_values(a: np.ndarray, e: np.ndarray, rtol, atol, equal_nan, scalar, exact):
    """Raise _Mismatch with PyTorch's report when ``a`` and ``e`` are not close."""
    kind = np.result_type(a, e).kind
    if kind in "fc":
        a64, e64 = a.astype(np.result_type(a, e)), e.astype(np.result_type(a, e))
    else:  # integers and bools: differences in int64, so uint8 0 - 1 is -1, not 255
        a64, e64 = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        close = np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan) \
            if kind in "fc" else a64 == e64
        if close.all():
            return
        diff = np.abs(a64 - e64)
        rel = diff / np.abs(e64)
        if kind not in "fc":  # PyTorch reports integer relative differences in float32
            rel = rel.astype(np.float32)
    what = "equal" if exact else "close"
    allowed = (lambda t: "") if exact else (lambda t: f" (up to {t} allowed)")
    if scalar:
        raise _Mismatch(f"Scalars are not {what}!\n\nExpected {e64.item()} but got "
                        f"{a64.item()}.\nAbsolute difference: {diff.item()}{allowed(atol)}\n"
                        f"Relative difference: {float(rel)}{allowed(rtol)}")
    bad = ~close
    n_bad, n = int(bad.sum()), close.size
    diff_m = np.where(bad, diff, -np.inf) if kind in "fc" else np.where(bad, diff, -1)
    rel_m = np.where(bad, rel, -np.inf)
    ia = np.unravel_index(np.nanargmax(diff_m) if not np.isnan(diff_m).all() else 0, diff.shape)
    ir = np.unravel_index(np.nanargmax(rel_m) if not np.isnan(rel_m).all() else 0, rel.shape)
    raise _Mismatch(
        f"Tensor-likes are not {what}!\n\nMismatched elements: {n_bad} / {n} "
        f"({100 * n_bad / n:.1f}%)\n"
        f"Greatest absolute difference: {diff[ia].item()} at index {_fmt_index(ia)}"
        f"{allowed(atol)}\n"
        f"Greatest relative difference: {float(rel[ir])} at index {_fmt_index(ir)}"
        f"{allowed(rtol)}")


def _as_tensor_like(x):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return _tensor(x)
    return None


def _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype,
             allow_subclasses):
    is_num = lambda v: isinstance(v, (bool, int, float)) and not isinstance(v, np.ndarray)  # noqa
    if is_num(actual) and is_num(expected):
        if check_dtype and type(actual) is not type(expected) and not allow_subclasses:
            raise _Mismatch(f"The values for attribute 'type' do not match: "
                            f"{type(actual)} != {type(expected)}.")
        floating = isinstance(actual, float) or isinstance(expected, float)
        if rtol is None:
            rtol, atol = (1e-7, 1e-7) if floating else (0.0, 0.0)
        if floating and math.isnan(actual) and math.isnan(expected) and equal_nan:
            return
        _compare_values(np.asarray(actual), np.asarray(expected), rtol, atol, equal_nan,
                        scalar=True, exact=not floating and rtol == 0 and atol == 0)
        return
    a, e = _as_tensor_like(actual), _as_tensor_like(expected)
    if a is not None and e is not None and (type(actual) is type(expected) or allow_subclasses):
        if a.shape != e.shape:
            raise _Mismatch(f"The values for attribute 'shape' do not match: {a.shape} != "
                            f"{e.shape}.")
        if check_device and a.device != e.device:
            raise _Mismatch(f"The values for attribute 'device' do not match: {a.device} != "
                            f"{e.device}.")
        if check_dtype and a.dtype != e.dtype:
            raise _Mismatch(f"The values for attribute 'dtype' do not match: {a.dtype} != "
                            f"{e.dtype}.")
        if rtol is None:
            rtol, atol = _default_tol(a.dtype, e.dtype)
        _compare_values(backend.as_numpy(a.array), backend.as_numpy(e.array), rtol, atol,
                        equal_nan, scalar=a.ndim == 0,
                        exact=rtol == 0 and atol == 0)
        return
    if isinstance(actual, abc.Mapping) and isinstance(expected, abc.Mapping):
        if set(actual) != set(expected):
            raise _Mismatch(f"The keys of the mappings do not match:\nMissing keys in the "
                            f"actual mapping: {sorted(map(repr, set(expected) - set(actual)))}"
                            f"\nExtra keys in the actual mapping: "
                            f"{sorted(map(repr, set(actual) - set(expected)))}")
        items = [(k, actual[k], expected[k]) for k in expected]
    elif isinstance(actual, abc.Sequence) and isinstance(expected, abc.Sequence) and \
            not isinstance(actual, (str, bytes)) and not isinstance(expected, (str, bytes)):
        if len(actual) != len(expected):
            raise _Mismatch(f"The length of the sequences mismatch: {len(actual)} != "
                            f"{len(expected)}")
        items = list(zip(range(len(expected)), actual, expected))
    else:
        raise TypeError(f"No comparison pair was able to handle inputs of type "
                        f"{type(actual)} and {type(expected)}.")
    for key, x, y in items:
        try:
            _compare(x, y, rtol, atol, equal_nan, check_device, check_dtype, allow_subclasses)
        except _Mismatch as err:
            text, sep, path = str(err).partition("\n\nThe failure occurred for item ")
            path = f"[{key!r}]" + (path if sep else "")
            raise _Mismatch(f"{text}\n\nThe failure occurred for item {path}") from None


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg=None) -> None:
    """Assert that ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``.

    Args:
        actual, expected: Tensors, NumPy arrays, Python numbers, or sequences/mappings of
            them (compared item by item).
        rtol, atol: relative and absolute tolerance; give both or neither (default: by
            dtype, see the module docstring).
        equal_nan: NaNs in the same places count as equal.
        check_device, check_dtype: also require equal devices / dtypes.
        allow_subclasses, check_layout, check_stride: as in PyTorch (minigrad tensors are
            always strided and compared by value).
        msg: replaces the report: a string, or a callable taking the generated report.

    Raises:
        AssertionError: the inputs differ, with the mismatch count and the greatest
            absolute and relative differences.
        ValueError: only one of ``rtol``/``atol`` was given.
        TypeError: the inputs can't be compared with each other.
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    try:
        _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype,
                 allow_subclasses)
    except _Mismatch as err:
        text = str(err)
        if msg is not None:
            text = msg(text) if callable(msg) else msg
        raise AssertionError(text) from None


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format=None) -> Tensor:
    """A tensor of ``shape`` filled with random values in ``[low, high)``, as PyTorch's.

    Defaults: floats in ``[-9, 9)``, signed integers in ``[-9, 10)``, ``uint8`` in
    ``[0, 10)``, bools uniformly True/False. ``exclude_zero`` replaces zeros by the
    dtype's smallest positive step (1 for integers, ``tiny`` for floats);
    ``noncontiguous`` returns a strided view of a twice-as-long buffer.
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    dt = _dt.as_dtype(dtype)
    npd = np.dtype(dt.np)
    from .random import default_generator

    rng = default_generator._rng  # seeded by manual_seed, as PyTorch's make_tensor
    last = shape[-1] * 2 if (noncontiguous and shape) else (shape[-1] if shape else None)
    full_shape = tuple(shape[:-1]) + (last,) if shape else ()
    if npd.kind == "b":
        arr = rng.integers(0, 2, full_shape).astype(bool)
    elif npd.kind in "iu":
        info = np.iinfo(npd)
        lo = max(info.min, -9 if low is None else math.ceil(low)) if npd.kind == "i" else \
            max(0, 0 if low is None else math.ceil(low))
        hi = min(info.max + 1, 10 if high is None else math.ceil(high))
        if lo >= hi:
            raise ValueError(f"make_tensor: low ({low}) must be less than high ({high})")
        arr = rng.integers(lo, hi, full_shape).astype(npd)
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        if not lo < hi:
            raise ValueError(f"make_tensor: low ({low}) must be less than high ({high})")
        arr = rng.uniform(lo, hi, full_shape).astype(npd)
    if exclude_zero and npd.kind != "b":
        arr[arr == 0] = 1 if npd.kind in "iu" else np.finfo(npd).tiny
    t = _tensor(arr, device=device)
    if noncontiguous and shape:
        t = t[..., ::2]
    if requires_grad:
        t.requires_grad_(True)
    return t
