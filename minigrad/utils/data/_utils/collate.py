"""Merging samples into batches: ``default_collate`` and ``default_convert``.

As ``torch.utils.data._utils.collate`` (also exported from ``minigrad.utils.data``).
"""
from __future__ import annotations

import collections.abc as abc
import copy
from typing import Any

import numpy as np

from .... import dtypes as _dt
from ....creation import tensor
from ....tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_COLLATE_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                "lists; found {}")


def _stack(batch: list[Tensor]) -> Tensor:
    from ....ops import stack

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
