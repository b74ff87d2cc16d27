"""Samplers: which dataset indices to visit, in what order, as ``torch.utils.data.sampler``.

Shuffling draws from a ``minigrad.Generator`` (or the global one, seeded by
``manual_seed``), so runs are reproducible.
"""
from __future__ import annotations

import itertools
from typing import Iterable, Iterator, Sequence

from ... import dtypes
from ...creation import randint, randperm, tensor
from ...ops.sampling import multinomial
from ...tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]

_CHUNK = 1024  # indices drawn at once when sampling with replacement

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
        # Lazily, a chunk at a time: ``num_samples=10**10`` (an endless stream) must not
        # allocate all its indices up front.
        n, k, g = len(self.data_source), self.num_samples, self.generator
        if self.replacement:
            for start in range(0, k, _CHUNK):
                yield from randint(0, n, (min(_CHUNK, k - start),), generator=g).tolist()
            return
        for _ in range(k // n):
            yield from randperm(n, generator=g).tolist()
        if k % n:
            yield from randperm(n, generator=g).tolist()[: k % n]

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


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))``, each drawn with probability
    proportional to its weight (``multinomial``), as ``torch.utils.data.WeightedRandomSampler``.

    Args:
        weights: a 1-D sequence of non-negative weights (need not sum to 1).
        num_samples: how many indices per epoch.
        replacement: draw with replacement (default True); without it each index appears
            at most once, so ``num_samples <= len(weights)``.
        generator: a ``minigrad.Generator``; None uses the global one.
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None):
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        w = (weights.detach().to(dtypes.float64) if isinstance(weights, Tensor)
             else tensor(weights, dtype=dtypes.float64))
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        k, g = self.num_samples, self.generator
        if not self.replacement:  # at most len(weights) indices: one draw
            yield from multinomial(self.weights, k, False, generator=g).tolist()
            return
        for start in range(0, k, _CHUNK):  # lazily, as RandomSampler
            yield from multinomial(self.weights, min(_CHUNK, k - start), True,
                                   generator=g).tolist()

    def __len__(self):
        return self.num_samples


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
