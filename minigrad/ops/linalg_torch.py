"""The top-level ``torch.X`` (and ``Tensor.X``) forms of the linear-algebra ops, under
PyTorch's older names and argument orders (``inverse``, ``torch.svd`` returning V,
``torch.lu_solve(b, LU, pivots)``, ...), and the removed ones that raise as PyTorch does.
The ``torch.linalg`` forms are :mod:`minigrad.linalg`."""
from __future__ import annotations

from .linalg_decomp import cholesky, torch_qr as qr, torch_svd as svd
from .linalg_extra import (
    eig, lstsq_removed as lstsq, matrix_norm, matrix_rank_removed as matrix_rank,
    solve_removed as solve, symeig, torch_lu as lu,
)
from . import linalg_solve as _ls
from .linalg_solve import (
    cholesky_inverse, cholesky_solve, inv, logdet, lu_solve, lu_unpack, matrix_exp,
    matrix_power, pinverse, triangular_solve,
)


def det(input):
    """``torch.det``: :func:`minigrad.linalg.det`."""
    return _ls.det(input)


def slogdet(input):
    """``torch.slogdet``: :func:`minigrad.linalg.slogdet`, ``(sign, logabsdet)``."""
    return _ls.slogdet(input)


def inverse(input):
    """``torch.inverse``: :func:`minigrad.linalg.inv`."""
    return inv(input)


def frobenius_norm(input, dim=(-2, -1), keepdim=False):
    """``torch.frobenius_norm`` (deprecated there): the 2-norm over ``dim``."""
    from .reduce import norm

    return norm(input, 2, dim=dim, keepdim=keepdim)


def nuclear_norm(input, dim=(-2, -1), keepdim=False):
    """``torch.nuclear_norm`` (deprecated there): the sum of the singular values."""
    return matrix_norm(input, "nuc", dim, keepdim)


__all__ = ["cholesky", "cholesky_inverse", "cholesky_solve", "det", "eig", "frobenius_norm",
           "inverse", "logdet", "lstsq", "lu", "lu_solve", "lu_unpack", "matrix_exp",
           "matrix_power", "matrix_rank", "nuclear_norm", "pinverse", "qr",
           "slogdet", "solve", "svd", "symeig", "triangular_solve"]
# Tensor methods that only forward (generated in tensor.py; hand-written ones take precedence)
METHODS = ["cholesky", "cholesky_inverse", "cholesky_solve", "det", "inverse", "logdet", "lu",
           "lu_solve", "matrix_exp", "matrix_power", "pinverse", "qr", "slogdet", "svd",
           "triangular_solve"]
