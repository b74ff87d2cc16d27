"""``DataLoader``: a dataset's samples in batches, as ``torch.utils.data.dataloader``.

A sampler yields indices, a ``BatchSampler`` groups them, and the loader fetches each
batch's samples and merges them with ``collate_fn``. ``num_workers > 0`` prefetches
batches in threads (NumPy releases the GIL), keeping their order.
"""
from __future__ import annotations

import collections
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from ._utils.collate import default_collate, default_convert
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

def get_worker_info():
    """PyTorch's worker info; minigrad loads in the main process (or threads): None."""
    return None


class DataLoader:
    """Iterate over a dataset in batches.

    Args:
        dataset: a map-style ``Dataset`` (or anything with ``__getitem__``/``__len__``), or an
            ``IterableDataset``.
        batch_size: samples per batch (default 1); None disables batching.
        shuffle: reshuffle the indices every epoch (a ``RandomSampler``).
        sampler: yields the indices (mutually exclusive with ``shuffle``).
        batch_sampler: yields lists of indices (mutually exclusive with batch_size,
            shuffle, sampler and drop_last).
        num_workers: 0 loads in the main thread; ``n > 0`` fetches and collates up to
            ``prefetch_factor * n`` batches ahead in ``n`` threads (batch order is kept).
        collate_fn: merges a list of samples into a batch (default ``default_collate``).
        drop_last: drop the last incomplete batch.
        generator: ``minigrad.Generator`` for shuffling (default: the global generator).
        pin_memory, pin_memory_device, timeout, persistent_workers: accepted for
            compatibility, ignored.
        multiprocessing_context: accepted (workers are threads here), with PyTorch's check
            that it needs ``num_workers > 0``.
        in_order: batches always come in order (allowed for ``in_order=False`` too).
        worker_init_fn: called as ``fn(worker_id)`` in each worker thread.
        prefetch_factor: batches prefetched per worker (default 2 when num_workers > 0).
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("multiprocessing_context can only be used with multi-process "
                             f"loading (num_workers > 0), but got num_workers={num_workers}")
        self.multiprocessing_context = multiprocessing_context
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if prefetch_factor is not None and prefetch_factor <= 0:
            raise ValueError(f"prefetch_factor must be positive, got {prefetch_factor}")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor if prefetch_factor is not None else (
            2 if num_workers > 0 else None)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.persistent_workers = persistent_workers
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            if sampler is not None and shuffle:
                raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is mutually "
                                 "exclusive with drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle \
                else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._default_collate = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None or (self._iterable and self.batch_size is not None)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)  # TypeError when the stream has no length, as in PyTorch
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def _fetch(self, indices):
        """One batch (a list of indices) or one sample (an index) -> collated output."""
        ds = self.dataset
        if not self._auto_collation:
            return self.collate_fn(ds[indices])
        if self._default_collate and type(ds) is TensorDataset:
            # one gather per tensor == stacking the samples, without a Python loop
            idx = np.asarray(indices, dtype=np.int64)
            return [t[idx] for t in ds.tensors]
        getitems = getattr(ds, "__getitems__", None)
        data = getitems(list(indices)) if getitems else [ds[i] for i in indices]
        return self.collate_fn(data)

    def _index_stream(self):
        if self.batch_sampler is not None:
            return iter(self.batch_sampler)
        return iter(self.sampler)

    def _iter_iterable(self):
        it = iter(self.dataset)
        if self.batch_size is None:
            for sample in it:
                yield self.collate_fn(sample)
            return
        while batch := list(itertools.islice(it, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield self.collate_fn(batch)

    def __iter__(self):
        if self._iterable:
            return self._iter_iterable()
        if self.num_workers == 0:
            return (self._fetch(idx) for idx in self._index_stream())
        return self._iter_threads()

    def _iter_threads(self):
        counter = itertools.count()
        lock = threading.Lock()

        def init():
            with lock:
                wid = next(counter)
            if self.worker_init_fn is not None:
                self.worker_init_fn(wid)

        depth = self.num_workers * self.prefetch_factor
        pending: collections.deque = collections.deque()
        with ThreadPoolExecutor(self.num_workers, initializer=init) as pool:
            try:
                stream = self._index_stream()
                for idx in itertools.islice(stream, depth):
                    pending.append(pool.submit(self._fetch, idx))
                while pending:
                    batch = pending.popleft().result()
                    for idx in itertools.islice(stream, 1):
                        pending.append(pool.submit(self._fetch, idx))
                    yield batch
            finally:  # stopped early (break, error): don't wait for unneeded batches
                for fut in pending:
                    fut.cancel()
