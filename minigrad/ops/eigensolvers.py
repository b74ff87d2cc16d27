"""``torch.lobpcg``: the k largest (or smallest) eigenpairs of a symmetric positive-definite
(generalized) eigenproblem A x = lambda B x.

minigrad's tensors are dense, so the answer LOBPCG iterates towards is computed directly:
a Cholesky reduction of B and one dense ``eigh``. The result is the exact eigenpairs (to
rounding), not an iterate stopped at ``tol``; ``X``, ``n``, ``iK``, ``niter``, ``tol``,
``method``, ``tracker`` and the ``ortho_*`` options are accepted and checked but steer no
iteration. Differentiable through eigh and cholesky (gradients of the eigenvectors need
gauge-invariant losses, as everywhere).
"""
from __future__ import annotations

from ._lapack import check_matrix
from .linalg_decomp import eigh, linalg_cholesky
from .linalg_solve import solve_triangular


def lobpcg(A, k=None, B=None, X=None, n=None, iK=None, niter=None, tol=None, largest=None,
           method=None, tracker=None, ortho_iparams=None, ortho_fparams=None,
           ortho_bparams=None):
    """``(E, X)``: the k largest eigenvalues (descending; the smallest, ascending, when
    ``largest=False``) of symmetric A (B symmetric positive-definite, or the identity) and
    their B-orthonormal eigenvectors (m, k)."""
    check_matrix(A, "lobpcg")
    if method not in (None, "basic", "ortho"):
        raise ValueError(f"lobpcg: method must be 'basic' or 'ortho', got {method!r}")
    m = A.shape[-1]
    if k is None:
        k = 1 if X is None else X.shape[-1]
    if n is None:
        n = k if X is None else X.shape[-1]
    if m < 3 * n:
        raise ValueError(f"LPBPCG algorithm is not applicable when the number of A rows (={m}) "
                         f"is smaller than 3 x the number of requested eigenpairs (={n})")
    largest = True if largest is None else largest
    if B is None:
        w, v = eigh(A)
    else:
        L = linalg_cholesky(B)
        C = solve_triangular(L, solve_triangular(L, A, upper=False).mT, upper=False).mT
        w, y = eigh(C)
        v = solve_triangular(L.mT, y, upper=True)  # x = L^{-T} y: B-orthonormal
    if largest:
        return w[..., -k:].flip(-1), v[..., :, -k:].flip(-1)
    return w[..., :k], v[..., :, :k]


__all__ = ["lobpcg"]
