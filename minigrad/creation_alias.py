"""Factories that alias existing memory or lay it out explicitly: ``asarray`` (shares the
memory of a NumPy/CuPy array or Tensor when it can), ``frombuffer`` (a view of a Python
buffer), ``empty_strided`` (a given stride layout), and the deprecated ``range`` (both ends
included, with PyTorch's warning)."""
from __future__ import annotations

import math
import warnings

import numpy as np

from . import backend
from . import dtypes as _dt
from ._parser import check_option
from .tensor import Tensor, _TYPE_NAMES


def _type_name(npd):
    return _TYPE_NAMES.get(np.dtype(npd).name, np.dtype(npd).name)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """``obj`` as a Tensor, sharing its memory when it is a Tensor or a NumPy/CuPy array of
    a supported dtype on the requested device (``copy=True``: always a copy; ``copy=False``:
    ValueError when a copy is needed). Other data (lists, scalars) is converted as by
    :func:`tensor`.

    Args:
        obj: a Tensor, a NumPy/CuPy array, a buffer, a sequence or a scalar.
        dtype: the result's dtype (default: obj's, or PyTorch's inference for Python data).
        device: the result's device (default: obj's, else the default device).
        copy: None (copy only when needed), True or False.
        requires_grad: make the result a leaf that requires grad (None: False, or a
            Tensor's own setting when it is returned as is).
    """
    want = _dt.as_dtype(dtype).np if dtype is not None else None
    dev = backend.device(device) if device is not None else None
    if isinstance(obj, Tensor):
        arr = obj.array
    elif isinstance(obj, np.ndarray) or hasattr(obj, "__cuda_array_interface__"):
        arr = obj
    else:
        if copy is False:
            raise ValueError(f"can't alias Python data of type {type(obj).__name__}: "
                             "copy=False needs a Tensor or an array")
        return Tensor._from_data(obj, dtype=dtype, device=device, requires_grad=requires_grad)
    src_dev = backend.device_of(arr)
    same = (want is None or want == arr.dtype) and (dev is None or dev == src_dev)
    if copy is False and not same:
        raise ValueError(f"can't alias tensor with dtype '{_type_name(arr.dtype)}' into dtype "
                         f"'{_type_name(want if want is not None else arr.dtype)}'.")
    if isinstance(obj, Tensor) and same and not copy:
        return obj.requires_grad_(True) if requires_grad else obj
    if same and not copy and arr.dtype in _dt._FROM_NP:
        t = Tensor._wrap(arr)
    else:
        t = Tensor._from_data(arr, dtype=dtype, device=dev if dev is not None else src_dev)
    return t.requires_grad_(True) if requires_grad else t


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor viewing ``buffer`` (any object with the buffer protocol): ``count``
    elements of ``dtype`` from byte ``offset`` (-1: all that remain). Writes through a
    writable buffer (a bytearray) show in the tensor and back."""
    npd = _dt.as_dtype(dtype).np
    view = memoryview(buffer)
    if view.readonly:
        warnings.warn("The given buffer is not writable, and PyTorch does not support "
                      "non-writable tensors. This means you can write to the underlying "
                      "(supposedly non-writable) buffer using the tensor. You may want to copy "
                      "the buffer to protect its data or make it writable before converting "
                      "it to a tensor.", UserWarning, stacklevel=2)
    nbytes = view.nbytes
    if not 0 <= offset < max(nbytes, 1):
        raise ValueError(f"both buffer length ({nbytes}) and offset ({offset}) must be "
                         f"positive and buffer length must be greater than offset")
    if count == -1 and (nbytes - offset) % npd.itemsize:
        raise ValueError(f"buffer length ({nbytes - offset} after offset) must be a multiple "
                         f"of element size ({npd.itemsize})")
    arr = np.frombuffer(view, dtype=npd, count=count, offset=offset)
    t = Tensor._wrap(arr)
    return t.requires_grad_(True) if requires_grad else t


def strided_zeros(size, stride, npd, dev):
    """Zeros of ``size`` whose element strides are ``stride`` (over fresh memory)."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    n = 1 + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else 0
    buf = backend.to_device(np.zeros(n, dtype=npd), dev)
    xp = np if dev.type == "cpu" else backend.require_cuda()
    item = np.dtype(npd).itemsize
    return xp.lib.stride_tricks.as_strided(buf, size, tuple(s * item for s in stride))


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A tensor of ``size`` with element strides ``stride`` (zeros here; PyTorch leaves the
    memory uninitialized)."""
    check_option("layout", layout)
    npd = (_dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()).np
    t = Tensor._wrap(strided_zeros(size, stride, npd, backend.device(device)))
    return t.requires_grad_(True) if requires_grad else t


def range(start, end, step=1, *, dtype=None, layout=None, device=None, requires_grad=False):
    """Deprecated: ``start, start + step, ...`` up to and including ``end`` (use
    :func:`arange`, which excludes ``end``)."""
    check_option("layout", layout)
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int(math.floor((end - start) / step)) + 1
    npd = (_dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()).np
    vals = (start + step * np.arange(n, dtype=np.float64)).astype(npd)
    t = Tensor._wrap(backend.to_device(vals, backend.device(device)))
    return t.requires_grad_(True) if requires_grad else t


__all__ = ["asarray", "empty_strided", "frombuffer", "range"]
