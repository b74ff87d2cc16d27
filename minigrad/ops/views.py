"""Windows, slices and grids: narrow, narrow_copy, Tensor.unfold, meshgrid,
repeat_interleave.

One primitive: ``Unfold`` (sliding windows as a strided view; its backward adds the
windows back, and that adjoint's backward is ``Unfold`` again, so both orders are exact).
The rest are composites of getitem, reshape, expand and index_select.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from .indexing import _mark_view, getitem, index_select
from .movement import clone, movedim


def _windows(xp, a, axis, size, step):
    """Strided view of ``a``: ``axis`` becomes the window count, a new last dim of ``size``."""
    n = (a.shape[axis] - size) // step + 1
    shape = a.shape[:axis] + (n,) + a.shape[axis + 1:] + (size,)
    st = a.strides
    strides = st[:axis] + (st[axis] * step,) + st[axis + 1:] + (st[axis],)
    lib = np.lib.stride_tricks if xp is np else xp.lib.stride_tricks
    return lib.as_strided(a, shape=shape, strides=strides)


class Unfold(Function):
    """y[..., k, ..., j] = x[..., k*step + j, ...] (windows of ``size`` along ``axis``);
    gx = the windows of gy added back into x's shape (``_FoldAdd``)."""

    def forward(self, x, axis, size, step):
        self.in_shape, self.axis, self.size, self.step = x.shape, axis, size, step
        y = _windows(self.xp, x, axis, size, step)
        if step < size and isinstance(y, np.ndarray):
            y.setflags(write=False)  # overlapping windows: one element, several places
        return y

    def backward(self, gy):
        return _FoldAdd.apply(gy, shape=self.in_shape, axis=self.axis, size=self.size,
                              step=self.step)


class _FoldAdd(Function):
    """y = zeros(shape); y's windows (as Unfold reads them) += x; gx = Unfold(gy)"""

    def forward(self, g, shape, axis, size, step):
        self.axis, self.size, self.step = axis, size, step
        xp = self.xp
        y = xp.zeros(shape, g.dtype)
        n = g.shape[axis]
        pre = (slice(None),) * axis
        for j in range(size):  # one strided add per window offset
            y[pre + (slice(j, j + step * (n - 1) + 1, step),)] += g[..., j]
        return y

    def backward(self, gy):
        return Unfold.apply(gy, axis=self.axis, size=self.size, step=self.step)


def unfold(input, dimension, size, step):
    """``Tensor.unfold``: every slice of ``size`` elements along ``dimension``, ``step``
    apart, as a new last dimension (a view of ``input``).

    Shape:
        input ``(..., n, ...)`` -> ``(..., (n - size) // step + 1, ..., size)``.
    """
    d = _wrap_dim(dimension, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if input.ndim == 0:  # PyTorch: a 0-d tensor unfolds to shape (size,)
        return _mark_view(Unfold.apply(input.reshape(1), axis=0, size=size, step=step
                                       ).reshape(size), input)
    return _mark_view(Unfold.apply(input, axis=d, size=size, step=step), input)


def _as_int(v, what):
    if isinstance(v, Tensor):
        if v.numel() != 1 or v.array.dtype.kind not in "iu":
            raise RuntimeError(f"narrow(): {what} must be an integer or a 0-dim integer tensor")
        return int(v.item())
    return int(v)


def narrow(input, dim, start, length):
    """``length`` elements of ``input`` along ``dim`` from ``start`` (a view; ``start``
    may be negative or a 0-d integer tensor)."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input.ndim)
    start, length = _as_int(start, "start"), _as_int(length, "length")
    n = input.shape[d]
    if not -n <= start <= n:
        raise IndexError(
            f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


def narrow_copy(input, dim, start, length):
    """Like :func:`narrow`, as a new tensor (not a view)."""
    return clone(narrow(input, dim, start, length))


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D (or 0-d) tensors.

    Args:
        *tensors: ``n`` tensors (or one list of them) of sizes ``s1 .. sn``, one dtype.
        indexing: ``'ij'`` (default): outputs have shape ``(s1, ..., sn)``; ``'xy'``: the
            first two dims are swapped (``(s2, s1, s3, ...)``), as NumPy's default.

    Returns:
        A tuple of ``n`` tensors; output ``i`` repeats ``tensors[i]`` along the other dims
        (expanded views; gradients sum back).
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = "ij" if indexing is None else indexing
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got a tensor of shape {tuple(t.shape)}")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != tensors[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    sizes = [t.numel() for t in tensors]
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        order[0], order[1] = 1, 0  # grid dim k holds input order[k]
    shape = tuple(sizes[i] for i in order)
    out = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[order.index(i)] = -1
        out.append(t.reshape(view).expand(shape))
    return tuple(out)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (slice along ``dim``) ``repeats`` times, in place order.

    Args:
        input: tensor; with ``repeats`` None it is itself the repeat counts and the result
            is ``arange(len(input))`` repeated by them.
        repeats: int, or 1-D int tensor of ``input.size(dim)`` (or 1) counts.
        dim: the dimension to repeat along; None flattens ``input`` first.
        output_size: the total length along ``dim``, if known (checked).
    """
    if repeats is None:
        counts = input
        if counts.ndim > 1 or counts.array.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        idx = _repeat_index(counts.xp, counts.numel(), counts.array.reshape(-1), output_size)
        return Tensor._wrap(idx)
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        x = x.reshape(1)
    n = x.shape[d]
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1 or repeats.array.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        r = repeats.array.reshape(-1)
        if r.shape[0] == 1:
            r = x.xp.full(n, int(r[0]), np.int64)
        elif r.shape[0] != n:
            raise RuntimeError(
                "repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{r.shape[0]} and input.size({d}) = {n}")
    else:
        r = x.xp.full(n, int(repeats), np.int64)
    idx = _repeat_index(x.xp, n, r, output_size)
    return index_select(x, d, Tensor._wrap(idx))


def _repeat_index(xp, n, r, output_size):
    if r.size and int(r.min()) < 0:
        raise RuntimeError("repeats can not be negative")
    idx = xp.repeat(xp.arange(n, dtype=np.int64), r)
    if output_size is not None and idx.shape[0] != output_size:
        raise RuntimeError(
            f"allocated size does not match required size: output_size={output_size}, "
            f"required {idx.shape[0]}")
    return idx


def view_dtype(input, dtype):
    """``Tensor.view(dtype)``: the same bytes read as ``dtype`` (a view; not differentiable).

    With a different element size the last dimension (stride 1) shrinks or grows by the
    ratio of the sizes, as in PyTorch."""
    from .. import dtypes as _dt
    from ..tensor import _TYPE_NAMES

    d = _dt.as_dtype(dtype)
    a = input.array
    src, dst = a.dtype.itemsize, d.np.itemsize
    if src != dst:
        names = (_TYPE_NAMES[input.dtype.name], _TYPE_NAMES[d.name])
        what = f"to view {names[0]} as {names[1]} (different element sizes)"
        if a.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if a.shape[-1] != 1 and a.strides[-1] != src:
            raise RuntimeError(
                f"self.stride(-1) must be 1 {what}, but got {a.strides[-1] // src}")
        if dst > src and a.shape[-1] % (dst // src):
            raise RuntimeError(f"self.size(-1) must be divisible by {dst // src} {what}, but "
                               f"got {a.shape[-1]}")
        if a.shape[-1] == 1 and a.strides[-1] != src:  # give NumPy a unit-stride last dim
            lib = np.lib.stride_tricks if input.xp is np else input.xp.lib.stride_tricks
            a = lib.as_strided(a, a.shape, a.strides[:-1] + (src,))
    return _mark_view(Tensor._wrap(a.view(d.np)), input)


__all__ = ["meshgrid", "narrow", "narrow_copy", "repeat_interleave"]
METHODS = ["narrow", "narrow_copy", "repeat_interleave", "unfold"]
_ = movedim
