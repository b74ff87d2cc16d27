"""Helpers shared by the op families: scalar/dtype promotion and dim normalisation."""
from __future__ import annotations

import numbers

import numpy as np

from ..autograd.grad_mode import _State
from ..dtypes import is_floating_np as _isfloat
from .. import dtypes as _dt
from .._scalars import stored, wrapped
from ..tensor import Tensor, _wrap_dim

_Real = (int, float, bool)
_ndarray = np.ndarray


def scalar(xp, value, dtype):
    """A 0-d array holding a Python number. On the GPU it is filled by a kernel:
    ``cupy.asarray(2.0)`` would copy the number from the host (one transfer per scalar op)."""
    if xp is np or not isinstance(value, numbers.Number):
        return xp.asarray(value, dtype=dtype)
    return xp.full((), value, dtype=dtype)


_host_consts: dict = {}


def host_const(like: Tensor, key, make):
    """``make()``, a small host (NumPy) array derived from shapes only (pooling divisors,
    interpolation matrices, pad indices), as an array on ``like``'s device. On the GPU it is
    copied once per (key, device) and then reused, so a training step copies nothing to the
    device. Callers must not write into the result."""
    if like.xp is np:
        return make()
    k = (key, like.device)
    a = _host_consts.get(k)
    if a is None:
        if len(_host_consts) >= 512:  # unbounded shape variety: start over
            _host_consts.clear()
        a = _host_consts[k] = like.xp.asarray(make())
    return a


def const(value, like: Tensor, dtype=None) -> Tensor:
    """A constant (no-grad) Tensor holding ``value`` on ``like``'s device."""
    dt = dtype if dtype is not None else like.array.dtype
    if type(value) in (int, float):
        value = stored(value, dt)  # PyTorch's overflow check (masked_fill, index_fill, ...)
    if isinstance(value, _Real) and type(like.array) is not _ndarray:
        return Tensor._wrap(scalar(like.xp, value, dt))
    return Tensor._wrap(like.xp.asarray(value, dtype=dt))


def as_tensor(x, like: Tensor | None = None) -> Tensor:
    """``x`` as a Tensor (Python scalars and arrays become constants on ``like``'s device)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, _Real + (numbers.Number,)):
        return Tensor._wrap(scalar(like.xp, x, _dt.result_type(x)))
    return Tensor._from_data(x, device=like.device if like is not None else None)


def cast(t: Tensor, np_dtype) -> Tensor:
    if t.array.dtype == np_dtype:
        return t
    from .elementwise import to

    return to(t, dtype=_dt.from_numpy_dtype(np_dtype))


def follows_masks(ts) -> bool:
    """True while an op-level capture that follows masks (ONNX export) runs and one of the
    Tensors ``ts`` is traced: non-differentiable ops on them (comparisons, integer casts)
    are then recorded as ops, so the exported graph computes them."""
    rec = _State.recorder
    if rec is None or not getattr(rec, "follows_masks", False):
        return False
    for t in ts:
        if t.requires_grad:
            return True
    return False


def promote(a, b):
    """(a, b) as Tensors of PyTorch's result dtype (scalars become 0-d constants)."""
    if type(a) is Tensor and type(b) is Tensor:
        da, db = a.array.dtype, b.array.dtype
        if da == db:
            return a, b
        dt = _dt.result_type(a, b)
        return cast(a, dt), cast(b, dt)
    if type(a) is Tensor:
        t, s, scalar_first = a, b, False
    elif type(b) is Tensor:
        t, s, scalar_first = b, a, True
    elif isinstance(a, Tensor) or isinstance(b, Tensor):  # subclasses (Parameter)
        t, s, scalar_first = (a, b, False) if isinstance(a, Tensor) else (b, a, True)
    else:
        raise TypeError(f"expected at least one Tensor operand, got {type(a).__name__} and {type(b).__name__}")
    if isinstance(s, Tensor):
        dt = _dt.result_type(a, b)
        a, b = cast(a, dt), cast(b, dt)
        return a, b
    if not isinstance(s, _Real):
        if isinstance(s, numbers.Number):
            s = s.item() if hasattr(s, "item") else float(s)
        else:
            s = Tensor._from_data(s, device=t.device)
            return promote(a if not scalar_first else s, s if not scalar_first else b)
    kind = t.array.dtype.kind
    if kind == "f" or kind == "V" or (kind in "iu" and type(s) is not float) or (kind == "b" and type(s) is bool):
        dt = t.array.dtype
    else:
        dt = _dt.result_type(t, s)
        t = cast(t, dt)
    lim = _LIMITS.get(dt)
    if lim is not None and type(s) is not bool and not lim[0] <= s <= lim[1]:
        s = wrapped(s, dt)  # PyTorch wraps ints to the dtype (uint8 + 300 adds 44); inf
    elif type(s) is int and not -_I64 <= s < _I64:
        s = wrapped(s, dt)  # 64-bit ints only (OverflowError beyond)
    c = Tensor._wrap(np.asarray(s, dtype=dt) if type(t.array) is _ndarray else scalar(t.xp, s, dt))
    return (c, t) if scalar_first else (t, c)


_I64 = 1 << 63
# a scalar outside these needs wrapped() (float16/float32: it becomes inf without a warning)
_LIMITS = {np.dtype(t): (int(np.iinfo(t).min), int(np.iinfo(t).max))
           for t in ("uint8", "int8", "int16", "int32", "int64")}
_LIMITS.update({np.dtype(t): (-float(np.finfo(t).max), float(np.finfo(t).max))
                for t in ("float16", "float32")})


def norm_dims(dim, ndim):
    """``dim`` (None, int or sequence, negatives allowed) as a sorted tuple of axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)):
        return (_wrap_dim(int(dim), ndim),)
    dims = tuple(_wrap_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        twice = next(d for i, d in enumerate(dims) if d in dims[:i])
        raise RuntimeError(f"dim {twice} appears multiple times in the list of dims")
    return tuple(sorted(dims))


def float_of(t: Tensor) -> Tensor:
    """Int/bool tensors become the default float dtype (torch.sqrt(int_tensor) is float32)."""
    if _isfloat(t.array.dtype):
        return t
    return cast(t, _dt.get_default_dtype().np)


def multiply_at(xp, y, key, src) -> None:
    """``np.multiply.at(y, key, src)`` (repeated targets multiply) on NumPy or CuPy.

    CuPy's ufuncs have ``at`` only for add, subtract, maximum, minimum and the bitwise ops,
    so there the repeats are applied in rounds: the r-th occurrence of each target in
    round r, where every target is unique and a plain fancy update is exact. ``y`` must be
    C-contiguous. Reads the largest repeat count back to the host (a sync on a GPU).
    """
    if xp is np:
        xp.multiply.at(y, key, src)
        return
    lin = xp.arange(y.size).reshape(y.shape)[key]
    s = xp.broadcast_to(xp.asarray(src, dtype=y.dtype), lin.shape).ravel()
    lin = lin.ravel()
    if not lin.size:
        return
    order = xp.argsort(lin, kind="stable")
    lin_sorted = lin[order]
    rank = xp.empty_like(order)
    rank[order] = xp.arange(lin.size) - xp.searchsorted(lin_sorted, lin_sorted, side="left")
    flat = y.reshape(-1)
    for r in range(int(rank.max()) + 1):
        m = rank == r
        t = lin[m]
        flat[t] = flat[t] * s[m]
