"""Reductions over ``dim`` (int, tuple, negative or None) with ``keepdim``."""
from __future__ import annotations

from ..autograd.function import Function
from ._util import cast, norm_dims


def _expand_back(gy, shape, axes, keepdim):
    """Broadcast a reduced gradient back to ``shape`` (re-inserting reduced axes)."""
    from .movement import broadcast_to, reshape

    if not keepdim and axes is not None:
        kshape = list(shape)
        for a in axes:
            kshape[a] = 1
        gy = reshape(gy, tuple(kshape))
    elif axes is None and not keepdim:
        gy = reshape(gy, (1,) * len(shape))
    return broadcast_to(gy, shape)


class Sum(Function):
    """y = sum(x, axes); gx = broadcast(gy)"""

    def forward(self, x, axes=None, keepdim=False):
        self.in_shape, self.axes, self.keepdim = x.shape, axes, keepdim
        return x.sum(axis=axes, keepdims=keepdim)

    def backward(self, gy):
        return _expand_back(gy, self.in_shape, self.axes, self.keepdim)


def sum(x, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (all dims when None). Bool/int inputs sum to int64, as in PyTorch."""
    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x.data.dtype.kind in "bui":
        x = cast(x, "int64")
    axes = norm_dims(dim, x.ndim)
    if axes == () and dim is not None:
        return x.clone()
    return Sum.apply(x, axes=axes, keepdim=keepdim)


__all__ = ["sum"]
