"""Scatter-style writes along a dimension: scatter_reduce, index_add, index_copy,
index_fill, masked_scatter (and, as Tensor methods, their in-place ``name_`` forms with
scatter_ and scatter_add_).

Built on the indexing primitives (``IndexAdd``, ``SetItem``, ``GetItem``) where the
gradient follows from them; two small primitives add what they cannot express:

* ``ScatterProd``    y = x; y[idx] *= src      g = gy * (product of the other factors)
* ``ScatterExtreme`` y = x; y[idx] = max(...)  g = gy / (number of tied maxima) at each
  tied maximum, 0 elsewhere (PyTorch's amax/amin rule)
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from ._util import const, multiply_at
from .indexing import (
    GetItem, IndexAdd, SetItem, _along_dim_key, _bool_mask, _Index, _int_index, _same_ndim,
    _wrap_negative, scatter, scatter_add,
)

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


class ScatterProd(Function):
    """y = x; y[idx] *= src (repeats multiply); gx = gy * (product of the other factors at
    that output), gsrc = gy[idx] * (product of the other factors). Exact with zeros; the
    second derivative is exact where no factor is zero."""

    def forward(self, x, src, idx):
        self.idx = idx
        self.save_for_backward(x, src)
        y = x.copy()
        multiply_at(self.xp, y, idx.key, src)
        return y

    def backward(self, gy):
        from .compare import where

        x, src = self.saved_tensors
        xp, idx = x.xp, self.idx
        zx, zs = x.array == 0, src.array == 0
        zc = zx.astype(np.int64)  # zero factors per output position
        xp.add.at(zc, idx.key, zs.astype(np.int64))
        one = const(1, x)
        x1, s1 = where(Tensor._wrap(zx), one, x), where(Tensor._wrap(zs), one, src)
        p = ScatterProd.apply(x1, s1, idx=idx)  # product of the non-zero factors
        ps, zcs = GetItem.apply(p, idx=idx), zc[idx.key]

        def others(v1, z, count, prod):
            # p / v where no factor is zero; p (the others) for the only zero; else 0
            none, only = Tensor._wrap(count == 0), Tensor._wrap((count == 1) & z)
            zero = const(0, x)
            return where(none, prod / v1, where(only, prod, zero))

        n0, n1 = self.needs_input_grad
        gx = gy * others(x1, zx, zc, p) if n0 else None
        gs = GetItem.apply(gy, idx=idx) * others(s1, zs, zcs, ps) if n1 else None
        return gx, gs


class ScatterExtreme(Function):
    """y = x; y[idx] = max(y[idx], src) (min when ``is_min``); the gradient is shared
    evenly among the factors equal to the result (gx = gy * hit_x / n, gsrc likewise)."""

    def forward(self, x, src, idx, is_min):
        xp = self.xp
        y = x.copy()
        (xp.minimum if is_min else xp.maximum).at(y, idx.key, src)
        hx, hs = x == y, src == y[idx.key]
        n = hx.astype(x.dtype)
        xp.add.at(n, idx.key, hs.astype(x.dtype))
        self.idx, self.hx, self.hs, self.n = idx, hx, hs, n
        return y

    def backward(self, gy):
        g = gy / Tensor._wrap(self.n)
        zero = Tensor._wrap(gy.xp.zeros((), gy.array.dtype))
        from .compare import where

        gx = where(Tensor._wrap(self.hx), g, zero)
        gs = where(Tensor._wrap(self.hs), GetItem.apply(g, idx=self.idx), zero)
        return gx, gs


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max if dtype.kind in "iu" else True
    return big if reduce == "amin" else (-big if dtype.kind in "fi" else 0)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce ``src`` into a copy of ``input`` at ``index`` along ``dim``:
    ``out[index[i][j]][j] = reduce(out[...], src[i][j])`` (for dim=0).

    Args:
        input: tensor to scatter into.
        dim: the dimension along which to index.
        index: int64 tensor with input's number of dims (no larger than src).
        src: values to scatter (same dtype as input).
        reduce: ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``.
        include_self: whether input's own values take part at the positions written to
            (untouched positions always keep input's value).

    Returns:
        Tensor of input's shape. Differentiable for every reduction; ``mean`` of integers
        rounds down, as in PyTorch.
    """
    if reduce not in _REDUCES:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): src must be a Tensor, got {type(src).__name__}")
    index = _int_index("scatter_reduce", index, input)
    _same_ndim("scatter_reduce", input, index)
    if input.ndim == 0:
        _wrap_dim(dim, 0)
        return scatter_reduce(input.reshape(1), 0, index.reshape(1), src.reshape(1), reduce,
                              include_self=include_self).reshape(())
    from .indexing import _scatter_src

    dim = _wrap_dim(dim, input.ndim)
    src = _scatter_src("scatter_reduce", input, index, src)
    idx = _along_dim_key("scatter_reduce", input.shape, index, dim)
    xp, x = input.xp, input
    touched = xp.zeros(input.shape, bool)
    touched[idx.key] = True
    if not include_self:
        from .compare import where

        x = where(Tensor._wrap(touched), const(_identity(reduce, x.array.dtype), x), x)
    shape = tuple(input.shape)
    if reduce in ("sum", "mean"):
        total = x + IndexAdd.apply(src, shape=shape, idx=idx)
        if reduce == "sum":
            return total
        count = xp.zeros(shape, np.int64)
        xp.add.at(count, idx.key, 1)
        count += ~touched | include_self
        count = Tensor._wrap(count.astype(input.array.dtype))
        if input.array.dtype.kind == "f":
            return total / count
        from .elementwise import div

        return div(total, count, rounding_mode="floor")
    if reduce == "prod":
        return ScatterProd.apply(x, src, idx=idx)
    return ScatterExtreme.apply(x, src, idx=idx, is_min=reduce == "amin")


def _dim_index(op, input, dim, index):
    """(dim, key) for index_add/copy/fill: a 1-D (or 0-d) int index along ``dim``."""
    index = _int_index(op, index, input)
    if index.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape "
                         f"{tuple(index.shape)}")
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    try:
        arr = _wrap_negative(index.array.reshape(-1), size, d, allow_negative=False)
    except IndexError as e:
        raise IndexError(f"{op}(): {e} (input shape {tuple(input.shape)})") from None
    return d, arr


def _check_source(op, input, d, n, source):
    if not isinstance(source, Tensor):
        raise TypeError(f"{op}(): source must be a Tensor, got {type(source).__name__}")
    want = list(input.shape)
    if want:
        want[d] = n
    if list(source.shape) != want and not (source.numel() == n and input.ndim <= 1):
        raise RuntimeError(
            f"{op}(): source of shape {list(source.shape)} does not match the input shape "
            f"{list(input.shape)} with dimension {d} of size {n} (the index length)")
    if source.array.dtype != input.array.dtype:
        raise RuntimeError(
            f"{op}(): self ({input.dtype}) and source ({source.dtype}) must have the same "
            "scalar type")
    return source.reshape(want) if list(source.shape) != want else source


def index_add(input, dim, index, source, *, alpha=1):
    """``input`` plus ``alpha * source`` added at ``index`` along ``dim`` (repeats add up).

    Shape:
        index: ``(n,)``; source: input's shape with ``n`` at ``dim``.
    """
    d, arr = _dim_index("index_add", input, dim, index)
    source = _check_source("index_add", input, d, arr.shape[0], source)
    if alpha != 1:
        source = source * alpha
    if input.ndim == 0:
        return input + source.sum()
    return input + IndexAdd.apply(source, shape=tuple(input.shape),
                                  idx=_Index((slice(None),) * d + (arr,)))


def index_copy(input, dim, index, source):
    """A copy of ``input`` with the slices at ``index`` along ``dim`` replaced by
    ``source``'s (with repeated indices, which write wins is unspecified)."""
    d, arr = _dim_index("index_copy", input, dim, index)
    source = _check_source("index_copy", input, d, arr.shape[0], source)
    if input.ndim == 0:
        return source.reshape(()).clone() if arr.shape[0] else input.clone()
    return SetItem.apply(input, source, idx=_Index((slice(None),) * d + (arr,)))


def index_fill(input, dim, index, value):
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value``
    (a number or a 0-d tensor, which receives the gradient)."""
    d, arr = _dim_index("index_fill", input, dim, index)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s).")
        from ._util import cast

        v = cast(value, input.array.dtype)
    else:
        v = const(value, input)
    if input.ndim == 0:
        return SetItem.apply(input.reshape(1), v, idx=_Index((arr,))).reshape(())
    return SetItem.apply(input, v, idx=_Index((slice(None),) * d + (arr,)))


def masked_scatter(input, mask, source):
    """A copy of ``input`` (broadcast with ``mask``) whose entries where ``mask`` is True
    are taken from ``source``'s first elements, in row-major order."""
    mask, shape = _bool_mask("masked_scatter", mask, input)
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter(): source must be a Tensor, got {type(source).__name__}")
    if source.array.dtype != input.array.dtype:
        raise RuntimeError(
            f"masked_scatter_: expected self and source to have same dtypes but got "
            f"{input.dtype} and {source.dtype}")
    m = mask.array if tuple(mask.shape) == shape else input.xp.broadcast_to(mask.array, shape)
    n = int(m.sum())
    if source.numel() < n:
        raise RuntimeError(
            f"masked_scatter: expected source to have at least as many elements as ones in mask "
            f"({n}), got {source.numel()}")
    x = input if tuple(input.shape) == shape else input.expand(shape)
    vals = source.reshape(-1)[:n]
    if x.ndim == 0:
        return SetItem.apply(x.reshape(1), vals, idx=_Index((m.reshape(1),), unique=True)
                             ).reshape(())
    return SetItem.apply(x, vals, idx=_Index((m,), unique=True))


__all__ = ["index_add", "index_copy", "index_fill", "masked_scatter", "scatter_reduce"]
# Tensor methods generated in tensor.py: pure forwards, and the in-place ``name_`` forms
METHODS = ["index_add", "index_copy", "index_fill", "masked_scatter", "scatter_reduce"]
INPLACE_METHODS = ["index_add", "index_copy", "index_fill", "masked_scatter", "scatter",
                   "scatter_add", "scatter_reduce"]
_ = (scatter, scatter_add)  # looked up by name for the in-place forms
