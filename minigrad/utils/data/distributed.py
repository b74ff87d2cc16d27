"""``DistributedSampler``: each rank's share of a map-style dataset, as
``torch.utils.data.distributed``.

``minigrad.distributed`` is imported only when ``num_replicas`` or ``rank`` must come from
the process group, so ``minigrad.utils.data`` does not depend on it.
"""
from __future__ import annotations

import math
from typing import Iterator

from ...creation import randperm
from ...random import Generator
from .dataset import Dataset
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """Yield the indices of ``dataset`` that rank ``rank`` of ``num_replicas`` should load.

    Each epoch the index list (shuffled with ``seed + epoch`` when ``shuffle``) is padded by
    repeating its start until it divides evenly (or, with ``drop_last``, cut to the largest
    multiple of ``num_replicas``), then rank r takes every ``num_replicas``-th index from
    position r. So, without padding, the ranks cover the dataset exactly once per epoch.
    Call ``set_epoch(epoch)`` before each epoch for a new shuffle.

    Args:
        dataset: a map-style dataset (``len`` is used).
        num_replicas: number of ranks (default: the world size of the default group).
        rank: this rank (default: ``minigrad.distributed.get_rank()``).
        shuffle: shuffle the indices each epoch.
        seed: shuffle seed; must be the same on every rank.
        drop_last: drop the tail instead of padding to an even split.
    """

    def __init__(self, dataset: Dataset, num_replicas: int | None = None,
                 rank: int | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from ... import distributed as dist

            if not dist.is_initialized():
                raise RuntimeError("Requires distributed package to be available: call "
                                   "minigrad.distributed.init_process_group() first, or pass "
                                   "num_replicas and rank")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.drop_last, self.shuffle, self.seed = 0, drop_last, shuffle, seed
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` in the shuffle seed, so every epoch has its own order (the same
        on every rank)."""
        self.epoch = epoch
