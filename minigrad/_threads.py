"""A small persistent thread pool for elementwise NumPy work split into blocks.

NumPy's ufunc loops release the GIL, so a large elementwise update (an optimizer step)
cut into cache-sized blocks runs on several cores from plain Python threads. The blocks
also keep every pass of a multi-pass update in L2: an Adam step of a dozen ufuncs then
reads and writes each array about once instead of a dozen times.

The pool size is ``MINIGRAD_NUM_THREADS``, else the number of CPUs this process may run
on; ``set_num_threads`` changes it. With one thread everything runs inline. Work on
CuPy arrays is never split (one block per array: the GPU parallelises itself).

Only work that is large per ufunc call belongs here: every call hands the GIL over, and
on a 2-core VM threads lost (0.6x) on calls of 4K-16K elements and won (1.5x) from 64K
up. Pooling and col2im split over channels measured slower on LeNet, so they stay on one
thread. Also measured slower at 2 threads and left out (benchmarks/README.md, "Issue 12
at 2 threads"): GEMMs cut into row blocks on the pool instead of OpenBLAS's threads, an
LSTM scan run on two batch halves at once, and a backward scan's weight gradient computed
in chunks on the pool meanwhile: every ufunc call of a Python-driven loop then hands the
GIL over between threads.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

BLOCK = 1 << 15  # elements per block on one thread: a few float32 arrays of it fit in L2
# on several threads every ufunc call hands the GIL over (an OS wake-up, tens of us on a
# VM), so each call must do more work: measured, 32K-element blocks ran 2 threads slower
# than 1, 128K-element blocks 1.45x faster (a 1.86M-parameter Adam step, 2 cores)
PARALLEL_BLOCK = 1 << 17
MIN_PARALLEL = 1 << 16  # fewer elements than this in all: not worth waking a thread

_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_nthreads: int | None = None
_local = threading.local()
_lock = threading.Lock()


def _default_threads() -> int:
    env = os.environ.get("MINIGRAD_NUM_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def get_num_threads() -> int:
    """Threads used for blocked elementwise work (optimizer steps, ...)."""
    global _nthreads
    if _nthreads is None:
        _nthreads = _default_threads()
    return _nthreads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (1: run everything in the calling thread)."""
    global _nthreads
    if int(n) < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n}")
    _nthreads = int(n)


def _get_pool(workers: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < workers:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(workers, thread_name_prefix="minigrad")
            _pool_size = workers
        return _pool


def _forget_pool():  # in a forked child the parent's threads do not exist
    global _pool, _pool_size
    _pool, _pool_size = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def parallel_for(fn, tasks, size: int | None = None) -> None:
    """Call ``fn(task)`` for every task, spread over the pool and the calling thread.

    Tasks are handed out one at a time from a shared iterator, so a thread slowed down
    by other load simply takes fewer. ``size`` (total elements) below ``MIN_PARALLEL``
    runs inline. The first exception raised by ``fn`` is re-raised here.
    """
    n = min(get_num_threads(), len(tasks))
    if n <= 1 or (size is not None and size < MIN_PARALLEL) or getattr(_local, "worker", False):
        for t in tasks:
            fn(t)
        return
    it = iter(tasks)  # list_iterator.__next__ is atomic under the GIL

    def run():
        for t in it:
            fn(t)

    def work():  # on a pool thread: nested parallel_for calls run inline (no deadlock)
        _local.worker = True
        run()

    futures = [_get_pool(n - 1).submit(work) for _ in range(n - 1)]
    try:
        run()
    finally:
        for f in futures:
            f.result()


def split(arrays, block: int | None = None):
    """Cut same-shaped arrays into aligned flat blocks: a list of tuples of views.

    ``None`` entries stay ``None`` in every block. Arrays that are not all C-contiguous
    NumPy arrays (or that are small) come back as one tuple of the whole arrays, which
    elementwise code handles with any strides.
    """
    block = block or (BLOCK if get_num_threads() == 1 else PARALLEL_BLOCK)
    x = arrays[0]
    n = x.size
    if n <= block or not all(a is None or (type(a) is np.ndarray and a.flags.c_contiguous)
                             for a in arrays):
        return [tuple(arrays)]
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    return [tuple(None if a is None else a[i:i + block] for a in flat) for i in range(0, n, block)]


def scratch(like, n: int):
    """``n`` scratch arrays shaped like ``like``, private to the calling thread (reused;
    contents undefined)."""
    if type(like) is not np.ndarray or like.size > BLOCK:
        xp = np if type(like) is np.ndarray else _array_module(like)
        return [xp.empty(like.shape, like.dtype) for _ in range(n)]
    bufs = getattr(_local, "bufs", None)
    if bufs is None:
        bufs = _local.bufs = {}
    size, shape = like.size, like.shape
    have = bufs.get(like.dtype)
    if have is None or len(have) < n or have[0].size < size:
        have = bufs[like.dtype] = [np.empty(BLOCK, like.dtype) for _ in range(n)]
    return [b[:size].reshape(shape) for b in have[:n]]


def _array_module(a):
    from . import backend

    return backend.get_array_module(a)
