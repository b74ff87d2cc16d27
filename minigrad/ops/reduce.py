"""Reductions over ``dim`` (int, tuple, negative or None) with ``keepdim`` and the fused
softmax / log_softmax (the scans cumsum/cumprod are in ``scans.py``).

``dim=None`` and ``dim=()`` both reduce every dimension (as in PyTorch). float16 inputs are
accumulated in float32 and the result is cast back to float16.

Gradients at ties (documented PyTorch behaviour, reproduced here):

* ``amax``/``amin`` and ``max()``/``min()`` without ``dim`` spread the gradient evenly over
  all the tied extreme elements (each gets ``gy / count``);
* ``max(dim)``/``min(dim)`` route the whole gradient to the element at the returned index
  (the first occurrence of the extreme value).
"""
from __future__ import annotations

import builtins
import math
import warnings
from .._autocast import autocast_op
from ..dtypes import is_floating_np as _isfloat
from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..tensor import Tensor, _wrap_dim
from . import compare, unary
from ._util import cast, norm_dims
from .movement import broadcast_to, flip, movedim, permute, reshape, unsqueeze

_F16 = np.dtype(np.float16)


def _axes(dim, ndim):
    """``dim`` as a sorted tuple of axes: None and () mean every axis. A 0-d tensor accepts
    dim 0/-1 and has nothing to reduce (the result is ``()``)."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    axes = norm_dims(dim, ndim)
    return () if ndim == 0 else axes


def _count(shape, axes):
    return math.prod(shape[a] for a in axes)


def _acc(x, xp):
    """float16 and bfloat16 arrays are accumulated in float32."""
    return x.astype(xp.float32) if x.dtype == _F16 or x.dtype.kind == "V" else x


def _expand_back(gy, shape, axes, keepdim):
    """Broadcast a reduced gradient back to ``shape`` (re-inserting reduced axes)."""
    first_order = not _State.enabled  # then arrays directly: a read-only broadcast view
    g = gy.array if first_order else gy
    # (a full reduction's 0-d gradient broadcasts to any shape as it is)
    if not keepdim and axes is not None and g.ndim:
        kshape = list(shape)
        for a in axes:
            kshape[a] = 1
        g = g.reshape(tuple(kshape)) if first_order else reshape(g, tuple(kshape))
    return Tensor._wrap(gy.xp.broadcast_to(g, shape)) if first_order else broadcast_to(g, shape)


def _keep(a, axes, xp):
    """Array ``a`` reduced without keepdims, reshaped as if reduced with keepdims."""
    return xp.expand_dims(a, axes) if axes else a


def _reject_empty(x, axes, name):
    for a in axes:
        if x.shape[a] == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim {a} to have non-zero size (input shape "
                f"{tuple(x.shape)})"
            )


def _need_float(x, name):
    if not _isfloat(x.array.dtype):
        raise RuntimeError(
            f"{name}(): could not infer output dtype. Input dtype must be a floating point "
            f"dtype. Got: {x.dtype} (convert first, e.g. x.float())"
        )


# ---- sum, mean, prod -----------------------------------------------------------------


class Sum(Function):
    """y = sum(x, axes); gx = broadcast(gy)"""

    def forward(self, x, axes=None, keepdim=False):
        self.in_shape, self.axes, self.keepdim = x.shape, axes, keepdim
        if x.dtype == _F16 or x.dtype.kind == "V":  # float16, bfloat16
            return x.sum(axis=axes, keepdims=keepdim, dtype=self.xp.float32).astype(x.dtype)
        return x.sum(axis=axes, keepdims=keepdim)

    def backward(self, gy):
        return _expand_back(gy, self.in_shape, self.axes, self.keepdim)


@autocast_op("sum")
def sum(x, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (all dims when None or ()). Bool/int inputs sum to int64, as in
    PyTorch; float16 accumulates in float32."""
    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x.array.dtype.kind in "bui":
        x = cast(x, "int64")
    return Sum.apply(x, axes=_axes(dim, x.ndim), keepdim=keepdim)


def mean(x, dim=None, keepdim=False, *, dtype=None):
    """Arithmetic mean over ``dim``; floating inputs only (float16 accumulates in float32)."""
    if dtype is not None:
        x = x.to(dtype=dtype)
    _need_float(x, "mean")
    axes = _axes(dim, x.ndim)
    n = _count(x.shape, axes)
    half = x.array.dtype if x.array.dtype == _F16 or x.array.dtype.kind == "V" else None
    if half is not None:
        x = cast(x, np.float32)
    s = Sum.apply(x, axes=axes, keepdim=keepdim)
    with np.errstate(invalid="ignore"):  # mean of nothing is nan, as in PyTorch
        y = s / n if n else s * math.nan
    return cast(y, half) if half is not None else y


class Prod(Function):
    """y = prod(x, axes); gx = gy * (product of the other elements): gy * y / x when x has
    no zeros, else an exclusive product (so zeros in the input get the right gradient)."""

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        y = _acc(x, self.xp).prod(axis=axes, keepdims=keepdim).astype(x.dtype, copy=False)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        axes, keepdim = self.axes, self.keepdim
        gy = _expand_back(gy, x.shape, axes, keepdim)
        if not builtins.bool((x.array == 0).any()):
            return gy * _expand_back(y, x.shape, axes, keepdim) / x
        return gy * _prod_others(x, axes)


def _prod_others(x, axes):
    """Per element, the product of the other elements of its reduced slice: the product of
    those before it times those after it (exclusive cumulative products from both ends, as
    PyTorch does). O(n) memory, exact with zeros, and differentiable again."""
    keep = [a for a in range(x.ndim) if a not in axes]
    perm = keep + list(axes)
    xt = permute(x, *perm)
    n = _count(x.shape, axes)
    xf = reshape(xt, tuple(xt.shape[: len(keep)]) + (n,))
    e = reshape(_exclusive_cumprod(xf) * flip(_exclusive_cumprod(flip(xf, -1)), -1), xt.shape)
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return permute(e, *inv)


def _exclusive_cumprod(x):
    """Along the last dim: 1, x0, x0 x1, ..., x0 ... x_{n-2}."""
    from .joining import cat
    from .scans import Cumprod

    one = Tensor._wrap(x.xp.ones(x.shape[:-1] + (1,), dtype=x.array.dtype))
    return Cumprod.apply(cat([one, x[..., : x.shape[-1] - 1]], -1), axis=x.ndim - 1)


@autocast_op("prod")
def prod(x, dim=None, keepdim=False, *, dtype=None):
    """Product over ``dim``. The gradient is exact when the input holds zeros (one zero:
    only that element gets a gradient; two or more: all zero) and is twice
    differentiable. Bool/int inputs give int64."""
    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x.array.dtype.kind in "bui":
        x = cast(x, "int64")
    return Prod.apply(x, axes=_axes(dim, x.ndim), keepdim=keepdim)


# ---- max / min ---------------------------------------------------------------------------

max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])
max_result.__doc__ = "``(values, indices)`` returned by ``max(x, dim)`` (torch.return_types.max)."
min_result.__doc__ = "``(values, indices)`` returned by ``min(x, dim)`` (torch.return_types.min)."


class Amax(Function):
    """y = max(x, axes) (min when ``is_min``); gx = gy / count at the ``count`` tied extreme
    elements of each slice, 0 elsewhere (PyTorch's amax/amin rule)."""

    def forward(self, x, axes, keepdim, is_min=False):
        self.axes, self.keepdim = axes, keepdim
        y = x.min(axis=axes, keepdims=keepdim) if is_min else x.max(axis=axes, keepdims=keepdim)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        xp, axes = x.xp, self.axes
        xd = x.array
        yk = y.array if self.keepdim else _keep(y.array, axes, xp)
        hit = (xd == yk) | (xp.isnan(xd) & xp.isnan(yk))  # a nan maximum takes the gradient
        w = hit / hit.sum(axis=axes, keepdims=True)
        return _expand_back(gy, x.shape, axes, self.keepdim) * Tensor._wrap(w.astype(xd.dtype))


class TakeAlong(Function):
    """y = x at ``idx`` along ``axis`` (idx has keepdim shape); gx = gy at idx, 0 elsewhere"""

    def forward(self, x, idx, axis, keepdim):
        self.in_shape, self.idx, self.axis, self.keepdim = x.shape, idx, axis, keepdim
        y = self.xp.take_along_axis(x, idx, axis=axis)
        return y if keepdim else y.squeeze(axis)

    def backward(self, gy):
        xp, axis = gy.xp, self.axis
        shape = [1] * len(self.in_shape)
        shape[axis] = self.in_shape[axis]
        onehot = xp.arange(self.in_shape[axis]).reshape(shape) == self.idx
        gy = _expand_back(gy, self.in_shape, (axis,), self.keepdim)
        return compare.where(Tensor._wrap(onehot), gy, Tensor._wrap(xp.zeros((), gy.array.dtype)))


def _extreme(x, dim, keepdim, is_min):
    axes = _axes(dim, x.ndim)
    _reject_empty(x, axes, "amin" if is_min else "amax")
    return Amax.apply(x, axes=axes, keepdim=keepdim, is_min=is_min)


def _extreme_dim(x, dim, keepdim, is_min):
    name = "min" if is_min else "max"
    result = min_result if is_min else max_result
    d = _wrap_dim(dim, x.ndim)
    xp = x.xp
    if x.ndim == 0:
        from .movement import clone

        return result(clone(x), Tensor._wrap(xp.zeros((), dtype=np.int64)))
    _reject_empty(x, (d,), name)
    idx = (xp.argmin if is_min else xp.argmax)(x.array, axis=d, keepdims=True).astype(np.int64)
    values = TakeAlong.apply(x, idx=idx, axis=d, keepdim=keepdim)
    return result(values, Tensor._wrap(idx if keepdim else idx.squeeze(d)))


def max(x, dim=None, keepdim=False):
    """``max(x)``: the largest value (gradient spread evenly over ties).
    ``max(x, dim, keepdim=False)``: ``(values, indices)`` with ``.values``/``.indices``;
    the gradient goes to the returned index (the first maximum).
    ``max(x, other)``: elementwise maximum."""
    if isinstance(dim, Tensor):
        from . import compare as _c

        return _c.maximum(x, dim)
    if dim is None:
        return _extreme(x, None, False, False)
    return _extreme_dim(x, dim, keepdim, False)


def min(x, dim=None, keepdim=False):
    """Like :func:`max` for the smallest value (``min(x, other)`` is elementwise)."""
    if isinstance(dim, Tensor):
        from . import compare as _c

        return _c.minimum(x, dim)
    if dim is None:
        return _extreme(x, None, False, True)
    return _extreme_dim(x, dim, keepdim, True)


def amax(x, dim=None, keepdim=False):
    """Maximum over ``dim`` (all dims for ``()``/None); ties share the gradient evenly."""
    return _extreme(x, dim, keepdim, False)


def amin(x, dim=None, keepdim=False):
    """Minimum over ``dim`` (all dims for ``()``/None); ties share the gradient evenly."""
    return _extreme(x, dim, keepdim, True)


def _arg(x, dim, keepdim, is_min):
    xp, fn = x.xp, (x.xp.argmin if is_min else x.xp.argmax)
    name = "argmin" if is_min else "argmax"
    if x.array.dtype == bool:
        raise RuntimeError(f"{name}(): does not support bool input")
    if x.array.size == 0 and dim is None:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0")
    if dim is None:
        r = fn(x.array.reshape(-1))
        r = xp.asanyarray(r).reshape((1,) * x.ndim if keepdim else ())
    else:
        d = _wrap_dim(dim, x.ndim)
        if x.ndim == 0:
            r = xp.zeros((), dtype=np.int64)
        else:
            _reject_empty(x, (d,), name)
            r = fn(x.array, axis=d, keepdims=keepdim)
    return Tensor._wrap(xp.asanyarray(r).astype(np.int64, copy=False))


def argmax(x, dim=None, keepdim=False):
    """Index (int64) of the first maximum over ``dim``, or of the flattened tensor."""
    return _arg(x, dim, keepdim, False)


def argmin(x, dim=None, keepdim=False):
    """Index (int64) of the first minimum over ``dim``, or of the flattened tensor."""
    return _arg(x, dim, keepdim, True)


# ---- var, std, logsumexp, norm ------------------------------------------------------------


def _var(x, dim, unbiased, keepdim, correction):
    """var in its accumulation dtype (float32 for half inputs), and the dtype of the result."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if unbiased is not None:  # the legacy spelling; an explicit other correction conflicts
        if correction not in (None, 1, int(bool(unbiased))):
            raise RuntimeError("var(): pass either unbiased or correction, not both")
        correction = int(bool(unbiased))
    elif correction is None:
        correction = 1
    _need_float(x, "var")
    axes = _axes(dim, x.ndim)
    n = _count(x.shape, axes)
    out_dtype = x.array.dtype
    if out_dtype == _F16 or out_dtype.kind == "V":
        x = cast(x, np.float32)
    dof = builtins.max(0, n - correction)
    if dof == 0:
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly "
                      f"less than the reduction factor (N = {n}, correction = {correction})",
                      UserWarning, stacklevel=3)
    y = _moment2(x, axes, n, dof, keepdim)
    # float32 sums of squares overflow from |x| ~ 1e19 on (and the mean's sum near 3e38),
    # where PyTorch's CPU kernels accumulate in float64: redo such a reduction in float64
    # (the check reads only the reduced result; on the GPU it would synchronise, so there
    # float32 accumulates, as in PyTorch's CUDA kernels).
    if x.array.dtype == np.float32 and not x.is_cuda and y.array.size and \
            not builtins.bool(np.isfinite(y.array).all()):
        y = _moment2(cast(x, np.float64), axes, n, dof, keepdim)
    return y, out_dtype


def _moment2(x, axes, n, dof, keepdim):
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        d = x - Sum.apply(x, axes=axes, keepdim=True) / n if n else x
        return Sum.apply(d * d, axes=axes, keepdim=keepdim) / dof


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=1):
    """Variance over ``dim`` with ``sum((x - mean)^2) / max(0, N - correction)``.

    ``correction`` defaults to 1 (Bessel); ``unbiased=False`` is the legacy spelling of
    ``correction=0``. ``x.var(False)`` (a bool first argument) is read as ``unbiased``.
    float16 is computed in float32, float32 on the CPU in float64 where float32 overflows.
    N <= correction warns and gives inf/nan, as in PyTorch.
    """
    y, dt = _var(x, dim, unbiased, keepdim, correction)
    with np.errstate(over="ignore"):  # a variance beyond x's dtype is inf, as in PyTorch
        return cast(y, dt)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=1):
    """Standard deviation: ``sqrt(var(...))`` (same arguments as :func:`var`), taken before
    the result is rounded to x's dtype (so a float32 std of 1e20s stays finite). Its
    gradient is 0 where the std is 0 (a constant slice), as in PyTorch."""
    v, dt = _var(x, dim, unbiased, keepdim, correction)
    nz = compare.ne(v, 0)  # sqrt's slope is infinite at 0: route no gradient there
    y = compare.where(nz, unary.sqrt(compare.where(nz, v, 1.0)), 0.0)
    with np.errstate(over="ignore"):
        return cast(y, dt)


@autocast_op("logsumexp")
def logsumexp(x, dim=None, keepdim=False):
    """log(sum(exp(x))) over ``dim``, shifted by the (constant) maximum so that inputs of
    +/-1e4 stay finite; gradient softmax(x) * gy, twice differentiable."""
    from ._util import float_of

    x = float_of(x)
    axes = _axes(dim, x.ndim)
    xp = x.xp
    if _count(x.shape, axes) == 0 or x.ndim == 0:
        m = xp.zeros((1,) * x.ndim, dtype=x.array.dtype)
    else:
        m = x.array.max(axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0).astype(x.array.dtype, copy=False)
    m = Tensor._wrap(m)
    with np.errstate(divide="ignore"):  # log(0) = -inf for an all -inf slice
        y = unary.log(Sum.apply(unary.exp(x - m), axes=axes, keepdim=True)) + m
    if not keepdim and axes:
        y = reshape(y, tuple(s for i, s in enumerate(x.shape) if i not in axes))
    return y


class Norm(Function):
    """y = (sum |x|^p)^(1/p); gx = gy * sign(x) |x|^(p-1) / y^(p-1) (gy * x / y for p = 2),
    and 0 where y == 0 or x == 0, as in PyTorch (so the 2-norm has gradient 0 at 0)."""

    def forward(self, x, p, axes, keepdim):
        self.p, self.axes, self.keepdim = p, axes, keepdim
        xp, a = self.xp, _acc(x, self.xp)
        if p == 2:
            y = xp.sqrt((a * a).sum(axis=axes, keepdims=keepdim))
        elif p == 1:
            y = xp.abs(a).sum(axis=axes, keepdims=keepdim)
        else:
            y = (xp.abs(a) ** p).sum(axis=axes, keepdims=keepdim) ** (1.0 / p)
        y = xp.asanyarray(y).astype(x.dtype, copy=False)
        self.save_for_backward(x, y)
        return y

    def backward(self, gy):
        x, y = self.saved_tensors
        p, axes, keepdim = self.p, self.axes, self.keepdim
        xp, dt = x.xp, x.array.dtype
        gy = _expand_back(gy, x.shape, axes, keepdim)
        sign = Tensor._wrap(xp.sign(x.array))
        if p == 1:
            return gy * sign
        zero = Tensor._wrap(xp.zeros((), dt))
        one = Tensor._wrap(xp.ones((), dt))
        ye = _expand_back(y, x.shape, axes, keepdim)
        yk = y.array if keepdim else _keep(y.array, axes, xp)
        yzero = Tensor._wrap(xp.broadcast_to(yk == 0, x.shape))
        ysafe = compare.where(yzero, one, ye)
        if p == 2:
            return compare.where(yzero, zero, gy * x / ysafe)
        dead = Tensor._wrap(yzero.array | (x.array == 0))
        ax = compare.where(dead, one, x * sign)  # |x|, kept away from 0 where masked
        return compare.where(dead, zero, gy * sign * (ax / ysafe) ** (p - 1))


def _abs(x):
    """|x| with gradient sign(x) (0 at 0), from Mul by a constant."""
    return x * Tensor._wrap(x.xp.sign(x.array))


@autocast_op("norm")
def norm(x, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector p-norm over ``dim`` (all dims when None): p = 'fro' (= 2), any real p, inf
    (max |x|, ties share the gradient), -inf (min |x|), 0 (number of nonzeros, no
    gradient). The gradient at x = 0 is 0 (as in PyTorch). ``out`` at PyTorch's place."""
    if out is not None:
        from .._parser import write_out

        return write_out(out, norm(x, p, dim, keepdim, dtype=dtype), "norm")
    if dtype is not None:
        x = x.to(dtype=dtype)
    if not _isfloat(x.array.dtype):
        raise RuntimeError(f"norm(): Expected a floating point tensor as input. Got {x.dtype}")
    if p is None or p == "fro":
        p = 2
    if p == "nuc":  # the sum of the singular values, over the two dims
        from .linalg_extra import matrix_norm

        return matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim)
    if isinstance(p, str):
        raise RuntimeError(f"norm(): p={p!r} is not supported (use 'fro', 'nuc' or a number)")
    p = float(p)
    axes = _axes(dim, x.ndim)
    if p == math.inf:
        return amax(_abs(x), axes, keepdim)
    if p == -math.inf:
        return amin(_abs(x), axes, keepdim)
    if p == 0:
        nz = Tensor._wrap((x.array != 0).astype(x.array.dtype))
        return Sum.apply(nz, axes=axes, keepdim=keepdim)
    return Norm.apply(x, p=p, axes=axes, keepdim=keepdim)


# ---- all / any -------------------------------------------------------------------------------


def _logical(x, r):
    # uint8 in, uint8 out: PyTorch keeps the byte masks of its older API
    r = x.xp.asanyarray(r)
    return Tensor._wrap(r.astype(np.uint8) if x.array.dtype == np.uint8 else r)


def all(x, dim=None, keepdim=False):
    """True where every element over ``dim`` is nonzero (bool; uint8 for uint8 input, as in
    PyTorch; no gradient)."""
    r = x.array.astype(bool, copy=False).all(axis=_axes(dim, x.ndim), keepdims=keepdim)
    return _logical(x, r)


def any(x, dim=None, keepdim=False):
    """True where some element over ``dim`` is nonzero (bool; uint8 for uint8 input, as in
    PyTorch; no gradient)."""
    r = x.array.astype(bool, copy=False).any(axis=_axes(dim, x.ndim), keepdims=keepdim)
    return _logical(x, r)


# ---- softmax / log_softmax (fused, stable) --------------------------------------------------


class Softmax(Function):
    """y = exp(x - max) / sum(exp(x - max)); gx = y * (gy - sum(gy * y))"""

    def forward(self, x, axis):
        self.axis = axis
        a = _acc(x, self.xp)
        if a.size == 0:  # nothing to normalise (max has no identity)
            self.save_for_backward(Tensor._wrap(x.copy()))
            return x.copy()
        e = self.xp.exp(a - a.max(axis=axis, keepdims=True))
        y = (e / e.sum(axis=axis, keepdims=True)).astype(x.dtype, copy=False)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        return y * (gy - Sum.apply(gy * y, axes=self.axis, keepdim=True))


class LogSoftmax(Function):
    """y = x - max - log(sum(exp(x - max))); gx = gy - exp(y) * sum(gy)"""

    def forward(self, x, axis):
        self.axis = axis
        xp, a = self.xp, _acc(x, self.xp)
        if a.size == 0:
            self.save_for_backward(Tensor._wrap(x.copy()))
            return x.copy()
        s = a - a.max(axis=axis, keepdims=True)
        s -= xp.log(xp.exp(s).sum(axis=axis, keepdims=True))  # in place: one pass less
        y = s.astype(x.dtype, copy=False)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        if _State.enabled:  # create_graph: differentiable ops
            return gy - unary.exp(y) * Sum.apply(gy, axes=self.axis, keepdim=True)
        xp, g = y.xp, gy.array  # first order on arrays: exp(y) * -sum(gy) + gy, in place
        gx = xp.exp(y.array, out=xp.empty_like(y.array))  # an array even when 0-d
        gx *= -g.sum(axis=self.axis, keepdims=True)
        gx += g
        return Tensor._wrap(gx)


_TORCH_TYPE = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
               "int32": "Int", "int64": "Long"}


def _softmax_args(x, dim, dtype, name="softmax"):
    from ._util import float_of

    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x.array.dtype.kind not in "fc":  # PyTorch has no integer kernel (no implicit cast)
        raise NotImplementedError(f'"{name}_lastdim_kernel_impl" not implemented for '
                                  f"'{_TORCH_TYPE.get(x.array.dtype.name, x.array.dtype.name)}'")
    x = float_of(x)
    d = _wrap_dim(dim, x.ndim)
    return x, ((d,) if x.ndim else ())


@autocast_op("softmax")
def softmax(input, dim, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed as one stable op (finite for inputs of
    +/-1e4) and twice differentiable."""
    if _empty_int(input, dim, dtype):
        return Tensor._wrap(input.array.copy())
    x, axis = _softmax_args(input, dim, dtype)
    return Softmax.apply(x, axis=axis)


def _empty_int(x, dim, dtype):
    """An empty integer/bool input without dtype: PyTorch returns it (nothing to compute)."""
    if dtype is None and x.array.size == 0 and x.array.dtype.kind in "biu":
        _wrap_dim(dim, x.ndim)
        return True
    return False


@autocast_op("log_softmax")
def log_softmax(input, dim, dtype=None):
    """log(softmax(x)) along ``dim`` as one stable op (finite for inputs of +/-1e4),
    twice differentiable."""
    if _empty_int(input, dim, dtype):
        return Tensor._wrap(input.array.copy())
    x, axis = _softmax_args(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply(x, axis=axis)


__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "log_softmax",
    "logsumexp",
    "max",
    "mean",
    "min",
    "norm",
    "prod",
    "softmax",
    "std",
    "sum",
    "var",
]
