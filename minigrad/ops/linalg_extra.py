"""Norms, ranks, least squares and the small ``torch.linalg`` helpers (multi_dot, vecdot,
diagonal, solve_ex, lu), all composites of the primitives in linalg.py, linalg_solve.py and
linalg_decomp.py; plus the functions PyTorch removed from ``torch`` (``torch.solve``,
``torch.eig``, ...), which raise its error pointing to the replacement."""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor, _wrap_dim
from ._lapack import LinAlgError, check_float, check_matrix
from .linalg import matmul
from .linalg_decomp import svdvals
from .linalg_solve import _tuple, lu_factor_ex, lu_unpack, pinv, solve

_wrap = Tensor._wrap


# ---- norms ----------------------------------------------------------------------------------


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (all elements when None); ord inf/-inf give
    max/min |x|, 0 the number of nonzeros."""
    from .reduce import norm

    check_float(x if dtype is None else x.to(dtype=dtype), "linalg.vector_norm")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if dim is None and keepdim:
        dim = tuple(range(x.ndim))
    return norm(x, ord, dim=dim, keepdim=keepdim, dtype=dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Matrix norm over the two dims ``dim``: 'fro', 'nuc' (sum of singular values), 2/-2
    (largest/smallest singular value), 1/-1 (max/min column sum of |A|), inf/-inf (max/min
    row sum of |A|)."""
    from .reduce import amax, amin

    if dtype is not None:
        A = A.to(dtype=dtype)
    check_float(A, "linalg.matrix_norm")
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {tuple(dim)}")
    d0, d1 = (_wrap_dim(d, A.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if ord == "fro":
        return vector_norm(A, 2, dim=(d0, d1), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        At = A.movedim((d0, d1), (-2, -1))
        s = svdvals(At)
        r = s.sum(-1) if ord == "nuc" else (s[..., 0] if ord == 2 else s[..., -1])
        if keepdim:
            r = r.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
        return r
    if ord in (1, -1, math.inf, -math.inf):
        s_dim, m_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = A.abs().sum(s_dim, keepdim=True)
        r = (amax if ord > 0 else amin)(sums, m_dim, keepdim=True)
        return r if keepdim else r.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """``torch.linalg.norm``: a vector norm (dim an int, or no dim and ord None / a 1-D
    input) or a matrix norm (dim a pair, or no dim and a 2-D input)."""
    if dim is not None:
        if isinstance(dim, (int, np.integer)) or len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                       f"1D or 2D. Got {A.ndim}D.")


def cond(A, p=None):
    """Condition number ``norm(A) * norm(A^{-1})`` (p None or 2: s_max / s_min)."""
    from .linalg_solve import inv

    if p in (None, 2, -2):
        s = svdvals(A)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """Number of singular values above ``max(atol, rtol * s_max)`` (int64; default rtol:
    eps * max(m, n) when neither is given)."""
    check_matrix(A, "linalg.matrix_rank", square=False)
    xp = A.xp
    s = xp.linalg.svd(A.array, compute_uv=False)
    if atol is None and rtol is None:
        rtol = np.finfo(A.array.dtype).eps * max(A.shape[-2], A.shape[-1])
    a = 0.0 if atol is None else (atol.array[..., None] if isinstance(atol, Tensor) else atol)
    r = 0.0 if rtol is None else (rtol.array[..., None] if isinstance(rtol, Tensor) else rtol)
    smax = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), s.dtype)
    tol = xp.maximum(xp.asarray(a, dtype=s.dtype), r * smax)
    return _wrap(xp.asarray((s > tol).sum(-1), dtype=np.int64))


# ---- products and small helpers -------------------------------------------------------------


def multi_dot(tensors):
    """Product of a chain of matrices in the cheapest order; the first may be a 1-D row
    vector and the last a 1-D column vector."""
    from .products import _chain

    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vec, last_vec = tensors[0].ndim == 1, tensors[-1].ndim == 1
    if first_vec:
        tensors[0] = tensors[0].unsqueeze(0)
    if last_vec:
        tensors[-1] = tensors[-1].unsqueeze(-1)
    for i, t in enumerate(tensors):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    out = _chain(tensors)
    if first_vec:
        out = out.squeeze(0)
    if last_vec:
        out = out.squeeze(-1)
    return out


def vecdot(x, y, *, dim=-1):
    """Dot product of vectors along ``dim`` (inputs broadcast)."""
    return (x * y).sum(dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """``torch.linalg.diagonal``: :func:`minigrad.diagonal` over the last two dims."""
    from .diagonal import diagonal as _diagonal

    return _diagonal(A, offset, dim1, dim2)


def solve_ex(A, B, *, left=True, check_errors=False):
    """``(result, info)``: info[b] > 0 when matrix b of A is singular (its result is NaN)."""
    from .linalg_decomp import inv_ex

    try:
        x = solve(A, B, left=left)
        return _tuple("linalg_solve_ex", ("result", "info"), x,
                      _wrap(A.xp.zeros(A.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    _, info = inv_ex(A)
    x = solve(A * 0 + A.xp.eye(A.shape[-1], dtype=A.array.dtype), B, left=left) * math.nan
    return _tuple("linalg_solve_ex", ("result", "info"), x, info)


def lu_factor(A, *, pivot=True):
    """``(LU, pivots)``: LU with partial pivoting (A = P L U); LinAlgError when singular is
    not raised (as PyTorch: U then has a zero on its diagonal)."""
    LU, piv, _ = lu_factor_ex(A, pivot=pivot)
    return _tuple("linalg_lu_factor", ("LU", "pivots"), LU, piv)


def lu(A, *, pivot=True):
    """``(P, L, U)`` with A = P L U."""
    LU, piv, _ = lu_factor_ex(A, pivot=pivot)
    P, L, U = lu_unpack(LU, piv)
    return _tuple("linalg_lu", ("P", "L", "U"), P, L, U)


def torch_lu(A, pivot=True, get_infos=False):
    """``torch.lu`` (deprecated there): ``(LU, pivots)`` or ``(LU, pivots, infos)``."""
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    return (LU, piv, info) if get_infos else (LU, piv)


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of ``A X = B``: ``(solution, residuals, rank,
    singular_values)`` as PyTorch on CPU ('gelsy' by default: residuals and singular values
    empty; 'gelsd'/'gelss' fill them; 'gels' assumes full rank). The solution is
    ``pinv(A) B`` (its gradient that of pinv, exact where the rank is locally constant)."""
    drivers = ("gels", "gelsy", "gelsd", "gelss")
    if driver is not None and driver not in drivers:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of "
                           f"{drivers}")
    driver = driver or "gelsy"
    check_matrix(A, "torch.linalg.lstsq", square=False)
    check_float(B, "torch.linalg.lstsq", "B")
    vec = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vec else B
    if Bm.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2). "
                           f"Got {A.shape[-2]} and {Bm.shape[-2]}")
    m, n = A.shape[-2], A.shape[-1]
    eps = np.finfo(A.array.dtype).eps
    rtol = (eps * max(m, n)) if rcond is None or rcond < 0 else rcond
    X = matmul(pinv(A, rtol=rtol if driver != "gels" else 0.0), Bm)
    xp, dt = A.xp, A.array.dtype
    batch = tuple(A.shape[:-2])
    empty = _wrap(xp.empty((0,), dt))
    if driver == "gels":
        rank = _wrap(xp.empty((0,), np.int64))
    else:
        rank = matrix_rank(A.detach(), rtol=rtol)
    full = driver != "gels" and bool((rank.array == min(m, n)).all())
    residuals = empty
    if m > n and driver != "gelsy" and (driver == "gels" or full):
        residuals = ((matmul(A, X) - Bm) ** 2).sum(-2)
    sv = svdvals(A) if driver in ("gelsd", "gelss") else empty
    _ = batch
    return _tuple("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"),
                  X.squeeze(-1) if vec else X, residuals.squeeze(-1) if vec and residuals.ndim
                  else residuals, rank, sv)


# ---- removed from torch (they raise PyTorch's error, naming the replacement) ----------------


def _removed(text):
    """A function PyTorch removed in 1.9: it raises PyTorch's RuntimeError naming the
    replacement (``text``), whatever it is called with."""
    def deco(fn):
        def raiser(*args, **kwargs):
            raise RuntimeError("This function was deprecated since version 1.9 and is now "
                               "removed. " + text)

        import functools

        wrapped = functools.wraps(fn)(raiser)
        wrapped.__doc__ = "Removed from PyTorch (1.9): raises RuntimeError pointing to the " \
                          "replacement."
        return wrapped
    return deco


_SYMEIG = ("The default behavior has changed from using the upper triangular portion of the "
           "matrix by default to using the lower triangular portion.\n\nL, _ = "
           "torch.symeig(A, upper=upper) should be replaced with:\nL = torch.linalg.eigvalsh(A, "
           "UPLO='U' if upper else 'L')")
_EIG = ("`torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than "
        "real tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced "
        "with:\nL_complex = torch.linalg.eigvals(A)")
_LSTSQ = ("`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` "
          "has reversed arguments and does not return the QR decomposition in the returned "
          "tuple.")
_SOLVE = ("`torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` "
          "has its arguments reversed and does not return the LU factorization.")
_RANK = ("\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter "
         "'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'.")


@_removed(_SYMEIG)
def symeig(input, eigenvectors=False, upper=True, *, out=None): ...


@_removed(_EIG)
def eig(self, eigenvectors=False, *, e=None, v=None): ...


@_removed(_LSTSQ)
def lstsq_removed(input, A, *, out=None): ...


@_removed(_SOLVE)
def solve_removed(input, A, *, out=None): ...


@_removed(_RANK)
def matrix_rank_removed(input, tol=None, symmetric=False, *, out=None): ...


# the Tensor forms (``x.solve(other)``, ...), under the names PyTorch's Tensor methods use


@_removed(_SYMEIG)
def tensor_symeig(self, eigenvectors=False): ...


@_removed(_EIG)
def tensor_eig(self, eigenvectors=False): ...


@_removed(_LSTSQ)
def tensor_lstsq(self, other): ...


@_removed(_SOLVE)
def tensor_solve(self, other): ...
