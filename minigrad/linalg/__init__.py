"""``torch.linalg``: linear algebra on (batches of) real matrices, differentiable.

Decompositions (cholesky, qr, svd, eigh, eig, lu), solvers (solve, solve_triangular,
lu_solve, lstsq), inverses (inv, pinv, tensorinv), determinants, norms and products, with
PyTorch's names, arguments, result tuples and errors (:class:`LinAlgError`, a RuntimeError,
for singular or non positive-definite input). NumPy's LAPACK runs them on the CPU and
CuPy's on the GPU. minigrad has no complex dtype: :func:`eig`/:func:`eigvals` return real
tensors for matrices with a real spectrum and raise TypeError otherwise.
"""
from ..ops._lapack import LinAlgError
from ..ops.householder import householder_product
from ..ops.ldl import ldl_factor, ldl_factor_ex, ldl_solve
from ..ops.linalg import matmul
from ..ops.linalg_decomp import (
    cholesky_ex, eig, eigh, eigvals, eigvalsh, inv_ex, linalg_cholesky as cholesky, qr, svd,
    svdvals,
)
from ..ops.linalg_extra import (
    cond, diagonal, lstsq, lu, lu_factor, matrix_norm, matrix_rank, multi_dot, norm, solve_ex,
    vecdot, vector_norm,
)
from ..ops.linalg_solve import (
    det, inv, linalg_lu_solve as lu_solve, lu_factor_ex, matrix_exp, matrix_power, pinv,
    slogdet, solve, solve_triangular, tensorinv, tensorsolve,
)
from ..ops.products import linalg_cross as cross, vander as _vander


def vander(x, *, N=None):
    """``torch.linalg.vander``: columns ``x**0, x**1, ..., x**(N-1)`` (increasing powers)
    for each element of ``x`` (batched over leading dims)."""
    if x.ndim == 0:
        raise RuntimeError("linalg.vander: x must have at least 1 dimension")
    n = x.shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    flat = x.reshape(-1)
    return _vander(flat, n, increasing=True).reshape(tuple(x.shape) + (n,))


__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig",
    "eigh", "eigvals", "eigvalsh", "householder_product", "inv", "inv_ex", "ldl_factor",
    "ldl_factor_ex", "ldl_solve", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve",
    "matmul", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm",
    "pinv", "qr", "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals",
    "tensorinv", "tensorsolve", "vander", "vecdot", "vector_norm",
]
