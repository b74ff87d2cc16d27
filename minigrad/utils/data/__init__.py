"""Datasets, samplers and ``DataLoader``, laid out as ``torch.utils.data``.

- :mod:`.dataset`: ``Dataset``, ``IterableDataset``, ``TensorDataset``, ``ConcatDataset``,
  ``Subset``, ``StackDataset``, ``ChainDataset``, ``random_split``.
- :mod:`.sampler`: ``Sampler``, ``SequentialSampler``, ``RandomSampler``,
  ``SubsetRandomSampler``, ``WeightedRandomSampler``, ``BatchSampler``.
- :mod:`.distributed`: ``DistributedSampler`` (each process's share of a dataset).
- :mod:`.dataloader`: ``DataLoader``, ``get_worker_info``; collation in
  :mod:`._utils.collate` (``default_collate``, ``default_convert``).
"""
from .dataloader import DataLoader, get_worker_info
from .dataset import (
    ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset,
    random_split,
)
from ._utils.collate import default_collate, default_convert
from .distributed import DistributedSampler
from .sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset",
           "StackDataset", "ChainDataset", "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "DistributedSampler", "DataLoader",
           "default_collate", "default_convert", "get_worker_info"]
