"""``torch.types``: the type aliases PyTorch's annotations use (``Number``, ``Device``,
``_size``, ...), for programs that import them in their own annotations."""
from __future__ import annotations

import builtins
from typing import Union

from .backend import Device as _device_cls
from .dtypes import DType as _dtype
from .tensor import Size, Tensor

_int, _float, _bool, _complex, _str = builtins.int, builtins.float, builtins.bool, \
    builtins.complex, builtins.str
_device = _device_cls
_size = Union[Size, list[_int], tuple[_int, ...]]
Number = Union[_int, _float, _bool]
_Number = Number
Device = Union[_device, _str, _int, None]
_TensorOrTensors = Union[Tensor, tuple[Tensor, ...]]

__all__ = ["Number", "Device", "Size", "Tensor"]
