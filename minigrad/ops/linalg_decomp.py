"""Factorizations: cholesky, qr, svd (svdvals), eigh (eigvalsh), eig (eigvals) of real
matrices, batched over leading dims.

Each factorization is one primitive whose output packs its factors into one array (see
``_lapack.pack``); the public functions slice the factors out, so a loss that uses only some
of them sends zeros for the others and the backward below sees them all. Backward rules
(real case, as PyTorch; E_ij = x_j - x_i with its diagonal set to 1, skew(X) = X - X^T):
    cholesky: A = L L^T;  gA = sym(L^{-T} Phi(L^T gL) L^{-1}), Phi = lower triangle with the
              diagonal halved, sym(X) = (X + X^T) / 2
    qr (m >= n, reduced): M = R gR^T - gQ^T Q;  gA = (gQ + Q copyltu(M)) R^{-T};
              m < n: A = Q [X | Y] done on X with gQ + Y gR_Y^T, and gY = Q gR_Y
    svd:  gA = U [(skew(U^T gU) S_col + S_row skew(V^T gV)) / E(s^2) + diag(gS)] V^T, plus
              the (I - U U^T) gU S^{-1} V^T (m > n) or U S^{-1} gV^T (I - V V^T) (m < n) terms
    eigh: A = V diag(L) V^T;  gA = V (skew(V^T gV) / (2 E(L)) + diag(gL)) V^T
    eig:  gA = V^{-T} (diag(gL) + (V^T gV - V^T V diag(V^T gV)) / E(L)) V^T (real spectrum)
The derivatives of singular/eigen vectors exist only for distinct singular values or
eigenvalues, and only gauge-invariant losses (sign flips of a vector pair change nothing)
have a well-defined gradient, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..backend import as_numpy
from ..tensor import Tensor
from . import _lapack
from ._lapack import LinAlgError, check_matrix, pack, unpack
from .linalg import matmul
from .linalg_solve import SolveTriangular, _tuple

_wrap = Tensor._wrap


def _diag_embed(v):
    from .diagonal import diag_embed

    return diag_embed(v)


def _diag(x):
    from .diagonal import diagonal

    return diagonal(x, 0, -2, -1)


def _gap(v):
    """E_ij = v_j - v_i with ones on the diagonal (the divisor of the spectral rules)."""
    n = v.shape[-1]
    eye = v.xp.eye(n, dtype=v.array.dtype)
    return v.unsqueeze(-2) - v.unsqueeze(-1) + _wrap(eye)


def _first_failure(xp, a, test):
    """Index (flat over the batch) of the first matrix for which ``test`` raises."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for i in range(flat.shape[0]):
        try:
            test(flat[i])
        except np.linalg.LinAlgError:
            return i
    return 0


# ---- cholesky -------------------------------------------------------------------------------


class Cholesky(Function):
    """A = L L^T (A's lower triangle read); gA = sym(L^{-T} Phi(L^T gL) L^{-1})"""

    def forward(self, a):
        xp = self.xp
        try:
            y = xp.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise _not_pd(xp, a, "linalg.cholesky") from None
        self.save_for_backward(y)
        return y

    def backward(self, gl):
        from .movement import tril

        (L,) = self.saved_tensors
        P = tril(matmul(L.mT, tril(gl)))
        P = P - 0.5 * _diag_embed(_diag(P))
        X = SolveTriangular.apply(L.mT, P, upper=True, unitriangular=False)  # L^{-T} P
        X = SolveTriangular.apply(L.mT, X.mT, upper=True, unitriangular=False).mT  # X L^{-1}
        return 0.5 * (X + X.mT)


def _not_pd(xp, a, name):
    i = _first_failure(xp, a, xp.linalg.cholesky)
    m = a.reshape((-1,) + a.shape[-2:])[i]
    lo, hi = 1, m.shape[-1]  # the smallest failing leading minor: failures are monotone
    while lo < hi:
        mid = (lo + hi) // 2
        try:
            xp.linalg.cholesky(m[:mid, :mid])
            lo = mid + 1
        except np.linalg.LinAlgError:
            hi = mid
    return LinAlgError(_lapack.batch_message(
        a.shape[:-2], i, name, "The factorization could not be completed because the input is "
        f"not positive-definite (the leading minor of order {lo} is not positive-definite)."))


def linalg_cholesky(A, *, upper=False):
    """Lower-triangular L with ``A = L L^T`` (``U^T U`` with ``upper``); A symmetric
    positive-definite, only its lower triangle is read."""
    check_matrix(A, "linalg.cholesky")
    L = Cholesky.apply(A)
    return L.mT if upper else L


def cholesky_ex(A, *, upper=False, check_errors=False):
    """``(L, info)``: info[b] = k > 0 when the leading minor of order k of matrix b is not
    positive-definite (its L is then NaN), 0 otherwise."""
    check_matrix(A, "linalg.cholesky_ex")
    xp = A.xp
    try:
        L = linalg_cholesky(A, upper=upper)
        return _tuple("linalg_cholesky_ex", ("L", "info"), L,
                      _wrap(xp.zeros(A.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    info, flat = _infos(xp, A.array, "cholesky")
    L = _wrap(xp.where((info != 0)[..., None, None], np.nan, flat))
    return _tuple("linalg_cholesky_ex", ("L", "info"), L.mT if upper else L, _wrap(info))


def _infos(xp, a, kind):
    """Per-matrix info codes and results (NaN where failed), computed one matrix at a time."""
    m = a.reshape((-1,) + a.shape[-2:])
    info = [0] * m.shape[0]
    out = xp.full(m.shape, np.nan, dtype=a.dtype)
    for i in range(m.shape[0]):
        try:
            out[i] = xp.linalg.cholesky(m[i]) if kind == "cholesky" else xp.linalg.inv(m[i])
        except np.linalg.LinAlgError:
            if kind == "cholesky":
                msg = str(_not_pd(xp, m[i], ""))
                info[i] = int(msg.split("order ")[1].split(" ")[0])
            else:
                info[i] = int(_lapack.lu_factor(xp, m[i])[2])
    return xp.asarray(info, dtype=np.int32).reshape(a.shape[:-2]), out.reshape(a.shape)


def cholesky(input, upper=False):
    """``torch.cholesky``: :func:`minigrad.linalg.cholesky` (deprecated in PyTorch)."""
    return linalg_cholesky(input, upper=upper)


def inv_ex(A, *, check_errors=False):
    """``(inverse, info)``: info[b] = k > 0 when matrix b is singular (U[k, k] = 0; its
    inverse is then NaN), 0 otherwise."""
    from .linalg_solve import inv

    check_matrix(A, "linalg.inv_ex")
    xp = A.xp
    try:
        return _tuple("linalg_inv_ex", ("inverse", "info"), inv(A),
                      _wrap(xp.zeros(A.shape[:-2], np.int32)))
    except LinAlgError:
        if check_errors:
            raise
    info, out = _infos(xp, A.array, "inv")
    return _tuple("linalg_inv_ex", ("inverse", "info"), _wrap(out), _wrap(info))


# ---- qr -------------------------------------------------------------------------------------


class QR(Function):
    """A = Q R packed as [Q | R]; the backward rule is in the module docstring"""

    def forward(self, a, mode):
        self.mode = mode
        q, r = self.xp.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
        self.batch, self.shapes = a.shape[:-2], (q.shape[-2:], r.shape[-2:])
        y = pack(self.xp, self.batch, q, r)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        Q, R = unpack(y, self.batch, self.shapes)
        gQ, gR = unpack(gy, self.batch, self.shapes)
        m, n = Q.shape[-2], R.shape[-1]
        if self.mode == "complete" and m > n:
            raise NotImplementedError(
                "The derivative of linalg.qr depends on Q, which is not computed when "
                "mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_square_back(Q, R, gQ, gR)
        from .movement import cat

        X, V = R[..., :, :m], R[..., :, m:]
        gX, gV = gR[..., :, :m], gR[..., :, m:]
        gx = _qr_square_back(Q, X, gQ + matmul(matmul(Q, V), gV.mT), gX)
        return cat([gx, matmul(Q, gV)], -1)


def _qr_square_back(Q, R, gQ, gR):
    from .movement import tril

    M = matmul(R, gR.mT) - matmul(gQ.mT, Q)
    low = tril(M, -1)
    M = low + low.mT + _diag_embed(_diag(M))
    b = gQ + matmul(Q, M)
    return SolveTriangular.apply(R, b.mT, upper=True, unitriangular=False).mT  # b R^{-T}


def qr(A, mode="reduced"):
    """``(Q, R)`` with A = Q R, Q orthonormal columns, R upper triangular. ``mode``:
    'reduced' (k = min(m, n) columns), 'complete' (Q square), 'r' (R only; Q empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    check_matrix(A, "linalg.qr", square=False)
    if mode == "r":
        r = A.xp.linalg.qr(A.array, mode="r")
        R = _NoGrad.apply(A, value=r, what="linalg.qr with mode='r'")
        return _tuple("linalg_qr", ("Q", "R"), _wrap(A.xp.empty((0,), A.array.dtype)), R)
    y = QR.apply(A, mode=mode)
    m, n = A.shape[-2], A.shape[-1]
    k = m if mode == "complete" else min(m, n)
    Q, R = unpack(y, A.shape[:-2], ((m, k), (k, n)))
    return _tuple("linalg_qr", ("Q", "R"), Q, R)


def torch_qr(input, some=True):
    """``torch.qr`` (deprecated there): :func:`minigrad.linalg.qr` with ``some`` for the
    reduced mode."""
    return qr(input, "reduced" if some else "complete")


class _NoGrad(Function):
    """A result whose derivative minigrad (like PyTorch) does not define: backward raises."""

    def forward(self, *inputs, value, what):
        self.what = what
        return value

    def backward(self, gy):
        raise RuntimeError(f"The derivative of {self.what} is not implemented.")


# ---- svd ------------------------------------------------------------------------------------


class SVD(Function):
    """A = U diag(S) Vh packed as [U | S | Vh]; the backward rule is in the module docstring"""

    def forward(self, a, full_matrices):
        u, s, vh = self.xp.linalg.svd(a, full_matrices=full_matrices)
        self.batch = a.shape[:-2]
        self.shapes = (u.shape[-2:], s.shape[-1:], vh.shape[-2:])
        y = pack(self.xp, self.batch, u, s, vh)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved_tensors
        U, S, Vh = unpack(y, self.batch, self.shapes)
        gU, gS, gVh = unpack(gy, self.batch, self.shapes)
        k = S.shape[-1]
        U, gU, Vh, gVh = U[..., :, :k], gU[..., :, :k], Vh[..., :k, :], gVh[..., :k, :]
        m, n = U.shape[-2], Vh.shape[-1]
        V, gV = Vh.mT, gVh.mT
        UhgU, VhgV = matmul(U.mT, gU), matmul(V.mT, gV)
        E = _gap(S * S)
        core = ((UhgU - UhgU.mT) * S.unsqueeze(-2) + S.unsqueeze(-1) * (VhgV - VhgV.mT)) / E
        core = core + _diag_embed(gS)
        if m > n:
            gUS = gU / S.unsqueeze(-2)
            core = matmul(U, core) + gUS - matmul(U, matmul(U.mT, gUS))
            return matmul(core, Vh)
        if m < n:
            gVS = gV / S.unsqueeze(-2)
            core = matmul(core, Vh) + (gVS - matmul(V, matmul(V.mT, gVS))).mT
            return matmul(U, core)
        return matmul(matmul(U, core), Vh)


def svd(A, full_matrices=True, *, driver=None):
    """``(U, S, Vh)`` with A = U diag(S) Vh, S descending. Gradients of U and Vh are only
    meaningful for losses invariant to flipping the sign of a singular vector pair."""
    check_matrix(A, "linalg.svd", square=False)
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    y = SVD.apply(A, full_matrices=bool(full_matrices))
    ku, kv = (m, n) if full_matrices else (k, k)
    U, S, Vh = unpack(y, A.shape[:-2], ((m, ku), (k,), (kv, n)))
    return _tuple("linalg_svd", ("U", "S", "Vh"), U, S, Vh)


def svdvals(A, *, driver=None):
    """The singular values of A, descending."""
    return svd(A, full_matrices=False)[1]


def torch_svd(input, some=True, compute_uv=True):
    """``torch.svd`` (deprecated there): ``(U, S, V)`` with V (not V^T); without
    ``compute_uv``, U and V are zero-filled."""
    U, S, Vh = svd(input, full_matrices=not some)
    if not compute_uv:
        from ..creation import zeros_like

        U, Vh = zeros_like(U.detach()), zeros_like(Vh.detach())
    return _tuple("svd", ("U", "S", "V"), U, S, Vh.mT)


# ---- eigh / eig -----------------------------------------------------------------------------


class Eigh(Function):
    """A = V diag(L) V^T packed as [L | V]; gA = V (skew(V^T gV) / (2 E) + diag(gL)) V^T"""

    def forward(self, a, uplo):
        w, v = self.xp.linalg.eigh(a, UPLO=uplo)
        self.batch, self.n = a.shape[:-2], a.shape[-1]
        y = pack(self.xp, self.batch, w, v)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        n = self.n
        (y,) = self.saved_tensors
        L, V = unpack(y, self.batch, ((n,), (n, n)))
        gL, gV = unpack(gy, self.batch, ((n,), (n, n)))
        VhgV = matmul(V.mT, gV)
        inner = 0.5 * (VhgV - VhgV.mT) / _gap(L)
        inner = inner - _diag_embed(_diag(inner)) + _diag_embed(gL)
        return matmul(matmul(V, inner), V.mT)


def eigh(A, UPLO="L"):
    """``(eigenvalues, eigenvectors)`` of symmetric A (its ``UPLO`` triangle read),
    eigenvalues ascending."""
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    check_matrix(A, "linalg.eigh")
    n = A.shape[-1]
    L, V = unpack(Eigh.apply(A, uplo=UPLO), A.shape[:-2], ((n,), (n, n)))
    return _tuple("linalg_eigh", ("eigenvalues", "eigenvectors"), L, V)


def eigvalsh(A, UPLO="L"):
    """The eigenvalues of symmetric A, ascending."""
    return eigh(A, UPLO)[0]


class Eig(Function):
    """A = V diag(L) V^{-1} (real spectrum) packed as [L | V]; the rule is in the docstring"""

    def forward(self, a):
        xp = self.xp
        w, v = np.linalg.eig(as_numpy(a))  # on the host: CuPy has no general eigensolver
        if w.dtype.kind == "c" and bool((w.imag != 0).any()):
            raise TypeError(
                "linalg.eig: the matrix has complex eigenvalues, and minigrad has no complex "
                "dtype (PyTorch returns complex64/complex128 tensors here)")
        w, v = xp.asarray(w.real.astype(a.dtype)), xp.asarray(v.real.astype(a.dtype))
        self.batch, self.n = a.shape[:-2], a.shape[-1]
        y = pack(xp, self.batch, w, v)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        from .linalg_solve import solve

        n = self.n
        (y,) = self.saved_tensors
        L, V = unpack(y, self.batch, ((n,), (n, n)))
        gL, gV = unpack(gy, self.batch, ((n,), (n, n)))
        VhgV = matmul(V.mT, gV)
        inner = VhgV - matmul(V.mT, V * _diag(VhgV).unsqueeze(-2))
        inner = inner / _gap(L)
        inner = inner - _diag_embed(_diag(inner)) + _diag_embed(gL)
        return solve(V.mT, matmul(inner, V.mT))


def eig(A):
    """``(eigenvalues, eigenvectors)`` of a real square matrix whose eigenvalues are all
    real (unit-norm eigenvectors). PyTorch returns complex tensors; minigrad has no complex
    dtype, so it returns real ones and raises a TypeError when an eigenvalue is complex."""
    check_matrix(A, "linalg.eig")
    n = A.shape[-1]
    L, V = unpack(Eig.apply(A), A.shape[:-2], ((n,), (n, n)))
    return _tuple("linalg_eig", ("eigenvalues", "eigenvectors"), L, V)


def eigvals(A):
    """The eigenvalues of a real square matrix with a real spectrum (see :func:`eig`)."""
    return eig(A)[0]


__all__ = ["cholesky"]
