"""Inverses, solvers and determinants: inv, solve, solve_triangular, det, slogdet, pinv,
matrix_exp, lu_factor (with the composites lu, lu_solve, lu_unpack, cholesky_solve,
cholesky_inverse, matrix_power, tensorinv, tensorsolve).

Backward rules (A^{-T} is inv(A) transposed; all batched over leading dims):
    inv:      Y = A^{-1};          gA = -Y^T gY Y^T
    solve:    X = A^{-1} B;        gB = A^{-T} gX,  gA = -gB X^T
    triangular solve: as solve, gA kept on A's triangle
    det:      d = det A;           gA = g d A^{-T} (a solve), or through the SVD for a
              singular A: gA = g U diag(prod_{j != i} s_j) V^T det(U V^T)
    slogdet:  gA = g A^{-T} for log|det A|
    pinv:     X = A^+;  gA = -X^T gX X^T + (I - A X) gX^T X X^T + X^T X gX^T (I - X A)
              (Golub & Pereyra; exact where the rank is locally constant)
    matrix_exp: gA = exp([[A^T, G], [0, A^T]])[:n, n:] (Mathias' block-triangular identity)
    lu_factor: LU = L + U - I, A = P L U (square A; wide and tall at LUFactor):
              gA = P L^{-T} (tril(L^T gL - gU U^T, -1) U^{-T} + gU)
The ``torch.linalg`` names are gathered in :mod:`minigrad.linalg`; ``__all__`` here holds
the top-level ``torch.X`` forms.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _wrap_dim
from . import _lapack
from ._lapack import LinAlgError, check_float, check_matrix
from ._util import const, promote
from .linalg import matmul

_wrap = Tensor._wrap


def _eye(n, like):
    return const(like.xp.eye(n, dtype=like.array.dtype), like)


def _tri(x, upper, strict=False):
    from .movement import tril, triu

    return triu(x, 1 if strict else 0) if upper else tril(x, -1 if strict else 0)


def _singular_error(xp, a, name):
    """LinAlgError naming the first zero pivot of the first singular matrix, as PyTorch."""
    _, _, info = _lapack.lu_factor(xp, a)
    i = _lapack.first_nonzero(info)
    code = int(info.reshape(-1)[i]) if info.size else 1
    msg = (f"The diagonal element {code} is zero, the inversion "
           "could not be completed because the input matrix is singular.")
    return LinAlgError(_lapack.batch_message(a.shape[:-2], i, name, msg))


# ---- inverse and solve ---------------------------------------------------------------------


class Inv(Function):
    """Y = A^{-1}; gA = -Y^T gY Y^T"""

    def forward(self, a):
        try:
            y = self.xp.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise _singular_error(self.xp, a, "linalg.inv") from None
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        yt = y.mT
        return -matmul(matmul(yt, gy), yt)


def inv(A):
    """Inverse of a (batch of) square matrices; :class:`LinAlgError` when singular."""
    check_matrix(A, "linalg.inv")
    return Inv.apply(A)


class Solve(Function):
    """X = A^{-1} B (B: (..., n, k)); gB = A^{-T} gX, gA = -gB X^T"""

    def forward(self, a, b):
        try:
            x = self.xp.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix "
                              "is singular.") from None
        self.save_for_backward(a, x)
        return x

    def backward(self, gx):
        a, x = self.saved_tensors
        gb = Solve.apply(a.mT, gx)
        na, _ = self.needs_input_grad
        return (-matmul(gb, x.mT) if na else None), gb


def _vector_rhs(A, B):
    """PyTorch's rule: B is a batch of vectors when it is 1-D or has A's shape minus one dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A, B, *, left=True):
    """X with ``A X = B`` (``X A = B`` when not ``left``); B a matrix or vector batch,
    batch dims broadcast."""
    check_matrix(A, "linalg.solve")
    check_float(B, "linalg.solve", "B")
    A, B = promote(A, B)
    if not left:
        return solve(A.mT, B.mT).mT
    vec = _vector_rhs(A, B)
    Bm = B.unsqueeze(-1) if vec else B
    if Bm.shape[-2] != A.shape[-1]:
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({A.shape[-2]}x{A.shape[-1]} and {Bm.shape[-2]}x{Bm.shape[-1]})")
    try:
        np.broadcast_shapes(tuple(A.shape[:-2]), tuple(Bm.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"linalg.solve: the batch dimensions of A {tuple(A.shape)} and B "
                           f"{tuple(B.shape)} do not broadcast") from None
    X = Solve.apply(A, Bm)
    return X.squeeze(-1) if vec else X


class SolveTriangular(Function):
    """X = T^{-1} B, T the upper/lower (unit) triangle of A; gB = T^{-T} gX, gA = the
    triangle of -gB X^T"""

    def forward(self, a, b, upper, unitriangular):
        self.upper, self.unit = upper, unitriangular
        x = _lapack.triangular_solve(self.xp, a, b, upper, unitriangular)
        self.save_for_backward(a, x)
        return x

    def backward(self, gx):
        a, x = self.saved_tensors
        gb = SolveTriangular.apply(a.mT, gx, upper=not self.upper, unitriangular=self.unit)
        ga = _tri(-matmul(gb, x.mT), self.upper, self.unit) if self.needs_input_grad[0] else None
        return ga, gb


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """X with ``T X = B`` (``X T = B`` when not ``left``) for the triangle T of A."""
    check_matrix(A, "linalg.solve_triangular")
    check_float(B, "linalg.solve_triangular", "B")
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    A, B = promote(A, B)
    if not left:
        return SolveTriangular.apply(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    if B.shape[-2] != A.shape[-1]:
        raise RuntimeError(
            f"linalg.solve_triangular: Incompatible shapes of A and B for the equation AX = B "
            f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})")
    return SolveTriangular.apply(A, B, upper=upper, unitriangular=unitriangular)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """``torch.triangular_solve`` (deprecated there): ``(X, A)`` with ``op(T) X = b``."""
    T = A.mT if transpose else A
    X = solve_triangular(T, b, upper=upper != transpose, unitriangular=unitriangular)
    return _tuple("triangular_solve", ("solution", "cloned_coefficient"), X, A.clone())


# ---- determinants --------------------------------------------------------------------------


class Det(Function):
    """d = det A; gA = g d A^{-T}, through the SVD when A is exactly singular"""

    def forward(self, a):
        d = self.xp.linalg.det(a)
        self.save_for_backward(a, d)
        return d

    def backward(self, g):
        a, d = self.saved_tensors
        gd = (g * d).unsqueeze(-1).unsqueeze(-1)
        try:
            return gd * inv(a).mT
        except LinAlgError:
            pass
        # singular: d det / dA = det(U) det(V) U diag(prod of the other s) V^T (first order)
        xp = a.xp
        u, s, vh = xp.linalg.svd(a.array)
        n = s.shape[-1]
        others = xp.stack([xp.prod(xp.concatenate([s[..., :i], s[..., i + 1:]], -1), -1)
                           for i in range(n)], -1)
        sign = xp.linalg.det(u) * xp.linalg.det(vh)
        adj_t = (u * (others * sign[..., None])[..., None, :]) @ vh
        return g.unsqueeze(-1).unsqueeze(-1) * _wrap(adj_t)


def det(A):
    """Determinant of a (batch of) square matrices."""
    check_matrix(A, "linalg.det")
    return Det.apply(A)


class LogAbsDet(Function):
    """y = log|det A|; gA = g A^{-T}"""

    def forward(self, a):
        _, y = self.xp.linalg.slogdet(a)
        self.save_for_backward(a)
        return y

    def backward(self, g):
        (a,) = self.saved_tensors
        return g.unsqueeze(-1).unsqueeze(-1) * inv(a).mT


def slogdet(A):
    """``(sign, logabsdet)`` of det A; sign has no gradient."""
    check_matrix(A, "linalg.slogdet")
    sign = _wrap(A.xp.asarray(A.xp.linalg.slogdet(A.array)[0]))
    return _tuple("slogdet", ("sign", "logabsdet"), sign, LogAbsDet.apply(A))


def logdet(input):
    """log det A: NaN for a negative determinant, -inf for a zero one (as PyTorch)."""
    from .compare import where

    check_matrix(input, "logdet")
    sign, lad = slogdet(input)
    nan = const(math.nan, lad)
    return where(const(sign.array < 0, lad, np.bool_), nan, lad)


# ---- pseudo-inverse ------------------------------------------------------------------------


class Pinv(Function):
    """X = A^+; gA = -X^T gX X^T + (I - A X) gX^T X X^T + X^T X gX^T (I - X A)"""

    def forward(self, a, rtol):
        x = self.xp.linalg.pinv(a, rtol)  # CuPy's pinv has no hermitian= (a speed-up only)
        self.save_for_backward(a, x)
        return x

    def backward(self, gx):
        a, x = self.saved_tensors
        xt, gxt = x.mT, gx.mT
        m, n = a.shape[-2], a.shape[-1]
        term = -matmul(matmul(xt, gx), xt)
        term = term + matmul(_eye(m, a) - matmul(a, x), matmul(gxt, matmul(x, xt)))
        return term + matmul(matmul(xt, x), matmul(gxt, _eye(n, a) - matmul(x, a)))


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """Moore-Penrose pseudo-inverse; singular values below ``max(atol, rtol * s_max)`` are
    treated as zero (default rtol: eps * max(m, n) when atol is not given)."""
    check_matrix(A, "linalg.pinv", square=False)
    if atol is not None:
        if isinstance(atol, Tensor) or atol != 0:
            raise NotImplementedError("linalg.pinv: atol is not supported by minigrad; use "
                                      "rtol (relative to the largest singular value)")
    if rtol is None:
        rtol = np.finfo(A.array.dtype).eps * max(A.shape[-2], A.shape[-1]) if atol is None else 0.0
    return Pinv.apply(A, rtol=float(rtol))


def pinverse(input, rcond=1e-15):
    """``torch.pinverse``: :func:`pinv` with ``rtol=rcond``."""
    return pinv(input, rtol=rcond)


# ---- matrix exponential and powers ---------------------------------------------------------


class MatrixExp(Function):
    """Y = exp(A); gA = exp([[A^T, gY], [0, A^T]])[:n, n:]"""

    def forward(self, a):
        self.save_for_backward(a)
        return _lapack.matrix_exp(self.xp, a)

    def backward(self, gy):
        from .movement import cat

        (a,) = self.saved_tensors
        n = a.shape[-1]
        at = a.mT
        gy = gy.expand(at.shape) if tuple(gy.shape) != tuple(at.shape) else gy
        zero = at * 0
        big = cat([cat([at, gy], -1), cat([zero, at], -1)], -2)
        return MatrixExp.apply(big)[..., :n, n:]


def matrix_exp(A):
    """exp(A) = sum_k A^k / k! of a (batch of) square matrices."""
    check_matrix(A, "linalg.matrix_exp")
    return MatrixExp.apply(A)


def matrix_power(input, n):
    """A^n by repeated squaring (A^0 = I, negative n through the inverse)."""
    check_matrix(input, "linalg.matrix_power", "A")
    if n == 0:
        return (input * 0 + _eye(input.shape[-1], input)).contiguous()
    if n < 0:
        return matrix_power(inv(input), -n)
    result, base = None, input
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


# ---- LU ------------------------------------------------------------------------------------


class LUFactor(Function):
    """LU = L + U - I with A = P L U (L m x k unit lower, U k x n upper, k = min(m, n)).
    Square: gA = P L^{-T} (tril(L^T gL - gU U^T, -1) U^{-T} + gU); the wide and tall cases
    split U = [U1 | U2] or L = [L1; L2] (PyTorch's linalg_lu_backward)."""

    def forward(self, a, lu, perm):
        self.perm = perm
        self.save_for_backward(lu)
        return lu

    def backward(self, g):
        from .movement import cat, tril, triu

        (lu,) = self.saved_tensors
        m, n = lu.shape[-2], lu.shape[-1]
        k = min(m, n)
        L = tril(lu[..., :, :k], -1) + const(lu.xp.eye(m, k, dtype=lu.array.dtype), lu)
        U = triu(lu[..., :k, :])
        gL, gU = tril(g[..., :, :k], -1), triu(g[..., :k, :])
        if m <= n:  # square or wide: U = [U1 | U2], L square
            x = tril(matmul(L.mT, gL) - matmul(gU, U.mT), -1)
            x = SolveTriangular.apply(U[..., :, :k], x.mT, upper=True, unitriangular=False).mT
            x = x + gU[..., :, :k]
            if n > k:
                x = cat([x, gU[..., :, k:]], -1)
            x = SolveTriangular.apply(L.mT, x, upper=True, unitriangular=True)
        else:  # tall: L = [L1; L2], U square
            x = triu(matmul(gU, U.mT) - matmul(L.mT, gL))
            x = SolveTriangular.apply(L[..., :k, :].mT, x, upper=True, unitriangular=True)
            x = cat([x + gL[..., :k, :], gL[..., k:, :]], -2)
            x = SolveTriangular.apply(U, x.mT, upper=True, unitriangular=False).mT  # x U^{-T}
        return _unpermute(x, self.perm)


def _unpermute(x, perm):
    """P x, where ``P^T A = A[perm]``: row perm[i] of the result is row i of x."""
    from .indexing import take_along_dim

    xp = x.xp
    inv_perm = xp.argsort(perm, axis=-1)
    idx = const(xp.broadcast_to(inv_perm[..., :, None], x.shape), x, np.int64)
    return take_along_dim(x, idx, dim=-2)


def _permute_rows(x, perm):
    """P^T x (rows taken in ``perm`` order)."""
    from .indexing import take_along_dim

    idx = const(x.xp.broadcast_to(perm[..., :, None], perm.shape + (x.shape[-1],)), x, np.int64)
    return take_along_dim(x, idx, dim=-2)


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """``(LU, pivots, info)``: LU with partial pivoting; info[b] > 0 names the first zero
    pivot of matrix b (then U is singular)."""
    check_matrix(A, "linalg.lu_factor_ex", square=False)
    if not pivot:
        raise NotImplementedError("linalg.lu_factor: LU without pivoting is not implemented "
                                  "in minigrad (as in PyTorch on CPU)")
    xp = A.xp
    lu, piv, info = _lapack.lu_factor(xp, A.array)
    perm = _lapack.pivots_to_perm(xp, piv, A.shape[-2])
    LU = LUFactor.apply(A, lu=lu, perm=perm)
    if check_errors and bool((info != 0).any()):
        i = _lapack.first_nonzero(info)
        raise LinAlgError(_lapack.batch_message(
            A.shape[:-2], i, "linalg.lu_factor_ex", "The factorization could not be completed "
            "because the input is singular."))
    return _tuple("linalg_lu_factor_ex", ("LU", "pivots", "info"), LU, _wrap(piv), _wrap(info))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """``(P, L, U)`` from the packed ``(LU, pivots)`` of :func:`lu_factor`."""
    from .movement import tril, triu

    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    xp = LU_data.xp
    if unpack_pivots:
        perm = _lapack.pivots_to_perm(xp, LU_pivots.array, m)
        eye = xp.eye(m, dtype=LU_data.array.dtype)
        P = _wrap(xp.swapaxes(eye[perm], -1, -2).copy())
    else:
        P = _wrap(xp.empty((0,), LU_data.array.dtype))
    if unpack_data:
        unit = const(xp.eye(m, k, dtype=LU_data.array.dtype), LU_data)
        L = tril(LU_data[..., :, :k], -1) + unit
        U = triu(LU_data[..., :k, :])
    else:
        L = U = _wrap(xp.empty((0,), LU_data.array.dtype))
    return _tuple("lu_unpack", ("P", "L", "U"), P, L, U)


def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """X with ``A X = B`` given ``(LU, pivots) = lu_factor(A)`` (``A^T X = B`` with
    ``adjoint``; ``X A = B`` when not ``left``)."""
    check_matrix(LU, "linalg.lu_solve", "LU")
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return linalg_lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    perm = _lapack.pivots_to_perm(LU.xp, pivots.array, LU.shape[-1])
    if not adjoint:  # A = P L U: X = U^{-1} L^{-1} P^T B
        y = SolveTriangular.apply(*_bcast(LU, _permute_rows(B, perm)), upper=False,
                                  unitriangular=True)
        return SolveTriangular.apply(*_bcast(LU, y), upper=True, unitriangular=False)
    # A^T = U^T L^T P^T: X = P L^{-T} U^{-T} B
    y = SolveTriangular.apply(*_bcast(LU.mT, B), upper=False, unitriangular=False)
    y = SolveTriangular.apply(*_bcast(LU.mT, y), upper=True, unitriangular=True)
    return _unpermute(y, perm)


def lu_solve(b, LU_data, LU_pivots):
    """``torch.lu_solve`` (deprecated there): :func:`minigrad.linalg.lu_solve` with B first."""
    return linalg_lu_solve(LU_data, LU_pivots, b)


def _bcast(A, B):
    return promote(A, B)


def cholesky_solve(B, L, upper=False):
    """X with ``A X = B`` for ``A = L L^T`` (``U^T U`` when ``upper``)."""
    check_matrix(L, "cholesky_solve", "L")
    T = L.mT if upper else L
    y = solve_triangular(T, B, upper=False)
    return solve_triangular(T.mT, y, upper=True)


def cholesky_inverse(L, upper=False):
    """A^{-1} for ``A = L L^T`` (``U^T U`` when ``upper``)."""
    check_matrix(L, "cholesky_inverse", "L")
    eye = L * 0 + _eye(L.shape[-1], L)
    return cholesky_solve(eye, L, upper)


def tensorinv(A, ind=2):
    """The tensor inverse: ``tensordot(tensorinv(A), A, ind)`` is the identity on
    ``A.shape[ind:]``."""
    if ind <= 0:
        raise RuntimeError(f"linalg.tensorinv: Expected a strictly positive integer for 'ind', "
                           f"but got {ind}")
    out, inn = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    p, q = math.prod(out), math.prod(inn)
    if p != q:
        raise RuntimeError(f"linalg.tensorinv: Expected self to satisfy the requirement "
                           f"prod(self.shape[ind:]) == prod(self.shape[:ind]), but got {q} != {p}")
    return inv(A.reshape(p, q)).reshape(inn + out)


def tensorsolve(A, B, dims=None):
    """X with ``tensordot(A, X, X.ndim) = B``; ``dims`` are A's dims moved to the end first."""
    if dims is not None:
        dims = [_wrap_dim(d, A.ndim) for d in dims]
        A = A.permute(*[d for d in range(A.ndim) if d not in dims], *dims)
    rest = tuple(A.shape[B.ndim:])
    n = math.prod(B.shape)
    if math.prod(rest) != n:
        raise RuntimeError(f"linalg.tensorsolve: Expected self to satisfy the requirement "
                           f"prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), but "
                           f"got {math.prod(rest)} != {n}")
    return solve(A.reshape(n, n), B.reshape(n)).reshape(rest)


_tuple = _lapack.result


__all__ = ["cholesky_inverse", "cholesky_solve", "det", "logdet", "lu_solve", "lu_unpack",
           "matrix_exp", "matrix_power", "pinverse", "slogdet", "triangular_solve"]
