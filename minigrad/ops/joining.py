"""Ops over a variable number of tensors: hstack/vstack/dstack/column_stack, the
``atleast_Nd`` family, broadcast_tensors/broadcast_shapes and block_diag.

All but ``BlockDiag`` are composites of ``cat``, ``reshape`` and ``expand``. Each takes
any number of tensors (from none, where PyTorch allows it, to thousands) and costs
O(number of inputs) in time and memory.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Size, Tensor
from ._util import cast
from .movement import cat


class BlockDiag(Function):
    """y = the 2-D blocks x_i on the diagonal of a zero matrix; gx_i = gy[block i]"""

    def forward(self, *xs, shape):
        y = self.xp.zeros(shape, dtype=xs[0].dtype if xs else np.float32)
        self.spans, r, c = [], 0, 0
        for x in xs:
            h, w = x.shape
            y[r:r + h, c:c + w] = x
            self.spans.append((r, c, h, w))
            r, c = r + h, c + w
        return y

    def backward(self, gy):
        return tuple(gy[r:r + h, c:c + w] if need else None
                     for (r, c, h, w), need in zip(self.spans, self.needs_input_grad))


def _tensors(op, tensors):
    """The tensors of ``op(*tensors)`` or ``op([tensors])`` as a list, type-checked."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    out = list(tensors)
    for i, t in enumerate(out):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}"
            )
    return out


def _nonempty(op, tensors):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return tensors


def _one_or_tuple(tensors, results):
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return results[0]
    return tuple(results)


def atleast_1d(*tensors):
    """Each tensor with at least one dim (0-d becomes shape (1,)); one tensor in, one
    out, otherwise a tuple."""
    ts = _tensors("atleast_1d", tensors)
    return _one_or_tuple(tensors, [t.reshape(1) if t.ndim == 0 else t for t in ts])


def atleast_2d(*tensors):
    """Each tensor with at least two dims: () -> (1, 1), (n,) -> (1, n)."""
    ts = _tensors("atleast_2d", tensors)
    return _one_or_tuple(tensors, [t.reshape((1,) * (2 - t.ndim) + tuple(t.shape))
                                   if t.ndim < 2 else t for t in ts])


def atleast_3d(*tensors):
    """Each tensor with at least three dims: () -> (1, 1, 1), (n,) -> (1, n, 1),
    (m, n) -> (m, n, 1)."""
    ts = _tensors("atleast_3d", tensors)

    def up(t):
        if t.ndim == 0:
            return t.reshape(1, 1, 1)
        if t.ndim == 1:
            return t.reshape(1, t.shape[0], 1)
        return t.unsqueeze(-1) if t.ndim == 2 else t

    return _one_or_tuple(tensors, [up(t) for t in ts])


def hstack(tensors):
    """Concatenate column-wise: along dim 0 for 1-D tensors, else dim 1 (0-d tensors
    count as 1-D)."""
    ts = atleast_1d(_nonempty("hstack", tensors))
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors):
    """Concatenate row-wise (dim 0) after making every tensor at least 2-D."""
    return cat(atleast_2d(_nonempty("vstack", tensors)), 0)


row_stack = vstack


def dstack(tensors):
    """Concatenate depth-wise (dim 2) after making every tensor at least 3-D."""
    return cat(atleast_3d(_nonempty("dstack", tensors)), 2)


def column_stack(tensors):
    """Stack as columns: 0-d and 1-D tensors become (n, 1) columns, then hstack."""
    ts = _nonempty("column_stack", tensors)
    return hstack([t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in ts])


def broadcast_shapes(*shapes):
    """The shape that all ``shapes`` (ints or sequences of ints) broadcast to."""
    out: list = []
    for i, s in enumerate(shapes):
        s = (s,) if isinstance(s, int) else tuple(s)
        if len(s) > len(out):
            out = [1] * (len(s) - len(out)) + out
        for k in range(1, len(s) + 1):
            a, b = out[-k], s[-k]
            if b != a and b != 1:
                if a != 1:
                    raise RuntimeError(
                        f"Attempting to broadcast a dimension of length {b} at {-k}! Mismatching "
                        f"argument at index {i} had {s}; but expected shape should be "
                        f"broadcastable to {out}"
                    )
                out[-k] = b
    return Size(out)


def broadcast_tensors(*tensors):
    """Expand every tensor to their common broadcast shape (views; no copies)."""
    ts = _tensors("broadcast_tensors", tensors)
    try:
        shape = broadcast_shapes(*[t.shape for t in ts])
    except RuntimeError:
        from ..autograd.function import _raise_broadcast

        _raise_broadcast("broadcast_tensors", ts, ValueError("operands could not be broadcast"))
        raise
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in ts)


def block_diag(*tensors):
    """A block-diagonal matrix of the inputs (0-d as 1x1, 1-D (n,) as 1xn, 2-D as is);
    dtypes promote. With no inputs: an empty (1, 0) float tensor, as in PyTorch."""
    ts = _tensors("block_diag", tensors)
    blocks = []
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise RuntimeError(
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                f"{i} has {t.ndim} dimensions"
            )
        blocks.append(t.reshape((1,) * (2 - t.ndim) + tuple(t.shape)) if t.ndim < 2 else t)
    if not blocks:
        return Tensor._wrap(np.zeros((1, 0), dtype=_dt.get_default_dtype().np))
    dt = blocks[0].array.dtype
    for t in blocks[1:]:
        dt = _dt._promote_np(dt, t.array.dtype)
    shape = (sum(t.shape[0] for t in blocks), sum(t.shape[1] for t in blocks))
    return BlockDiag.apply(*[cast(t, dt) for t in blocks], shape=shape)


__all__ = [
    "atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "broadcast_shapes",
    "broadcast_tensors", "column_stack", "dstack", "hstack", "row_stack", "vstack",
]
