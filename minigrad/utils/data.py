"""Datasets, samplers and ``DataLoader``, as ``torch.utils.data``.

A map-style ``Dataset`` answers ``len()`` and ``dataset[i]``; a sampler yields
indices; a ``BatchSampler`` groups them; ``DataLoader`` fetches each batch's
samples and merges them with ``collate_fn`` (``default_collate`` stacks tensors,
arrays and numbers, and recurses into tuples, lists and dicts). Shuffling draws
from a ``minigrad.Generator`` (or the global one, seeded by ``manual_seed``), so
runs are reproducible.
"""
from __future__ import annotations

import bisect
import collections
import collections.abc as abc
import copy
import itertools
import math
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from .. import dtypes as _dt
from ..creation import randint, randperm, tensor
from ..tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "BatchSampler", "DataLoader", "default_collate",
           "default_convert", "get_worker_info"]


# ---- datasets ---------------------------------------------------------------------------

class Dataset:
    """A map-style dataset: subclasses implement ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses implement ``__iter__`` (no indexing, no sampler)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class TensorDataset(Dataset):
    """Samples are ``(t[i] for t in tensors)``; all tensors share their first dimension.

    ``DataLoader`` with the default collate fetches a whole batch of a TensorDataset
    with one gather per tensor (same result as stacking the samples, much faster).
    """

    def __init__(self, *tensors: Tensor):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0] if tensors[0].ndim else None
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset takes Tensors, got {type(t).__name__} at "
                                f"position {i}")
            if t.ndim == 0 or t.shape[0] != n:
                raise ValueError(
                    "Size mismatch between tensors: first dimensions are "
                    f"{[t.shape[0] if t.ndim else None for t in tensors]}"
                )
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class ConcatDataset(Dataset):
    """The concatenation of several map-style datasets."""

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise IndexError("absolute value of index should not exceed dataset length")
            idx += len(self)
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[d - 1] if d else 0
        return self.datasets[d][idx - start]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        inner = [self.indices[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return getitems(inner)
        return [self.dataset[i] for i in inner]

    def __len__(self):
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets.

    Args:
        dataset: the dataset to split.
        lengths: sizes of the splits, or fractions summing to 1 (the ``floor`` of each
            share, with the remainder handed out one by one from the first split, as in
            PyTorch).
        generator: the ``minigrad.Generator`` for the permutation (default: global).
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(int(math.floor(n * frac)))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, s in enumerate(sizes):
            if s == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", UserWarning, stacklevel=2)
        lengths = sizes
    if any(int(s) != s or s < 0 for s in lengths):
        raise ValueError(f"lengths must be non-negative integers or fractions, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths ({sum(lengths)}) does not equal the length of "
                         f"the input dataset ({n})!")
    perm = randperm(n, generator=generator).tolist()
    return [Subset(dataset, perm[end - s:end])
            for end, s in zip(itertools.accumulate(lengths), lengths)]


# ---- samplers ---------------------------------------------------------------------------

class Sampler:
    """Yields dataset indices; subclasses implement ``__iter__`` (and ``__len__``)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation each epoch (or ``num_samples`` draws with replacement).

    Args:
        data_source: the dataset.
        replacement: draw with replacement.
        num_samples: how many indices per epoch (default ``len(data_source)``).
        generator: a ``minigrad.Generator``; None uses the global one.
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, k = len(self.data_source), self.num_samples
        if self.replacement:
            return iter(randint(0, n, (k,), generator=self.generator).tolist())
        idx = [randperm(n, generator=self.generator).tolist() for _ in range(k // n)]
        if k % n:
            idx.append(randperm(n, generator=self.generator).tolist()[: k % n])
        return itertools.chain.from_iterable(idx)

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a random order each epoch."""

    def __init__(self, indices: Sequence[int], generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        return (self.indices[i] for i in randperm(len(self.indices),
                                                  generator=self.generator).tolist())

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size``.

    Args:
        sampler: any iterable of indices.
        batch_size: indices per batch (positive).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ---- collation --------------------------------------------------------------------------

_COLLATE_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                "lists; found {}")


def _stack(batch: list[Tensor]) -> Tensor:
    from ..ops import stack

    if not any(t.requires_grad for t in batch):
        shapes = {t.shape for t in batch}
        if len(shapes) == 1:
            xp = batch[0].xp
            return Tensor._wrap(xp.stack([t.array for t in batch]))
    return stack(batch, 0)


def default_collate(batch: list) -> Any:
    """Merge a list of samples into a batch, as PyTorch's ``default_collate``.

    * Tensors are stacked along a new first dimension; NumPy arrays too (-> Tensor).
    * NumPy scalars -> a tensor of their dtype; Python floats -> float64 (PyTorch does
      the same: ``torch.tensor(batch, dtype=torch.float64)``); ints -> int64; bools -> bool.
    * str and bytes are returned as a list.
    * dicts are collated per key; namedtuples field by field; other sequences
      (tuples, lists) are transposed and collated position by position, and returned
      as lists (tuples too, as in PyTorch).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "SUaO":
            raise TypeError(_COLLATE_ERR.format(elem.dtype))
        for i, b in enumerate(batch):
            if b.shape != elem.shape:
                raise RuntimeError(f"stack expects each array to be equal size, but got "
                                   f"{list(elem.shape)} at entry 0 and {list(b.shape)} at "
                                   f"entry {i}")
        return tensor(np.stack(batch))
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        if elem.dtype.kind in "SUaO":
            raise TypeError(_COLLATE_ERR.format(elem.dtype))
        return tensor(np.array(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return tensor(batch, dtype=_dt.bool_)
    if isinstance(elem, float):
        return tensor(batch, dtype=_dt.float64)
    if isinstance(elem, int):
        return tensor(batch, dtype=_dt.int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, abc.Mapping):
        collated = {k: default_collate([d[k] for d in batch]) for k in elem}
        if isinstance(elem, abc.MutableMapping):
            try:
                out = copy.copy(elem)
                out.update(collated)
                return out
            except TypeError:
                return collated
        return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, abc.Sequence):
        n = len(elem)
        if any(len(b) != n for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(_COLLATE_ERR.format(type(elem)))


def default_convert(data: Any) -> Any:
    """Convert NumPy arrays and scalars in ``data`` to Tensors (no batching)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind not in "SUaO":
        return tensor(data)
    if isinstance(data, abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data


def get_worker_info():
    """PyTorch's worker info; minigrad loads in the main process (or threads): None."""
    return None


# ---- loader -----------------------------------------------------------------------------

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
        pin_memory, timeout, persistent_workers: accepted for compatibility, ignored.
        worker_init_fn: called as ``fn(worker_id)`` in each worker thread.
        prefetch_factor: batches prefetched per worker (default 2 when num_workers > 0).
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
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



from ._distributed_sampler import DistributedSampler  # noqa: E402  (needs Sampler above)

__all__.append("DistributedSampler")
