"""PyTorch's legacy typed constructors: ``torch.FloatTensor``, ``torch.LongTensor``, ...

Old code (and some current code) still builds tensors with them and tests tensors against
them, so they behave as PyTorch's do on the CPU:

    torch.FloatTensor(2, 3)          # a (2, 3) float32 tensor (minigrad zero-fills it)
    torch.LongTensor([1, 2])         # from data
    torch.FloatTensor(t)             # t itself (shared memory) when t is float32, else TypeError
    isinstance(t, torch.FloatTensor) # True for a float32 CPU tensor
    t.type(torch.LongTensor)         # cast

Each name is a class whose metaclass builds a plain :class:`~minigrad.Tensor` when called and
answers ``isinstance`` by the tensor's dtype and device, as PyTorch's ``tensortype`` does;
the classes are not subclasses of ``Tensor`` (neither are PyTorch's).
:func:`set_default_tensor_type` (deprecated in PyTorch, still working) sets the default
floating dtype from one of them or its name.
"""
from __future__ import annotations

import numpy as np

from . import dtypes as _dt

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor",
           "IntTensor", "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor",
           "set_default_tensor_type"]

# legacy name -> dtype name (bfloat16 is resolved lazily: it needs the optional ml_dtypes)
_NAMES = {"Float": "float32", "Double": "float64", "Half": "float16", "BFloat16": "bfloat16",
          "Long": "int64", "Int": "int32", "Short": "int16", "Char": "int8", "Byte": "uint8",
          "Bool": "bool"}


def _dtype_of(name: str):
    if name == "bfloat16":
        return _dt.bfloat16_dtype()
    return _dt.as_dtype(name)


class tensortype(type):  # noqa: N801  (PyTorch's metaclass is torch.tensortype)
    """Metaclass of the legacy constructors: calling builds a Tensor of the class's dtype."""

    @property
    def dtype(cls):
        return _dtype_of(cls._dtype_name)

    @property
    def is_cuda(cls):
        return False

    @property
    def is_sparse(cls):
        return False

    def __instancecheck__(cls, obj):
        from .tensor import Tensor

        return (isinstance(obj, Tensor) and obj.dtype.name == cls._dtype_name
                and obj.device.type == "cpu")

    def __call__(cls, *args, device=None):
        from .tensor import Size, Tensor
        from .creation import empty, tensor

        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: "
                               f"{device} was passed")
        dtype = cls.dtype
        if not args:
            return empty(0, dtype=dtype)
        if len(args) == 1 and isinstance(args[0], Tensor):
            t = args[0]
            if t.dtype != dtype or t.device.type != "cpu":
                raise TypeError(f"expected torch.{cls.__name__} (got {t.type()})")
            return t.detach()  # shares t's memory, as PyTorch's alias does
        if len(args) == 1 and isinstance(args[0], Size):
            return empty(*args[0], dtype=dtype)
        if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            if any(a < 0 for a in args):
                raise RuntimeError(f"Trying to create tensor with negative dimension "
                                   f"{min(args)}: {list(args)}")
            return empty(*(int(a) for a in args), dtype=dtype)
        if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
            return tensor(args[0], dtype=dtype)
        if len(args) == 1:
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        raise TypeError(f"new() received an invalid combination of arguments: "
                        f"{tuple(type(a).__name__ for a in args)}")

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _make(prefix: str):
    return tensortype(f"{prefix}Tensor", (), {"_dtype_name": _NAMES[prefix],
                                               "__module__": "torch"})


FloatTensor = _make("Float")
DoubleTensor = _make("Double")
HalfTensor = _make("Half")
BFloat16Tensor = _make("BFloat16")
LongTensor = _make("Long")
IntTensor = _make("Int")
ShortTensor = _make("Short")
CharTensor = _make("Char")
ByteTensor = _make("Byte")
BoolTensor = _make("Bool")

_BY_NAME = {f"torch.{c.__name__}": c for c in (
    FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor, IntTensor, ShortTensor,
    CharTensor, ByteTensor, BoolTensor)}


def resolve(t):
    """The dtype named by a legacy class or its ``'torch.FloatTensor'`` name; None when ``t``
    is neither (``Tensor.type`` uses this)."""
    if isinstance(t, tensortype):
        return t.dtype
    if isinstance(t, str) and t in _BY_NAME:
        return _BY_NAME[t].dtype
    return None


def set_default_tensor_type(t) -> None:
    """Set the default floating dtype from a legacy class or its name, as PyTorch's
    (deprecated) ``torch.set_default_tensor_type``; only float types are accepted.

    Args:
        t: ``torch.FloatTensor``/``torch.DoubleTensor`` (or ``'torch.DoubleTensor'``).
    """
    cls = _BY_NAME.get(t) if isinstance(t, str) else t
    if not isinstance(cls, tensortype):
        raise TypeError(f"invalid type: {t!r}")
    if not cls.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dt.set_default_dtype(cls.dtype)
