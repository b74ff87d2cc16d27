"""Factories over existing memory and the legacy ones: asarray, frombuffer, empty_strided,
range (deprecated in PyTorch, kept for old programs)."""
from __future__ import annotations

import math
import warnings

import numpy as np

from . import backend
from . import dtypes as _dt
from .creation import as_tensor, empty, tensor
from .tensor import Tensor

_warned_readonly = False


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """``obj`` (a Tensor, NumPy/CuPy array, DLPack object, sequence or number) as a tensor,
    sharing memory when no conversion is needed and ``copy`` is not True; ``copy=False``
    refuses to copy."""
    if copy:
        t = tensor(obj.detach() if isinstance(obj, Tensor) else obj, dtype=dtype,
                   device=device)
    else:
        if not isinstance(obj, (Tensor, np.ndarray)) and hasattr(obj, "__dlpack__"):
            from .utils.dlpack import from_dlpack

            obj = from_dlpack(obj)
        t = as_tensor(obj, dtype=dtype, device=device)
        shares = t is obj or (isinstance(obj, Tensor) and t.array is obj.array) or (
            isinstance(obj, np.ndarray) and np.shares_memory(t.array, obj)
            if isinstance(t.array, np.ndarray) else False)
        if copy is False and not shares:
            raise ValueError("can't alias the given object: a copy (or a dtype/device "
                             "conversion) would be needed, and copy=False was given")
    if requires_grad and not t.requires_grad:
        t = t if t is not obj else t.detach()
        t.requires_grad_(True)
    return t


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over the memory of a Python buffer (``bytes``, ``bytearray``,
    ``memoryview``, ``array.array``...): ``count`` items of ``dtype`` from byte ``offset``
    (all the rest when -1). Shares memory with the buffer."""
    global _warned_readonly
    npd = _dt.as_dtype(dtype).np
    mv = memoryview(buffer)
    if mv.nbytes == 0 or offset < 0 or offset >= mv.nbytes:
        raise ValueError(f"both buffer length ({mv.nbytes}) and offset ({offset}) must be "
                         "greater than 0 and offset must be less than the buffer length")
    if count == 0 or count < -1:
        raise ValueError(f"count ({count}) must be -1 or positive")
    if count == -1 and (mv.nbytes - offset) % npd.itemsize:
        raise ValueError(f"buffer length ({mv.nbytes - offset} after offset) must be a "
                         f"multiple of element size ({npd.itemsize})")
    if count > 0 and offset + count * npd.itemsize > mv.nbytes:
        raise ValueError(f"requested buffer length ({count} * {npd.itemsize} bytes) after "
                         f"offset ({offset}) must not be greater than actual buffer length "
                         f"({mv.nbytes})")
    arr = np.frombuffer(buffer, dtype=npd, count=count, offset=offset)
    if mv.readonly and not _warned_readonly:
        _warned_readonly = True
        warnings.warn(
            "The given buffer is not writable, and PyTorch does not support non-writable "
            "tensors. This means you can write to the underlying (supposedly non-writable) "
            "buffer using the tensor. You may want to copy the buffer to protect its data or "
            "make it writable before converting it to a tensor. This type of warning will be "
            "suppressed for the rest of this program.", UserWarning, stacklevel=2)
    t = Tensor._wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """``empty(size)``: minigrad arrays are row-major, so ``stride`` is checked for length
    only."""
    if len(tuple(size)) != len(tuple(stride)):
        raise RuntimeError("mismatch in length of strides and shape")
    return empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, layout=None, device=None,
          requires_grad=False, out=None):
    """Deprecated (warns, as PyTorch does): values from ``start`` to ``end`` *inclusive* by
    ``step``, in the default float dtype unless ``dtype`` is given. Use ``arange``."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its "
        "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
        "which produces values in [start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    npd = (_dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()).np
    n = math.floor((end - start) / step) + 1
    dev = backend.device(device)
    with backend.on_device(dev):
        xp = backend.xp_for(dev)
        arr = (xp.arange(n, dtype=np.float64) * step + start).astype(npd)
    t = Tensor._wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    if out is not None:
        from ._parser import write_out

        return write_out(out, t, "range")
    return t


__all__ = ["asarray", "empty_strided", "frombuffer", "range"]
