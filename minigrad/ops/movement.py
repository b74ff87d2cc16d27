"""Shape and movement ops: views, broadcasts, joins and splits."""
from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim


class SumTo(Function):
    """y = x summed down to ``shape`` (undoing broadcasting); gx = broadcast_to(gy, x.shape)"""

    def forward(self, x, shape):
        self.in_shape = x.shape
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1
        )
        y = x.sum(axis=axes, keepdims=True) if axes else x
        if lead:
            y = y.reshape(shape)
        return y

    def backward(self, gy):
        return broadcast_to(gy, self.in_shape)


class BroadcastTo(Function):
    """y = x broadcast to ``shape`` (a read-only view); gx = sum_to(gy, x.shape)"""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return self.xp.broadcast_to(x, shape)

    def backward(self, gy):
        return sum_to(gy, self.in_shape)


class Reshape(Function):
    """y = x.reshape(shape); gx = gy.reshape(x.shape)"""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, gy):
        return reshape(gy, self.in_shape)


class Permute(Function):
    """y = x.transpose(perm); gx = gy.transpose(argsort(perm))"""

    def forward(self, x, perm):
        self.perm = perm
        return x.transpose(perm)

    def backward(self, gy):
        inv = [0] * len(self.perm)
        for i, p in enumerate(self.perm):
            inv[p] = i
        return Permute.apply(gy, perm=tuple(inv))


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def sum_to(x, shape):
    """Sum ``x`` down to ``shape`` (the reverse of broadcasting); ValueError if impossible."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead < 0 or any(s != 1 and s != xs for s, xs in zip(shape, x.shape[lead:])):
        raise ValueError(f"cannot sum shape {tuple(x.shape)} down to {shape}")
    return SumTo.apply(x, shape=shape)


def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape``; -1 keeps a dimension's size."""
    shape = _shape_arg((shape,)) if not isinstance(shape, int) else (shape,)
    lead = len(shape) - x.ndim
    if lead < 0:
        raise RuntimeError(
            f"the number of sizes provided ({len(shape)}) must be greater or equal to the number "
            f"of dimensions in the tensor ({x.ndim})"
        )
    shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape))
    if shape == tuple(x.shape):
        return x
    for i, s in enumerate(x.shape):
        if s != 1 and s != shape[i + lead]:
            raise RuntimeError(
                f"The expanded size of the tensor ({shape[i + lead]}) must match the existing size "
                f"({s}) at non-singleton dimension {i + lead}. Target sizes: {list(shape)}. "
                f"Tensor sizes: {list(x.shape)}"
            )
    return BroadcastTo.apply(x, shape=shape)


def expand(x, *sizes):
    """``x.expand(*sizes)``: broadcast without copying; -1 keeps a size."""
    return broadcast_to(x, _shape_arg(sizes))


def reshape(x, *shape):
    """``x.reshape(*shape)``; one size may be -1."""
    shape = _shape_arg(shape)
    if shape == tuple(x.shape):
        return x
    try:
        return Reshape.apply(x, shape=shape)
    except ValueError:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {x.numel()}") from None


def view(x, *shape):
    """Like reshape (NumPy copies when a view is impossible; PyTorch would raise)."""
    return reshape(x, *shape)


def permute(x, *dims):
    dims = _shape_arg(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    perm = tuple(_wrap_dim(d, x.ndim) for d in dims)
    if sorted(perm) != list(range(x.ndim)):
        raise RuntimeError(f"permute(): duplicate dims are not allowed: {dims}")
    if perm == tuple(range(x.ndim)):
        return x
    return Permute.apply(x, perm=perm)


def transpose(x, dim0, dim1):
    n = x.ndim
    d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    perm = list(range(n))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return permute(x, *perm)


def unsqueeze(x, dim):
    """Insert a size-1 dimension at ``dim`` (a view)."""
    d = _wrap_dim(dim, x.ndim + 1)
    shape = list(x.shape)
    shape.insert(d, 1)
    return reshape(x, tuple(shape))


def squeeze(x, dim=None):
    """Remove size-1 dimensions (all, or those in ``dim`` that have size 1)."""
    if dim is None:
        shape = tuple(s for s in x.shape if s != 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = {_wrap_dim(d, x.ndim) for d in dims} if x.ndim else set()
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return reshape(x, shape)


def contiguous(x):
    from .. import ops

    return x if x.data.flags.c_contiguous else ops.clone(x)


class Clone(Function):
    """y = copy of x; gx = gy"""

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


def clone(x):
    return Clone.apply(x)




__all__ = ["sum_to", "broadcast_to", "expand", "reshape", "view", "permute", "transpose",
           "contiguous", "clone", "squeeze", "unsqueeze"]
