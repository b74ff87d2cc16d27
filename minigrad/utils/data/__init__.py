"""Datasets, samplers and ``DataLoader``, laid out as ``torch.utils.data``.

- :mod:`.dataset`: ``Dataset``, ``IterableDataset``, ``TensorDataset``, ``ConcatDataset``,
  ``Subset``, ``random_split``.
- :mod:`.sampler`: ``Sampler``, ``SequentialSampler``, ``RandomSampler``,
  ``SubsetRandomSampler``, ``BatchSampler``.
- :mod:`.distributed`: ``DistributedSampler`` (each process's share of a dataset).
- :mod:`.dataloader`: ``DataLoader``, ``get_worker_info``; collation in
  :mod:`._utils.collate` (``default_collate``, ``default_convert``).
"""
from .dataloader import DataLoader, get_worker_info
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from ._utils.collate import default_collate, default_convert
from .distributed import DistributedSampler
from .sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "BatchSampler", "DistributedSampler", "DataLoader",
           "default_collate", "default_convert", "get_worker_info"]
