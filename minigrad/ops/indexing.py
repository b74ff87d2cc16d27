"""Indexing: getitem/setitem, gather, scatter, index_select, masked ops."""
from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor


def _index_arrays(index):
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, tuple):
        return tuple(_index_arrays(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    return index


class GetItem(Function):
    """y = x[index]; gx = zeros_like(x) with gy added at index (repeats accumulate)"""

    def forward(self, x, index):
        self.in_shape, self.index = x.shape, index
        return x[index]

    def backward(self, gy):
        return IndexAdd.apply(gy, shape=self.in_shape, index=self.index)


class IndexAdd(Function):
    """y = zeros(shape); y[index] += x (accumulating repeats); gx = gy[index]"""

    def forward(self, x, shape, index):
        self.index = index
        y = self.xp.zeros(shape, dtype=x.dtype)
        self.xp.add.at(y, index, x) if _has_advanced(index) else y.__setitem__(index, x)
        return y

    def backward(self, gy):
        return GetItem.apply(gy, index=self.index)


def _has_advanced(index):
    idx = index if isinstance(index, tuple) else (index,)
    return any(not isinstance(i, (int, slice, type(None), type(Ellipsis))) for i in idx)


def getitem(x, index):
    """``x[index]`` with ints, slices, None, Ellipsis, integer and boolean tensors/lists."""
    idx = _index_arrays(index)
    try:
        return GetItem.apply(x, index=idx)
    except IndexError as e:
        raise IndexError(f"{e} (indexing a tensor of shape {tuple(x.shape)})") from None


__all__ = ["getitem"]
