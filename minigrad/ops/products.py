"""Products built on matmul and broadcasting: the BLAS-style ``add*`` family (addmm, addmv,
addr, baddbmm, addbmm, addcmul, addcdiv), mv, trace, kron, inner, vdot, ger, tensordot,
chain_matmul, dist, cross, cartesian_prod, combinations, vander, cov, corrcoef, renorm.

All are composites of differentiable ops (no backward code here), so their gradients, to
any order, are those of the ops they are made of.
"""
from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from .. import dtypes as _dt
from .._parser import write_out
from ..dtypes import is_floating_np as _isfloat
from ..tensor import Tensor, _wrap_dim
from ._util import cast, const, promote
from .linalg import bmm, matmul, mm, outer


def _scaled_sum(input, prod, beta, alpha, name):
    """``beta * input + alpha * prod`` with PyTorch's rules: input broadcasts to prod's shape
    (never the other way), and with beta == 0 input is ignored (NaN in it does not spread)."""
    shape = tuple(prod.shape)
    try:
        ok = np.broadcast_shapes(tuple(input.shape), shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"{name}: the input of shape {tuple(input.shape)} cannot be expanded "
                           f"to the shape of the product {shape}")
    input, prod = promote(input, prod)
    out = prod if alpha == 1 else prod * alpha
    if beta == 0:  # input gets a zero gradient, and its NaN/inf values stay out
        from .compare import where

        return where(const(True, out, np.bool_), out, input)
    return out + (input if beta == 1 else input * beta)


def _need_dim(t, n, what, name):
    if t.ndim != n:
        raise RuntimeError(f"{name}: {what} must be a {n}-D tensor, got {t.ndim}-D tensor of "
                           f"shape {tuple(t.shape)}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``: mat1 (n, k), mat2 (k, m), input
    broadcastable to (n, m)."""
    _need_dim(mat1, 2, "mat1", "addmm")
    _need_dim(mat2, 2, "mat2", "addmm")
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha, "addmm")


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat @ vec)``: mat (n, m), vec (m,), input broadcastable
    to (n,)."""
    return _scaled_sum(input, mv(mat, vec), beta, alpha, "addmv")


def addmv_(input, mat, vec, *, beta=1, alpha=1):
    """``torch.addmv_``: :func:`addmv` written into ``input`` (``input.addmv_(...)``)."""
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """``beta * input + alpha * outer(vec1, vec2)``: vec1 (n,), vec2 (m,), input
    broadcastable to (n, m)."""
    _need_dim(vec1, 1, "vec1", "addr")
    _need_dim(vec2, 1, "vec2", "addr")
    return _scaled_sum(input, outer(vec1, vec2), beta, alpha, "addr")


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * bmm(batch1, batch2)``: batch1 (B, n, k), batch2 (B, k, m),
    input broadcastable to (B, n, m)."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha, "baddbmm")


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``: batch1 (B, n, k), batch2
    (B, k, m), input broadcastable to (n, m)."""
    return _scaled_sum(input, bmm(batch1, batch2).sum(0), beta, alpha, "addbmm")


def addcmul(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 * tensor2`` (all three broadcast)."""
    prod = tensor1 * tensor2
    return input + (prod if value == 1 else prod * value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """``input + value * tensor1 / tensor2`` (all three broadcast). Integer tensor1 and
    tensor2 are refused, as in PyTorch (the old integer division is gone)."""
    if not _isfloat(tensor1.array.dtype) and not _isfloat(tensor2.array.dtype):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    quot = tensor1 / tensor2
    return input + (quot if value == 1 else quot * value)


def mv(input, vec):
    """Matrix-vector product: input (n, m) @ vec (m,) -> (n,)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({input.shape[0]}), mat "
                           f"({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})")
    return matmul(input, vec)


def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integers sum to int64)."""
    from .diagonal import diagonal

    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return diagonal(input).sum()


def kron(input, other):
    """Kronecker product: for shapes a and b (the shorter padded with leading 1s), the
    result has shape ``a[i] * b[i]`` with ``out[..., i*b+j, ...] = input[i] * other[j]``."""
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + tuple(input.shape)
    sb = (1,) * (n - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(d for s in sa for d in (s, 1)))
    b = other.reshape(tuple(d for s in sb for d in (1, s)))
    return (a * b).reshape(tuple(x * y for x, y in zip(sa, sb)))


def inner(input, other):
    """Sum of products over the last dimension: shape ``input.shape[:-1] +
    other.shape[:-1]`` (a 0-d operand multiplies)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            "inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, dims=([-1], [-1]))


def vdot(input, other):
    """Dot product of two 1-D tensors (real tensors: no conjugation needed)."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
            f"[{other.shape[0]}] to have the same number of elements, but got "
            f"{input.shape[0]} and {other.shape[0]} elements respectively")
    return matmul(input, other)


def ger(input, vec2):
    """Outer product of two 1-D tensors (PyTorch's older name of :func:`outer`)."""
    return outer(input, vec2)


def tensordot(a, b, dims=2, out=None):
    """Contract ``a`` and ``b`` over ``dims``: an int n (the last n dims of a with the first n
    of b) or a pair of dim lists, as PyTorch's ``tensordot``. One matmul after moving the
    contracted dims together."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError("tensordot expects dims to be an int or a pair of dim lists")
        da, db = dims
        da = [da] if isinstance(da, (int, np.integer)) else list(da)
        db = [db] if isinstance(db, (int, np.integer)) else list(db)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
    da = [_wrap_dim(int(d), a.ndim) for d in da]
    db = [_wrap_dim(int(d), b.ndim) for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[i]} in dim "
                f"{i} and second has size {b.shape[j]} in dim {j}")
    a, b = promote(a, b)
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = math.prod(a.shape[d] for d in da)
    out_shape = tuple(a.shape[d] for d in fa) + tuple(b.shape[d] for d in fb)
    am = a.permute(*fa, *da).reshape(-1, k)
    bm = b.permute(*db, *fb).reshape(k, -1)
    res = matmul(am, bm).reshape(out_shape)
    return res if out is None else write_out(out, res, "tensordot")


def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices (deprecated in PyTorch for ``linalg.multi_dot``, and warns
    as it does)."""
    warnings.warn(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
        "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather "
        "than multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    res = matrices[0].clone() if len(matrices) == 1 else _chain(list(matrices))
    return res if out is None else write_out(out, res, "chain_matmul")


def _chain(mats):
    """Product of 2-D matrices in the cheapest order (the classic O(n^3) dynamic program
    over the chain's dimensions)."""
    n = len(mats)
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(
                f"matrices {i} and {i + 1} cannot be multiplied ({mats[i].shape[0]}x"
                f"{mats[i].shape[1]} and {mats[i + 1].shape[0]}x{mats[i + 1].shape[1]})")
    if n <= 2:
        return mats[0] if n == 1 else matmul(mats[0], mats[1])
    p = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    todo, done = [(0, n - 1, False)], {}
    while todo:  # an explicit stack: no recursion, whatever the chain's length
        i, j, expanded = todo.pop()
        if i == j:
            done[(i, j)] = mats[i]
        elif expanded:
            k = split[i][j]
            done[(i, j)] = matmul(done.pop((i, k)), done.pop((k + 1, j)))
        else:
            k = split[i][j]
            todo += [(i, j, True), (i, k, False), (k + 1, j, False)]
    return done[(0, n - 1)]


def dist(input, other, p=2):
    """p-norm of ``input - other`` (broadcast), over all elements."""
    from .reduce import norm

    return norm(input - other, p)


def _cross(input, other, dim):
    """``input x other`` along ``dim`` (size 3): c_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1}."""
    a, b = promote(input, other)
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    a, b = a.expand(shape), b.expand(shape)
    return a.roll(-1, dim) * b.roll(-2, dim) - a.roll(-2, dim) * b.roll(-1, dim)


def cross(input, other, dim=None):
    """Cross product of 3-vectors along ``dim``; without ``dim``, the first dimension of size
    3 (deprecated in PyTorch, which warns; :func:`minigrad.linalg.cross` defaults to -1)."""
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, got "
                           f"{input.ndim} and {other.ndim}")
    if dim is None:
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
            "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value of "
            "dim will change to agree with that of linalg.cross in a future release.",
            UserWarning, stacklevel=2)
        shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim)


def linalg_cross(input, other, *, dim=-1):
    """``torch.linalg.cross``: inputs broadcast; ``dim`` must have size 3 in both."""
    d = _wrap_dim(dim, max(input.ndim, other.ndim))
    ia, ib = d - (max(input.ndim, other.ndim) - input.ndim), d - (max(input.ndim, other.ndim) - other.ndim)
    if (ia < 0 or input.shape[ia] != 3) or (ib < 0 or other.shape[ib] != 3):
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got "
            f"{input.shape[ia] if ia >= 0 else 1} and {other.shape[ib] if ib >= 0 else 1}")
    return _cross(input, other, d)


def cartesian_prod(*tensors):
    """Cartesian product of 1-D tensors: (N, k) rows in lexicographic order (1-D for one
    tensor)."""
    from .views import meshgrid
    from .movement import stack

    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


def combinations(input, r=2, with_replacement=False):
    """The length-``r`` combinations of a 1-D tensor's elements, as rows of a (C, r) tensor
    (itertools order; an empty tensor when there are none)."""
    from .movement import stack

    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input[:0]
    n = input.shape[0]
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(n), r)), dtype=np.int64).reshape(-1, r)
    if idx.shape[0] == 0:  # (0, r), still on input's graph
        return input[:0].unsqueeze(1).expand(0, r)
    cols = [input[const(idx[:, j], input, np.int64)] for j in range(r)]
    return stack(cols, dim=1)


def vander(x, N=None, increasing=False):
    """Vandermonde matrix of a 1-D tensor: columns ``x**(N-1), ..., x**0`` (reversed when
    ``increasing``), built by a running product, so its gradient is finite at x = 0."""
    from .movement import cat, flip
    from .scans import cumprod

    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if not _isfloat(x.array.dtype) and x.array.dtype != np.int64:
        x = cast(x, np.int64)  # integer and bool inputs give int64 (as PyTorch)
    if n == 0:
        return Tensor._wrap(x.xp.empty((x.shape[0], 0), x.array.dtype))
    ones = const(x.xp.ones((x.shape[0], 1)), x)
    if n == 1:
        out = ones
    else:
        out = cumprod(cat([ones, x.unsqueeze(1).expand(x.shape[0], n - 1)], dim=1), dim=1)
    return out if increasing else flip(out, (1,))


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the variables in the rows of ``input`` (observations in the columns),
    with optional integer frequency weights and real observation weights, as
    ``numpy.cov``/PyTorch."""
    if input.ndim > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if not _isfloat(x.array.dtype):
        x = cast(x, _dt.get_default_dtype().np)
    n_obs = x.shape[1]
    w = None
    if fweights is not None:
        if fweights.ndim > 1 or fweights.numel() != n_obs or _isfloat(fweights.array.dtype):
            raise RuntimeError("cov(): expected fweights to be a 1-D integral tensor with "
                               f"{n_obs} elements")
        if bool((fweights.array < 0).any()):
            raise RuntimeError("cov(): fweights cannot be negative")
        w = fweights
    if aweights is not None:
        if aweights.ndim > 1 or aweights.numel() != n_obs or not _isfloat(aweights.array.dtype):
            raise RuntimeError("cov(): expected aweights to be a 1-D floating point tensor "
                               f"with {n_obs} elements")
        if bool((aweights.array < 0).any()):
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = float(n_obs)
        avg = x.mean(dim=1)
        norm = w_sum - correction
    else:
        w = cast(w, x.array.dtype)
        w_sum = w.sum()
        avg = (x * w).sum(dim=1) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * (w * cast(aweights, x.array.dtype)).sum() / w_sum
    if not isinstance(norm, Tensor) and norm <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", RuntimeWarning, stacklevel=2)
        norm = 0.0
    xc = x - avg.unsqueeze(1)
    xw = xc if w is None else xc * w
    c = matmul(xw, xc.mT) / norm
    return c.reshape(()) if input.ndim < 2 else c


def corrcoef(input):
    """Pearson correlation coefficients of the rows of ``input`` (clipped to [-1, 1])."""
    from .compare import clamp

    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal().sqrt()
    return clamp(c / d.unsqueeze(1) / d.unsqueeze(0), -1, 1)


def renorm(input, p, dim, maxnorm):
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` is scaled to
    norm ``maxnorm`` (``maxnorm / (norm + 1e-7)``, as PyTorch); the others are kept."""
    from .compare import where
    from .reduce import norm

    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (got p={p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                           "dimensions")
    d = _wrap_dim(dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != d)
    nrm = norm(input, p, dim=others, keepdim=True)
    factor = where(nrm > maxnorm, maxnorm / (nrm + 1e-7), const(1.0, nrm))
    return input * factor


__all__ = ["addbmm", "addcdiv", "addcmul", "addmm", "addmv", "addmv_", "addr", "baddbmm",
           "cartesian_prod", "chain_matmul", "combinations", "corrcoef", "cov", "cross", "dist",
           "ger", "inner", "kron", "mv", "renorm", "tensordot", "trace", "vander", "vdot"]
# Tensor methods that only forward (generated in tensor.py; hand-written ones take precedence)
METHODS = ["addbmm", "addcdiv", "addcmul", "addmm", "addmv", "addr", "baddbmm", "corrcoef",
           "cov", "cross", "dist", "ger", "inner", "kron", "mv", "renorm", "trace", "vdot"]
INPLACE_METHODS = ["addbmm", "addmm", "addmv", "addr", "baddbmm", "renorm"]
