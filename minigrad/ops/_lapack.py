"""Array-level helpers of the linear-algebra ops (no autograd here): PyTorch's input checks
and errors, ``LinAlgError``, packing several results into one array (so that a
factorization is one single-output primitive), and the algorithms NumPy/CuPy lack (LU with
partial pivoting, triangular substitution, the matrix exponential)."""
from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from ..dtypes import is_floating_np as _isfloat
from ..tensor import Tensor


class LinAlgError(RuntimeError):
    """A matrix that cannot be factorized or inverted (singular, not positive-definite, no
    convergence): ``torch.linalg.LinAlgError``, a RuntimeError."""


_NAMES = {np.dtype(np.int64): "Long", np.dtype(np.int32): "Int", np.dtype(np.int16): "Short",
          np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte", np.dtype(np.bool_): "Bool"}


def check_float(A: Tensor, name: str, arg: str = "input") -> None:
    if not _isfloat(A.array.dtype) or A.array.dtype.itemsize < 4:
        got = _NAMES.get(A.array.dtype, str(A.dtype).replace("minigrad.", "").capitalize())
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as {arg}. "
                           f"Got {got}")


def check_matrix(A: Tensor, name: str, arg: str = "A", square: bool = True) -> None:
    """PyTorch's checks: at least 2-D, floating, (square)."""
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    check_float(A, name)
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def first_nonzero(info) -> int:
    """Flat index of the first nonzero info code (0 when none), read back to the host."""
    from ..backend import as_numpy

    codes = as_numpy(info).reshape(-1).tolist()
    return next((i for i, c in enumerate(codes) if c), 0)


def batch_message(batch_shape, flat_index: int, name: str, msg: str) -> str:
    """``name: (Batch element i): msg`` for a batch, ``name: msg`` for one matrix."""
    if batch_shape:
        return f"{name}: (Batch element {flat_index}): {msg}"
    return f"{name}: {msg}"


_RESULTS: dict = {}


def result(name, fields, *values):
    """``values`` as the named tuple PyTorch returns (``torch.return_types.<name>``)."""
    cls = _RESULTS.get(name)
    if cls is None:
        cls = _RESULTS[name] = namedtuple(name, fields)
        cls.__doc__ = f"``({', '.join(fields)})`` returned by ``{name}`` (torch.return_types)."
    return cls(*values)


# ---- packing: one array holding several results (one primitive, several outputs) ---------


def pack(xp, batch, *arrays):
    """The arrays (each ``batch + trailing``) flattened over their trailing dims and joined
    along one last axis."""
    return xp.concatenate([a.reshape(batch + (-1,)) for a in arrays], axis=-1)


def unpack(y: Tensor, batch, shapes):
    """Tensors of ``batch + shape`` for each of ``shapes``, sliced from a packed ``y``
    (differentiable slices: gradients flow back into the packed array)."""
    out, off = [], 0
    for s in shapes:
        n = math.prod(s)
        out.append(y[..., off:off + n].reshape(tuple(batch) + tuple(s)))
        off += n
    return out


# ---- algorithms ----------------------------------------------------------------------------


def lu_factor(xp, A):
    """LU with partial pivoting of a batch of (m, n) matrices: ``(LU, pivots, info)`` as
    LAPACK's getrf (pivots 1-based int32, info = 1 + index of the first zero pivot or 0).
    One pass over the columns, vectorised over the batch."""
    batch, (m, n) = A.shape[:-2], A.shape[-2:]
    k = min(m, n)
    nb = math.prod(batch)
    LU = A.reshape((nb, m, n)).copy()
    piv = xp.zeros((nb, k), dtype=np.int32)
    info = xp.zeros((nb,), dtype=np.int32)
    rows = xp.arange(nb)
    for j in range(k):
        p = xp.argmax(xp.abs(LU[:, j:, j]), axis=1) + j
        piv[:, j] = p + 1
        top = LU[rows, j].copy()
        LU[rows, j] = LU[rows, p]
        LU[rows, p] = top
        d = LU[:, j, j]
        zero = d == 0
        info = xp.where((info == 0) & zero, j + 1, info)
        LU[:, j + 1:, j] /= xp.where(zero, 1, d)[:, None]
        LU[:, j + 1:, j + 1:] -= LU[:, j + 1:, j:j + 1] * LU[:, j:j + 1, j + 1:]
    return LU.reshape(A.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def pivots_to_perm(xp, piv, m):
    """Row permutation ``perm`` (``P^T A = A[perm]``) from 1-based LAPACK pivots (..., k)."""
    batch, k = piv.shape[:-1], piv.shape[-1]
    nb = math.prod(batch)
    perm = xp.broadcast_to(xp.arange(m), (nb, m)).copy()
    p = piv.reshape(nb, k).astype(np.int64) - 1
    rows = xp.arange(nb)
    for j in range(k):
        a, b = perm[rows, j].copy(), perm[rows, p[:, j]].copy()
        perm[rows, j], perm[rows, p[:, j]] = b, a
    return perm.reshape(batch + (m,))


def triangular_solve(xp, T, B, upper: bool, unit: bool):
    """``T^{-1} B`` for triangular T (the other triangle is ignored). A singular T gives
    inf/nan as LAPACK's trtrs would, never an exception."""
    n = T.shape[-1]
    T = xp.triu(T) if upper else xp.tril(T)
    if unit:
        T = T.copy()
        idx = xp.arange(n)
        T[..., idx, idx] = 1
    try:
        with np.errstate(all="ignore"):
            return xp.linalg.solve(T, B)
    except np.linalg.LinAlgError:
        pass
    bshape = np.broadcast_shapes(T.shape[:-2], B.shape[:-2])
    T = xp.broadcast_to(T, bshape + T.shape[-2:])
    B = xp.broadcast_to(B, bshape + B.shape[-2:])
    X = xp.zeros(B.shape, dtype=np.result_type(T.dtype, B.dtype))
    order = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(all="ignore"):
        for i in order:
            acc = B[..., i, :] - xp.einsum("...j,...jk->...k", T[..., i, :], X)
            X[..., i, :] = acc / T[..., i, i][..., None]
    return X


# Higham (2005), "The scaling and squaring method for the matrix exponential revisited":
# the [13/13] Pade approximant is accurate to double precision for ||A||_1 <= theta_13
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def matrix_exp(xp, A):
    """exp(A) of a batch of square matrices by scaling and squaring with the [13/13] Pade
    approximant, in float64 (each matrix scaled by its own power of two)."""
    dt = A.dtype
    A = A.astype(np.float64)
    n = A.shape[-1]
    if n == 0 or A.size == 0:
        return A.astype(dt)
    norm = xp.abs(A).sum(axis=-2).max(axis=-1)  # the 1-norm of each matrix
    with np.errstate(divide="ignore"):
        s = xp.maximum(0, xp.ceil(xp.log2(norm / _THETA13))).astype(np.int64)
    s = xp.where(xp.isfinite(norm), s, 0)
    A = A / (2.0 ** s)[..., None, None]
    b = _PADE13
    eye = xp.eye(n)
    A2 = A @ A
    A4 = A2 @ A2
    A6 = A4 @ A2
    U = A @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4 + b[3] * A2
             + b[1] * eye)
    V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 \
        + b[0] * eye
    E = xp.linalg.solve(V - U, V + U)
    top = int(s.max()) if s.size else 0
    for i in range(top):
        E = xp.where((s > i)[..., None, None], E @ E, E)
    return E.astype(dt)
