"""DLPack: share tensor memory with NumPy, PyTorch, JAX and CuPy without copying.

``torch.utils.dlpack``'s two functions, plus ``minigrad.from_dlpack``:

    t = minigrad.from_dlpack(torch_tensor)      # any object with __dlpack__, or a capsule
    u = torch.from_dlpack(minigrad_tensor)      # minigrad Tensors implement __dlpack__

Both sides then view the same memory: an in-place change on one shows on the other. CPU
memory goes through NumPy's DLPack support, CUDA memory through CuPy's.
"""
from __future__ import annotations

from .. import backend
from .. import dtypes as _dt
from ..tensor import Tensor


def to_dlpack(tensor: Tensor):
    """A DLPack capsule viewing ``tensor``'s memory (consumable once, by any library)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dlpack expects a minigrad Tensor, got {type(tensor).__name__}")
    return tensor.__dlpack__()


def from_dlpack(ext_tensor, *, device=None, copy=None) -> Tensor:
    """A Tensor sharing memory with ``ext_tensor`` (an array with ``__dlpack__``, or a capsule).

    Args:
        device: if given, the result is moved there (a copy when it is another device).
        copy: True always copies, False never does (BufferError if it would have to), None
            shares when possible (as ``torch.from_dlpack``).
    """
    arr = backend.from_dlpack(ext_tensor, copy=copy)
    if arr.dtype not in _dt._FROM_NP:
        raise TypeError(f"from_dlpack: minigrad has no dtype for {arr.dtype}")
    t = Tensor._wrap(arr)
    return t if device is None else t.to(device)


__all__ = ["to_dlpack", "from_dlpack"]
