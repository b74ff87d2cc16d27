"""Shape and movement ops: views, broadcasts, joins and splits.

Primitives: SumTo, BroadcastTo, Reshape, Permute, Clone, Flip, Cat, Pad. Everything else
(flatten, repeat, split, roll, reflect/replicate padding, tril, ...) is a composite of
these and ``getitem``, so it is differentiable to any order without backward code.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from . import compare, indexing
from ._util import host_const


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
        shape = shape[0]
    out = []  # a plain loop: reshape/expand run in every backward, so keep them lean
    for s in shape:
        out.append(s if type(s) is int else int(s))
    return tuple(out)


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
    if -1 in shape:
        shape = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(shape))
    if shape == x.array.shape:
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


def _infer_shape(shape, numel):
    """``shape`` with its (single) -1 filled in; RuntimeError if it cannot hold ``numel``."""
    holes = []
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            holes.append(i)
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} in shape {list(shape)}")
        else:
            known *= s
    if len(holes) > 1:
        raise RuntimeError(f"only one dimension can be inferred (shape {list(shape)})")
    if holes:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[: holes[0]] + (numel // known,) + shape[holes[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(x, *shape):
    """``x.reshape(*shape)``: sizes as ints or one sequence; one size may be -1."""
    shape = _shape_arg(shape)
    if shape == x.array.shape:
        return x
    shape = _infer_shape(shape, x.array.size)
    if shape == x.array.shape:
        return x
    return Reshape.apply(x, shape=shape)


def view(x, *shape):
    """Like reshape (NumPy copies when a view is impossible; PyTorch would raise)."""
    return reshape(x, *shape)


def permute(input, *args, dims=None):
    """``permute(x, 1, 0)``, ``permute(x, (1, 0))`` or ``permute(x, dims=(1, 0))``."""
    x = input
    dims = _shape_arg(args if dims is None else (dims,))
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    n = x.array.ndim
    perm = []
    for d in dims:
        perm.append(d if 0 <= d < n else _wrap_dim(d, n))
    perm = tuple(perm)
    if sorted(perm) != list(range(x.ndim)):
        raise RuntimeError(f"permute(): duplicate dims are not allowed: {dims}")
    if perm == tuple(range(x.ndim)):
        return x
    return Permute.apply(x, perm=perm)


def transpose(x, dim0, dim1):
    n = x.ndim
    d0, d1 = _wrap_dim(dim0, n), _wrap_dim(dim1, n)
    if d0 == d1:
        return x
    perm = list(range(n))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return Permute.apply(x, perm=tuple(perm))  # valid by construction: skip permute's checks


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
        dims = {_wrap_dim(d, x.ndim) for d in dims}  # a 0-d tensor accepts dims -1 and 0
        shape = tuple(s for i, s in enumerate(x.shape) if not (i in dims and s == 1))
    return reshape(x, shape)


def contiguous(x):
    from .. import ops

    return x if x.array.flags.c_contiguous else ops.clone(x)


class Clone(Function):
    """y = copy of x; gx = gy"""

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


def clone(x):
    return Clone.apply(x)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (a 0-d tensor becomes shape (1,))."""
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = _wrap_dim(start_dim, x.ndim), _wrap_dim(end_dim, x.ndim)
    if s > e:
        raise RuntimeError(
            f"flatten() has invalid args: start_dim ({start_dim}) cannot come after end_dim "
            f"({end_dim}) for a tensor of shape {tuple(x.shape)}"
        )
    shape = tuple(x.shape)
    return reshape(x, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(x, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one of which may be -1)."""
    d = _wrap_dim(dim, x.ndim)
    sizes = _shape_arg((sizes,))
    n = x.shape[d]
    try:
        sizes = _infer_shape(sizes, n)
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({n}) in the input tensor of shape {tuple(x.shape)}"
        ) from None
    return reshape(x, tuple(x.shape[:d]) + sizes + tuple(x.shape[d + 1:]))


def movedim(x, source, destination):
    """Move dims ``source`` to positions ``destination`` (ints or sequences); the other dims
    keep their order."""
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    n = x.ndim
    src = [_wrap_dim(d, n) for d in src]
    dst = [_wrap_dim(d, n) for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {source} or destination {destination}")
    order = [None] * n
    for s_, d_ in zip(src, dst):
        order[d_] = s_
    rest = iter(i for i in range(n) if i not in src)
    return permute(x, *[o if o is not None else next(rest) for o in order]) if n else x


def repeat(x, *sizes):
    """Tile ``x`` ``sizes[i]`` times along dim i (``len(sizes) >= x.ndim``; extra sizes add
    leading dims), as ``Tensor.repeat``. A reshape-broadcast-reshape composite."""
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"Number of dimensions of repeat dims ({len(sizes)}) can not be smaller than number "
            f"of dimensions of tensor ({x.ndim}, shape {tuple(x.shape)})"
        )
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeat{sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
    if all(r == 1 for r in sizes):
        return clone(reshape(x, shape))
    x = reshape(x, tuple(d for s in shape for d in (1, s)))
    x = broadcast_to(x, tuple(d for r, s in zip(sizes, shape) for d in (r, s)))
    return reshape(x, tuple(r * s for r, s in zip(sizes, shape)))


def tile(x, *dims):
    """Like :func:`repeat`, but fewer ``dims`` than ``x.ndim`` are padded with leading 1s."""
    dims = _shape_arg(dims)
    return repeat(x, *((1,) * (x.ndim - len(dims)) + dims))


class Cat(Function):
    """y = concatenate(xs, axis); gx_i = gy[the slice of input i]"""

    def forward(self, *xs, axis):
        self.axis, self.sizes = axis, [x.shape[axis] for x in xs]
        return self.xp.concatenate(xs, axis=axis)

    def backward(self, gy):
        gxs, start = [], 0
        for size, need in zip(self.sizes, self.needs_input_grad):
            gxs.append(_narrow(gy, self.axis, start, size) if need else None)
            start += size
        return tuple(gxs)


def _narrow(x, dim, start, length):
    return indexing.getitem(x, (slice(None),) * dim + (slice(start, start + length),))


def cat(tensors, dim=0):
    """Concatenate ``tensors`` along ``dim``; shapes must match except along ``dim``
    (dtypes are promoted). 1-D empty tensors are skipped, as in PyTorch."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"cat(): expected a sequence of Tensors, got {type(t).__name__} at {i}")
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    ref = next((t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)), tensors[0])
    tensors = [t for t in tensors if t is ref or not (t.ndim == 1 and t.shape[0] == 0)]
    d = _wrap_dim(dim, ref.ndim)
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim or any(a != b for k, (a, b) in enumerate(zip(t.shape, ref.shape))
                                     if k != d):
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {d}: got shapes "
                f"{[tuple(u.shape) for u in tensors]} (tensor {i} has shape {tuple(t.shape)}, "
                f"expected {tuple(ref.shape)} outside dim {d})"
            )
    dt = tensors[0].array.dtype
    for t in tensors[1:]:
        dt = _dt._promote_np(dt, t.array.dtype)
    from ._util import cast

    return Cat.apply(*[cast(t, dt) for t in tensors], axis=d)


def stack(tensors, dim=0):
    """Join equal-shaped ``tensors`` along a new dim ``dim``."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                f"entry 0 and {list(t.shape)} at entry {i}"
            )
    d = _wrap_dim(dim, tensors[0].ndim + 1)
    return cat([unsqueeze(t, d) for t in tensors], d)


def split(x, split_size_or_sections, dim=0):
    """Split along ``dim`` into pieces of size ``split_size_or_sections`` (int; the last
    may be smaller) or of the given sizes (a sequence summing to the dim's size). Returns a
    tuple of Tensors, each its own slicing op."""
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        if s < 0 or (s == 0 and n != 0):
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got split_size {s} "
                f"for dim {d} of shape {tuple(x.shape)}"
            )
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s else [0]
        sizes = sizes or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                f"at dimension {d}, shape {tuple(x.shape)}), but got split_sizes={sizes}"
            )
    out, start = [], 0
    for s in sizes:
        out.append(_narrow(x, d, start, s))
        start += s
    return tuple(out)



def chunk(x, chunks, dim=0):
    """Split into ``chunks`` pieces of size ceil(n / chunks) (maybe fewer pieces)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = x.shape[_wrap_dim(dim, x.ndim)]
    if n == 0:
        return split(x, [0] * chunks, dim)
    return split(x, -(-n // chunks), dim)


def unbind(x, dim=0):
    """The slices ``x.select(dim, i)`` for every i, as a tuple."""
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = _wrap_dim(dim, x.ndim)
    return tuple(indexing.getitem(x, (slice(None),) * d + (i,)) for i in range(x.shape[d]))


class Flip(Function):
    """y = x reversed along ``axes`` (a copy); gx = gy reversed along axes"""

    def forward(self, x, axes):
        self.axes = axes
        return self.xp.flip(x, axes).copy()

    def backward(self, gy):
        return Flip.apply(gy, axes=self.axes)


def flip(input, *args, dims=None):
    """Reverse the order of elements along ``dims`` (ints, one sequence or ``dims=``);
    copies."""
    x = input
    dims = _shape_arg(args if dims is None else (dims,))
    axes = tuple(_wrap_dim(d, x.ndim) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip: dims {list(dims)} has duplicates")
    if x.ndim == 0 or not axes:
        return clone(x)
    return Flip.apply(x, axes=axes)


def roll(x, shifts, dims=None):
    """Rotate elements by ``shifts`` along ``dims`` (the flattened tensor when None)."""
    if dims is None:
        if not isinstance(shifts, int) and len(shifts) != 1:
            raise RuntimeError(f"roll: with dims=None, shifts must be one int, got {shifts}")
        s = shifts if isinstance(shifts, int) else shifts[0]
        return reshape(roll(flatten(x), s, 0), tuple(x.shape))
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}")
    y = x
    for s, dim in zip(shifts, dims):
        d = _wrap_dim(dim, x.ndim)
        if x.ndim == 0:
            continue
        n = x.shape[d]
        s = s % n if n else 0
        if s:
            y = cat([_narrow(y, d, n - s, s), _narrow(y, d, 0, n - s)], d)
    return clone(y) if y is x else y


class Pad(Function):
    """y = x padded by ``widths`` [(before, after) per axis] with ``value``; gx = gy[interior]"""

    def forward(self, x, widths, value):
        self.widths = widths
        return self.xp.pad(x, widths, mode="constant", constant_values=value)

    def backward(self, gy):
        idx = tuple(slice(lo, n - hi) for (lo, hi), n in zip(self.widths, gy.shape))
        return indexing.getitem(gy, idx)


def pad(input, pad, mode="constant", value=None):
    """Pad ``input`` as ``torch.nn.functional.pad``: ``pad`` = (left, right) for the last dim,
    then (top, bottom) for the one before, ... ``mode`` is 'constant' (with ``value``,
    default 0; negative pads crop), 'reflect' (mirror without repeating the edge; pads must be
    smaller than the dim), 'replicate' (repeat the edge) or 'circular' (wrap around)."""
    x = input
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError(f"Padding length must be divisible by 2, got pad={pad}")
    if len(pad) // 2 > x.ndim:
        raise RuntimeError(
            f"Padding length too large: pad={pad} pads {len(pad) // 2} dims of an input of shape "
            f"{tuple(x.shape)}"
        )
    if mode != "constant" and value not in (None, 0):
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    pairs = {x.ndim - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)}
    for d, (lo, hi) in pairs.items():  # negative pads crop first
        if lo < 0 or hi < 0:
            n = x.shape[d]
            a, b = max(-lo, 0), max(-hi, 0)
            if a + b > n:
                raise RuntimeError(f"pad {pad} crops more than dim {d} of shape {tuple(x.shape)}")
            x = _narrow(x, d, a, n - a - b)
    pairs = {d: (max(lo, 0), max(hi, 0)) for d, (lo, hi) in pairs.items()}
    if mode == "constant":
        widths = tuple(pairs.get(d, (0, 0)) for d in range(x.ndim))
        if not any(lo or hi for lo, hi in widths):
            return clone(x) if x is input else x
        return Pad.apply(x, widths=widths, value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: mode '{mode}' is not supported (constant, reflect, "
                                  "replicate, circular)")
    for d, (lo, hi) in pairs.items():
        if not (lo or hi):
            continue
        n = x.shape[d]
        if mode == "reflect":
            if lo >= n or hi >= n:
                raise RuntimeError(
                    f"Padding size should be less than the corresponding input dimension, but got:"
                    f" padding ({lo}, {hi}) at dimension {d} of input {list(x.shape)}"
                )
            idx = list(range(lo, 0, -1)) + list(range(n)) + list(range(n - 2, n - 2 - hi, -1))
        elif mode == "replicate":
            if n == 0:
                raise RuntimeError(f"pad: cannot replicate an empty dim {d} of shape {tuple(x.shape)}")
            idx = [0] * lo + list(range(n)) + [n - 1] * hi
        else:
            if lo > n or hi > n:
                raise RuntimeError(f"Padding value causes wrapping around more than once: pad "
                                   f"({lo}, {hi}) at dim {d} of input {list(x.shape)}")
            idx = list(range(n - lo, n)) + list(range(n)) + list(range(hi))
        index = host_const(x, ("pad", mode, n, lo, hi), lambda idx=idx: np.asarray(idx, dtype=np.int64))
        x = indexing.getitem(x, (slice(None),) * d + (Tensor._wrap(index),))
    return clone(x) if x is input else x



def _tri(x, diagonal, upper):
    name = "triu" if upper else "tril"
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions, got shape "
                           f"{tuple(x.shape)}")
    xp = x.xp
    n, m = x.shape[-2:]
    keep = xp.tri(n, m, k=diagonal - 1 if upper else diagonal, dtype=bool)
    keep = ~keep if upper else keep
    return compare.where(Tensor._wrap(keep), x, Tensor._wrap(xp.zeros((), x.array.dtype)))


def tril(x, diagonal=0):
    """Lower triangle of the last two dims (elements with col - row <= diagonal); rest 0."""
    return _tri(x, diagonal, False)


def triu(x, diagonal=0):
    """Upper triangle of the last two dims (elements with col - row >= diagonal); rest 0."""
    return _tri(x, diagonal, True)


__all__ = [
    "broadcast_to",
    "cat",
    "chunk",
    "clone",
    "contiguous",
    "expand",
    "flatten",
    "flip",
    "movedim",
    "pad",
    "permute",
    "repeat",
    "reshape",
    "roll",
    "split",
    "squeeze",
    "stack",
    "sum_to",
    "tile",
    "transpose",
    "tril",
    "triu",
    "unbind",
    "unflatten",
    "unsqueeze",
    "view",
]

