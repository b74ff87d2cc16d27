"""Diagonals and triangles: diagonal, diag, diag_embed, diagflat, triu_indices,
tril_indices (and, as Tensor methods, the in-place triu_ and tril_).

``diagonal`` is a view (one small Function whose backward is the differentiable
``diagonal_scatter`` into zeros); the others are composites of getitem/IndexAdd over the
last two dims (the two dims are moved there first), so every order of derivative follows
from the indexing primitives.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from .indexing import IndexAdd, _Index
from .movement import movedim, tril, triu


def _diag_key(xp, n, m, offset):
    """Row and column indices of the ``offset`` diagonal of an (n, m) matrix."""
    rows = xp.arange(max(0, -offset), min(n, m - offset) if offset < m else 0)
    return rows, rows + offset


class Diagonal(Function):
    """y = the ``offset`` diagonal of the (d1, d2) matrices of x, a view of x (in-place
    writes through it reach x, as in PyTorch); gx = zeros like x with gy on that diagonal"""

    def forward(self, x, offset, d1, d2):
        self.in_shape, self.args = x.shape, (offset, d1, d2)
        # NumPy's own diagonal is read-only: the same view built by striding is writeable
        xp = self.xp
        m = xp.moveaxis(x, (d1, d2), (-2, -1))
        n, k = m.shape[-2:]
        r0, c0 = max(0, -offset), max(0, offset)
        length = max(0, min(n - r0, k - c0))
        m = m[..., r0:r0 + length, c0:c0 + length]
        return xp.lib.stride_tricks.as_strided(
            m, m.shape[:-2] + (length,), m.strides[:-2] + (m.strides[-2] + m.strides[-1],))

    def backward(self, gy):
        from .selecting import diagonal_scatter

        offset, d1, d2 = self.args
        zeros = Tensor._wrap(gy.xp.zeros(self.in_shape, gy.array.dtype))
        return diagonal_scatter(zeros, gy, offset, d1, d2)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The ``offset`` diagonal of the (dim1, dim2) matrices, as a new last dimension; a
    view of ``input``, as in PyTorch.

    Shape:
        input ``(..., n, ..., m, ...)`` -> the other dims then ``(k,)``, k the diagonal's
        length.
    """
    d1, d2 = _wrap_dim(dim1, input.ndim), _wrap_dim(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset=int(offset), d1=d1, d2=d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices whose ``offset`` diagonal (in dims ``dim1``, ``dim2`` of the output) holds
    the last dimension of ``input``; zeros elsewhere.

    Shape:
        input ``(..., k)`` -> output of ``input.ndim + 1`` dims with two of size
        ``k + |offset|`` at ``dim1`` and ``dim2``.
    """
    nd = input.ndim + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = input.reshape(1) if input.ndim == 0 else input
    k = x.shape[-1] + abs(offset)
    r, c = _diag_key(input.xp, k, k, offset)
    shape = tuple(x.shape[:-1]) + (k, k)
    y = IndexAdd.apply(x, shape=shape, idx=_Index((Ellipsis, r, c), unique=True))
    return movedim(y, (nd - 2, nd - 1), (d1, d2))


def diag(input, diagonal=0):
    """1-D input: the square matrix with ``input`` on its ``diagonal``-th diagonal.
    2-D input: its ``diagonal``-th diagonal as a 1-D tensor."""
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:  # a copy here, as torch.diag (only torch.diagonal is a view)
        return globals()["diagonal"](input, diagonal).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def diagflat(input, offset=0):
    """The square matrix with the flattened ``input`` on its ``offset`` diagonal."""
    return diag_embed(input.reshape(-1), offset)


def _tri_indices(row, col, offset, dtype, device, upper):
    dt = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    if dt.np.kind not in "iu":
        raise RuntimeError(f"\"{'triu' if upper else 'tril'}_indices\" not implemented for "
                           f"'{dt.name}'")
    fn = np.triu_indices if upper else np.tril_indices
    r, c = fn(row, offset, col) if row > 0 and col > 0 else (np.zeros(0), np.zeros(0))
    arr = np.stack([r, c]).astype(dt.np)
    dev = backend.device(device) if device is not None else backend.default_device()
    return Tensor._wrap(backend.to_device(arr, dev) if dev.type != "cpu" else arr)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the upper triangle (``col - row >= offset``) of a
    ``row x col`` matrix, row by row."""
    return _tri_indices(row, col, offset, dtype, device, True)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the lower triangle (``col - row <= offset``)."""
    return _tri_indices(row, col, offset, dtype, device, False)


__all__ = ["diag", "diag_embed", "diagflat", "diagonal", "tril_indices", "triu_indices"]
METHODS = ["diag", "diag_embed", "diagflat", "diagonal"]
INPLACE_METHODS = ["tril", "triu"]
_ = (tril, triu)  # looked up by name for the in-place forms
