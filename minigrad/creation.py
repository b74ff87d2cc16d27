"""Tensor factories: ``tensor``, ``zeros``, ``ones``, ``arange``, ``randn``, ...

Each takes ``dtype=``, ``device=`` and ``requires_grad=`` as in PyTorch. Float
factories default to float32; integer ones (``arange`` of ints, ``randint``) to int64.
"""
from __future__ import annotations

import math

import numpy as np

from . import backend
from . import dtypes as _dt
from . import random as _random
from ._scalars import stored
from .tensor import Tensor


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        s = int(s)
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(s)
    return tuple(out)


def _sizes(name, args, size):
    """The size of ``name(*args)`` or ``name(size=...)`` (PyTorch accepts either, not both)."""
    if size is None:
        return args
    if args:
        raise TypeError(f"{name}() got multiple values for argument 'size'")
    return (size,)


def _no_extra(name, kw):
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")


def _finish(arr, requires_grad):
    t = Tensor._wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float(dtype):
    return (_dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()).np


def _xp(device):
    return backend.xp_for(backend.device(device))


def tensor(data, dtype=None, device=None, requires_grad=False):
    """Copy ``data`` (nested lists, numbers, NumPy/CuPy arrays, Tensors) into a new leaf.

    Python floats become float32 and ints int64 (PyTorch's defaults).
    """
    return Tensor._from_data(data, dtype=dtype, device=device, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if isinstance(data, np.ndarray) and device is None and (dtype is None or _dt.as_dtype(dtype).np == data.dtype):
        return Tensor._wrap(data) if data.dtype in _dt._FROM_NP else Tensor(data)
    return Tensor._from_data(data, dtype=dtype, device=device)


def from_numpy(a: np.ndarray):
    """A tensor sharing memory with the NumPy array ``a``."""
    if a.dtype not in _dt._FROM_NP:
        raise TypeError(f"can't convert np.ndarray of type {a.dtype}")
    return Tensor._wrap(a)


def _filled(size, value, dtype, device, requires_grad):
    size = _size(size)
    dev = backend.device(device)
    if dtype is None:
        dtype = _dt.result_type(value) if not isinstance(value, float) else _dt.get_default_dtype().np
    npd = _dt.as_dtype(dtype).np
    value = stored(value, npd, fill=True)  # PyTorch's overflow check
    with backend.on_device(dev):
        arr = backend.xp_for(dev).full(size, value, dtype=npd)
    return _finish(arr, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, **kw):
    size = _sizes("zeros", size, kw.pop("size", None)) if kw else size
    _no_extra("zeros", kw)
    return _filled(size, 0, _float(dtype), device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **kw):
    size = _sizes("ones", size, kw.pop("size", None)) if kw else size
    _no_extra("ones", kw)
    return _filled(size, 1, _float(dtype), device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, **kw):
    """Like ``zeros`` (minigrad always initialises memory)."""
    size = _sizes("empty", size, kw.pop("size", None)) if kw else size
    _no_extra("empty", kw)
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value)."""
    if isinstance(size, int):
        size = (size,)
    return _filled((tuple(size),), fill_value, dtype, device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    m = n if m is None else m
    _size((n, m))
    dev = backend.device(device)
    with backend.on_device(dev):
        arr = backend.xp_for(dev).eye(n, m, dtype=_float(dtype))
    return _finish(arr, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 unless a float is given."""
    _no_bool("arange", dtype)
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound and larger bound inconsistent with step sign "
            f"(start={start}, end={end}, step={step})"
        )
    if dtype is None:
        dtype = _dt.get_default_dtype() if any(isinstance(v, float) for v in vals) else _dt.int64
    npd = _dt.as_dtype(dtype).np
    n = max(0, math.ceil((end - start) / step))
    dev = backend.device(device)
    with backend.on_device(dev):
        xp = backend.xp_for(dev)
        arr = (xp.arange(n, dtype=np.float64) * step + start).astype(npd) if npd.kind == "f" \
            else xp.arange(start, end, step, dtype=npd)
    return _finish(arr, requires_grad)


def _no_bool(name, dtype):
    if dtype is not None and _dt.as_dtype(dtype) is _dt.bool_:
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'Bool\'')


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    _no_bool("linspace", dtype)
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    dev = backend.device(device)
    with backend.on_device(dev):
        arr = backend.xp_for(dev).linspace(start, end, int(steps), dtype=np.float64).astype(_float(dtype))
    return _finish(arr, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    _no_bool("logspace", dtype)
    t = linspace(start, end, steps, dtype=dtype, device=device)
    return _finish((base ** t.array.astype(np.float64)).astype(t.array.dtype), requires_grad)


def _random_tensor(kind, size, dtype, device, a, b, generator, requires_grad):
    size = _size(size)
    arr = _random.sample(kind, size, _float(dtype), backend.device(device), a, b, generator)
    return _finish(arr, requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Uniform samples on [0, 1)."""
    size = _sizes("rand", size, kw.pop("size", None)) if kw else size
    _no_extra("rand", kw)
    return _random_tensor("uniform", size, dtype, device, 0.0, 1.0, generator, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kw):
    """Standard normal samples."""
    size = _sizes("randn", size, kw.pop("size", None)) if kw else size
    _no_extra("randn", kw)
    return _random_tensor("normal", size, dtype, device, 0.0, 1.0, generator, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform on [low, high); int64 by default."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    npd = _dt.as_dtype(dtype).np if dtype is not None else np.dtype(np.int64)
    arr = _random.sample("randint", _size((size,) if isinstance(size, int) else (tuple(size),)),
                         npd, backend.device(device), low, high, generator)
    return _finish(arr, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    npd = _dt.as_dtype(dtype).np if dtype is not None else np.dtype(np.int64)
    return _finish(_random.sample("permutation", (n,), npd, backend.device(device), n, None, generator),
                   requires_grad)


def normal(mean, std, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean if isinstance(mean, Tensor) else None
        like = m if m is not None else std
        z = randn(*like.shape, generator=generator, dtype=like.dtype, device=like.device)
        return (z * std + mean).detach()
    return _random_tensor("normal", (size,), dtype, device, mean, std, generator, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    probs = input.array if p is None else p
    _random.check_probability(probs)
    arr = _random.sample("uniform", input.shape, input.array.dtype, input.device, 0.0, 1.0, generator)
    return Tensor._wrap((arr < probs).astype(input.array.dtype))


def _like(fn, t, dtype, device, requires_grad, **kw):
    return fn(*t.shape, dtype=dtype if dtype is not None else t.dtype,
              device=device if device is not None else t.device, requires_grad=requires_grad, **kw)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):
    return _filled(tuple(input.shape), 0, dtype or input.dtype, device or input.device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):
    return _filled(tuple(input.shape), 1, dtype or input.dtype, device or input.device, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _filled(tuple(input.shape), fill_value, dtype or input.dtype, device or input.device,
                   requires_grad)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    return _like(rand, input, dtype, device, requires_grad, generator=generator)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    return _like(randn, input, dtype, device, requires_grad, generator=generator)


def randint_like(input, low, high=None, *, dtype=None, device=None, requires_grad=False):
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype,
                   device=device or input.device, requires_grad=requires_grad)
