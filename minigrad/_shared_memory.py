"""Tensors in shared memory, and how they cross process boundaries.

``Tensor.share_memory_()`` moves a CPU tensor's values into an anonymous shared-memory
file (``memfd_create`` on Linux; an unlinked file in a temporary directory elsewhere)
mapped ``MAP_SHARED``. A child made by ``fork`` inherits the mapping, so parent and child
see each other's writes (Hogwild-style training). For the ``spawn`` and ``forkserver``
start methods, and for tensors sent through a ``multiprocessing`` queue or pipe, the
reduction registered here sends the file descriptor (duplicated by the standard
library's ``DupFd``, PyTorch's ``file_descriptor`` strategy) with the offset, shape,
strides and dtype, and the receiver maps the same memory: no copy.

A tensor that is not in shared memory pickles by value, as with ``pickle``. (PyTorch
instead moves it into shared memory on the way; here call ``share_memory_()`` first.)
"""
from __future__ import annotations

import mmap
import os
import tempfile
import weakref

import numpy as np

from . import dtypes as _dt

# the mapping of every shared segment -> its file descriptor (closed with the mapping)
_FDS: weakref.WeakKeyDictionary[mmap.mmap, int] = weakref.WeakKeyDictionary()


def _new_fd(nbytes: int) -> int:
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("minigrad-shared", 0)
    else:  # no memfd: a file nobody can open by name once unlinked
        fd, path = tempfile.mkstemp(prefix="minigrad-shared-")
        os.unlink(path)
    os.ftruncate(fd, nbytes)
    return fd


def _map(fd: int, nbytes: int) -> mmap.mmap:
    mm = mmap.mmap(fd, nbytes)  # MAP_SHARED, read and write
    _FDS[mm] = fd
    weakref.finalize(mm, os.close, fd)
    return mm


def segment_of(arr):
    """The shared mapping an array's memory lies in, or None."""
    base = arr
    while isinstance(base, np.ndarray):
        base = base.base
    return base if isinstance(base, mmap.mmap) and base in _FDS else None


def to_shared(arr: np.ndarray) -> np.ndarray:
    """A copy of ``arr`` (same shape, dtype, C order) whose memory is a new shared segment."""
    nbytes = max(arr.nbytes, 1)  # mmap cannot map 0 bytes
    mm = _map(_new_fd(nbytes), nbytes)
    out = np.ndarray(arr.shape, arr.dtype, buffer=mm)
    out[...] = arr
    return out


def _offset(arr, mm) -> int:
    start = np.frombuffer(mm, np.uint8, count=0).__array_interface__["data"][0]
    return arr.__array_interface__["data"][0] - start


def reduce_tensor(t):
    """ForkingPickler reduction of a Tensor: the shared segment's descriptor when its values
    are in one, else the ordinary pickle (by value)."""
    mm = segment_of(t.array) if isinstance(t.array, np.ndarray) else None
    if mm is None:
        return t.__reduce_ex__(2)
    from multiprocessing.reduction import DupFd

    arr = t.array
    return (_rebuild_shared, (type(t), DupFd(_FDS[mm]), len(mm), _offset(arr, mm),
                              tuple(arr.shape), tuple(arr.strides), t.dtype.name,
                              bool(t.requires_grad)))


def _rebuild_shared(cls, dupfd, nbytes, offset, shape, strides, dtype, requires_grad):
    """Map the sender's segment and wrap it (the receiving side of ``reduce_tensor``)."""
    from .tensor import Tensor

    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"_rebuild_shared: {cls!r} is not a Tensor class")
    mm = _map(dupfd.detach(), nbytes)
    arr = np.ndarray(shape, _dt._NAMES[dtype].np, buffer=mm, offset=offset, strides=strides)
    t = object.__new__(cls)  # as Tensor._rebuild_tensor: a Parameter stays a Parameter
    t.array, t.grad, t._ctx, t._vc, t._base, t._hooks = arr, None, None, [0], None, None
    t.requires_grad = bool(requires_grad)
    return t


def init_reductions() -> None:
    """Register ``reduce_tensor`` with the standard library's ForkingPickler for Tensor and
    every subclass defined by now (``Parameter``, ``Buffer``, a user's). It runs on every
    ``share_memory_()``, so a subclass defined later is registered when one of its tensors
    is shared."""
    from multiprocessing.reduction import ForkingPickler

    from .tensor import Tensor

    for cls in [Tensor, *_subclasses(Tensor)]:
        if cls not in ForkingPickler._extra_reducers:
            ForkingPickler.register(cls, reduce_tensor)


def _subclasses(cls):
    out = []
    for c in cls.__subclasses__():
        out.append(c)
        out.extend(_subclasses(c))
    return out

