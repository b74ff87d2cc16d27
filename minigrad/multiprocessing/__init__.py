"""``minigrad.multiprocessing`` (``torch.multiprocessing``): the standard library's
``multiprocessing``, with tensors in shared memory and ``spawn``.

Everything of ``multiprocessing`` is here under the same names (``Process``, ``Queue``,
``Pool``, ``get_context``, ``set_start_method``, ...). On top:

- ``Tensor.share_memory_()`` / ``nn.Module.share_memory()`` put CPU tensors in shared
  memory; children made by ``fork`` share them, and passing a shared tensor to a
  ``spawn``ed process or through a queue maps the same memory in the receiver (its file
  descriptor is passed along). A tensor not in shared memory is copied (pickled by
  value); PyTorch would move it into shared memory on the way.
- ``spawn(fn, args, nprocs)`` / ``start_processes`` run ``fn(i, *args)`` in child
  processes and raise the first failure in the parent.

``minigrad.distributed`` uses MPI, so processes started here cannot form a process group
by themselves: launch distributed jobs with ``mpiexec`` (see docs/distributed.md).
"""
from __future__ import annotations

import multiprocessing as _mp
from multiprocessing import *  # noqa: F401,F403  (PyTorch re-exports the whole module too)

from .._shared_memory import init_reductions
from .spawn import (
    ProcessContext, ProcessException, ProcessExitedException, ProcessRaisedException, spawn,
    start_processes,
)

_sharing_strategy = "file_descriptor"


def get_all_sharing_strategies() -> set:
    """The strategy names PyTorch accepts on Linux: ``{"file_descriptor", "file_system"}``."""
    return {"file_descriptor", "file_system"}


def get_sharing_strategy() -> str:
    """The strategy last set (``"file_descriptor"`` by default)."""
    return _sharing_strategy


def set_sharing_strategy(new_strategy: str) -> None:
    """Record the strategy for sharing tensors; ValueError for an unknown name.

    Both names share tensors the same way here: an anonymous shared-memory file whose
    descriptor is passed to the receiving process. (PyTorch's ``file_system`` keeps named
    files in /dev/shm instead, to stay under the open-file limit; programs set it for that
    reason, and here each shared tensor holds one descriptor either way.)
    """
    global _sharing_strategy
    if new_strategy not in get_all_sharing_strategies():
        raise ValueError(f"sharing strategy {new_strategy!r} is not supported; available: "
                         f"{sorted(get_all_sharing_strategies())}")
    _sharing_strategy = new_strategy


__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies",
           "spawn", "start_processes", "ProcessContext", "ProcessException",
           "ProcessRaisedException", "ProcessExitedException", "init_reductions",
           *_mp.__all__]
