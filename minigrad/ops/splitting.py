"""Splits, rotations and index helpers: tensor_split, hsplit, vsplit, dsplit,
split_with_sizes, rot90, fliplr, flipud, sum_to_size, argwhere, nonzero_static,
unravel_index, isin. Composites of slicing, flip and transpose (no backward code)."""
from __future__ import annotations

import itertools
import numbers

import numpy as np

from ..tensor import Tensor, _wrap_dim
from .indexing import nonzero
from .movement import flip, split, sum_to, transpose
from .views import narrow


def tensor_split(input, indices_or_sections, dim=0):
    """Split ``input`` along ``dim`` into ``n`` nearly equal parts (an int: the first
    ``size % n`` one longer) or at the given indices (a sequence, or a 1-D int tensor; a
    0-d tensor counts as ``n``). Returns a tuple of views."""
    x = input
    if x.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec.array.dtype.kind not in "iu":
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have "
                               f"integer dtype, but got {spec.dtype}")
        if spec.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {spec.ndim} dims")
        spec = int(spec.item()) if spec.ndim == 0 else [int(i) for i in spec.tolist()]
    if isinstance(spec, (int, np.integer)):
        k = int(spec)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        bounds = np.cumsum([0] + sizes).tolist()
    else:
        bounds = [0] + [int(i) for i in spec] + [n]
    out = []
    for lo, hi in itertools.pairwise(bounds):
        lo, hi = (min(max(b + n if b < 0 else b, 0), n) for b in (lo, hi))
        out.append(narrow(x, d, lo, max(hi - lo, 0)))
    return tuple(out)


def _xsplit(name, x, spec, dim, min_dims):
    if x.ndim < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, "
                           f"but got a tensor with {x.ndim} dimensions!")
    if isinstance(spec, (int, np.integer)):
        n = x.shape[dim]
        if spec == 0 or n % spec:
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                f"dimension {n} is not divisible by the split_size {spec}!")
    return tensor_split(x, spec, dim)


def hsplit(input, indices_or_sections):
    """:func:`tensor_split` along dim 1 (dim 0 for 1-D input); an int must divide evenly."""
    return _xsplit("hsplit", input, indices_or_sections, 1 if input.ndim > 1 else 0, 1)


def vsplit(input, indices_or_sections):
    """:func:`tensor_split` along dim 0 of an at least 2-D input."""
    return _xsplit("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """:func:`tensor_split` along dim 2 of an at least 3-D input."""
    return _xsplit("dsplit", input, indices_or_sections, 2, 3)


def split_with_sizes(input, split_sizes, dim=0):
    """:func:`split` into pieces of the given sizes (summing to the dim's size)."""
    return split(input, list(split_sizes), dim)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims`` (from the first towards the
    second axis)."""
    x = input
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = _wrap_dim(dims[0], x.ndim), _wrap_dim(dims[1], x.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    k = int(k) % 4
    if k == 1:
        return transpose(flip(x, [d1]), d0, d1)
    if k == 2:
        return flip(x, [d0, d1])
    if k == 3:
        return flip(transpose(x, d0, d1), [d1])
    return x.clone()


def fliplr(input):
    """Reverse the columns (dim 1) of an at least 2-D input."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, [1])


def flipud(input):
    """Reverse the rows (dim 0) of an at least 1-D input."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, [0])


def sum_to_size(input, *size):
    """Sum ``input`` down to ``size`` (which must broadcast to input's shape)."""
    if len(size) == 1 and not isinstance(size[0], (int, np.integer)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    lead = input.ndim - len(size)
    if lead < 0 or any(s != 1 and s != xs for s, xs in zip(size, input.shape[lead:])):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size "
                           f"{{{list(input.shape)}}}.")
    return sum_to(input, size)


def argwhere(input):
    """Indices (int64, one row per non-zero element, in row-major order): ``nonzero``."""
    return nonzero(input)


def nonzero_static(input, *, size, fill_value=-1):
    """:func:`nonzero` with exactly ``size`` rows: truncated, or padded with
    ``fill_value``."""
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got "
                           f"{size}")
    nz = nonzero(input).array
    xp = input.xp
    out = xp.full((int(size), max(input.ndim, nz.shape[1])), fill_value, np.int64)
    m = min(int(size), nz.shape[0])
    out[:m] = nz[:m]
    return Tensor._wrap(out)


def unravel_index(indices, shape):
    """The coordinates in a tensor of ``shape`` of the flat ``indices`` (row-major), as a
    tuple of int64 tensors of ``indices``' shape (indices wrap around, as in PyTorch)."""
    if not isinstance(indices, Tensor):
        indices = Tensor._from_data(indices)
    if indices.array.dtype.kind not in "iu":
        raise TypeError("expected 'indices' to be integer dtype, but got "
                        f"{indices.dtype}")
    shape = (int(shape),) if isinstance(shape, numbers.Integral) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got "
                         f"{tuple(shape)}")
    xp, a = indices.xp, indices.array.astype(np.int64)
    out = []
    for s in reversed(shape):
        out.append(a % s if s else a * 0)
        a = a // s if s else a
    return tuple(Tensor._wrap(xp.asarray(o)) for o in reversed(out))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Bool tensor of ``elements``' shape: whether each element is in ``test_elements``
    (either may be a scalar)."""
    like = elements if isinstance(elements, Tensor) else test_elements
    xp = like.xp
    a = elements.array if isinstance(elements, Tensor) else xp.asarray(elements)
    b = test_elements.array if isinstance(test_elements, Tensor) else xp.asarray(test_elements)
    r = xp.isin(a, b.reshape(-1), assume_unique=assume_unique, invert=invert)
    return Tensor._wrap(xp.asarray(r, dtype=bool))


__all__ = ["argwhere", "dsplit", "fliplr", "flipud", "hsplit", "isin", "nonzero_static",
           "rot90", "split_with_sizes", "tensor_split", "unravel_index", "vsplit"]
METHODS = ["argwhere", "dsplit", "fliplr", "flipud", "hsplit", "nonzero_static", "rot90",
           "split_with_sizes", "sum_to_size", "tensor_split", "vsplit"]
