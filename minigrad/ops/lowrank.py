"""Randomized low-rank factorizations (Halko, Martinsson & Tropp 2009, as PyTorch's
``torch.svd_lowrank`` / ``torch.pca_lowrank``): a random range finder with ``niter`` power
iterations, then the SVD of the small projected matrix. Composites of matmul, qr and svd,
so they are differentiable (for a fixed random draw)."""
from __future__ import annotations

from ..tensor import Tensor
from ._lapack import check_matrix
from .linalg import matmul
from .linalg_decomp import qr, svd


def _basis(A, q, niter, M):
    """Orthonormal (..., m, q) basis approximating the range of ``A - M``."""
    from ..creation import randn

    R = randn(*A.shape[-1:], q, dtype=A.dtype, device=A.device)
    X = matmul(A, R) if M is None else matmul(A, R) - matmul(M, R)
    Q = qr(X).Q
    for _ in range(niter):
        X = matmul(A.mT, Q) if M is None else matmul(A.mT, Q) - matmul(M.mT, Q)
        Q = qr(X).Q
        X = matmul(A, Q) if M is None else matmul(A, Q) - matmul(M, Q)
        Q = qr(X).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """``(U, S, V)``, a rank-``q`` approximation ``A - M ~ U diag(S) V^T`` (``M`` broadcast
    to A's shape; None is zero), from a random projection refined by ``niter`` power
    iterations. The draw uses minigrad's generator (seed with ``manual_seed``)."""
    check_matrix(A, "svd_lowrank", square=False)
    q = 6 if q is None else q
    m, n = A.shape[-2], A.shape[-1]
    if M is not None:
        M = M.expand(A.shape)
    if m < n:  # work on the transpose: the basis is taken on the short side
        U, S, V = svd_lowrank(A.mT, q, niter, None if M is None else M.mT)
        return V, S, U
    Q = _basis(A, q, niter, M)
    B = matmul(Q.mT, A) if M is None else matmul(Q.mT, A) - matmul(Q.mT, M)
    U, S, Vh = svd(B, full_matrices=False)
    return matmul(Q, U), S, Vh.mT


def pca_lowrank(A, q=None, center=True, niter=2):
    """``(U, S, V)`` of the (column-centred when ``center``) data ``A`` (..., m, n): its
    principal directions are the columns of V; ``q`` defaults to min(6, m, n)."""
    check_matrix(A, "pca_lowrank", square=False)
    m, n = A.shape[-2], A.shape[-1]
    q = min(6, m, n) if q is None else q
    if not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than "
                         f"min(m, n)={min(m, n)}")
    if niter < 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if center:
        A = A - A.mean(dim=-2, keepdim=True)
    return svd_lowrank(A, q, niter)


_ = Tensor
__all__ = ["pca_lowrank", "svd_lowrank"]
