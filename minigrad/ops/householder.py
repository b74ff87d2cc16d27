"""Householder representation of QR: geqrf (LAPACK's packed reflectors, no gradient, as in
PyTorch), householder_product/orgqr (the Q they define) and ormqr (that Q applied to a
matrix). The products are composites (one rank-1 update per reflector), so they are
differentiable in both the reflectors and tau.

Reflector i is H_i = I - tau_i v_i v_i^T with v_i = (0, ..., 0, 1, A[i+1:, i]); Q = H_1 ... H_k.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._lapack import check_matrix, result
from ._util import const, promote
from .linalg import matmul
from .linalg_decomp import _NoGrad


def geqrf(input):
    """``(a, tau)``: the QR factorization as LAPACK's geqrf packs it (R on and above the
    diagonal of a, the reflectors below it). Not differentiable (as in PyTorch)."""
    check_matrix(input, "geqrf", "input", square=False)
    xp = input.xp
    h, tau = xp.linalg.qr(input.array, mode="raw")
    a = _NoGrad.apply(input, value=xp.ascontiguousarray(xp.swapaxes(h, -1, -2)), what="'geqrf'")
    return result("geqrf", ("a", "tau"), a, Tensor._wrap(xp.asarray(tau)))


def _reflectors(A, k):
    """v_i (..., m) for i < k, as differentiable functions of A's columns."""
    m = A.shape[-2]
    xp = A.xp
    out = []
    for i in range(k):
        below = const(xp.arange(m) > i, A, A.array.dtype)
        unit = const(xp.arange(m) == i, A, A.array.dtype)
        out.append(A[..., :, i] * below + unit)
    return out


def _apply_q(A, tau, X, transpose):
    """Q X (Q^T X with ``transpose``) for the Q of reflectors (A, tau), by rank-1 updates."""
    k = tau.shape[-1]
    vs = _reflectors(A, k)
    order = range(k) if transpose else range(k - 1, -1, -1)  # Q^T = H_k ... H_1
    for i in order:
        v = vs[i]
        X = X - (tau[..., i:i + 1] * v).unsqueeze(-1) * matmul(v.unsqueeze(-2), X)
    return X


def householder_product(A, tau):
    """The first n columns of Q = H_1 ... H_k, for A (..., m, n) and tau (..., k), k <= n <= m."""
    check_matrix(A, "torch.linalg.householder_product", "input", square=False)
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-2] must be greater "
                           "than or equal to input.shape[-1]")
    if tau.shape[-1] > n:
        raise RuntimeError("torch.linalg.householder_product: input.shape[-1] must be greater "
                           "than or equal to tau.shape[-1]")
    A, tau = promote(A, tau)
    eye = const(A.xp.broadcast_to(A.xp.eye(m, n, dtype=A.array.dtype), A.shape), A)
    return _apply_q(A, tau, eye, transpose=False)


def orgqr(input, tau):
    """``torch.orgqr``: :func:`minigrad.linalg.householder_product`."""
    return householder_product(input, tau)


def ormqr(input, tau, other, left=True, transpose=False):
    """``op(Q) @ other`` (``other @ op(Q)`` when not ``left``), op = transpose or identity,
    with Q the (m, m) product of the reflectors in (input, tau)."""
    check_matrix(input, "ormqr", "input", square=False)
    input, tau = promote(input, tau)
    input, other = promote(input, other)
    if left:
        return _apply_q(input, tau, other, transpose)
    # X Q = (Q^T X^T)^T
    return _apply_q(input, tau, other.mT, not transpose).mT


_ = np
__all__ = ["geqrf", "orgqr", "ormqr"]
METHODS = ["geqrf", "orgqr", "ormqr"]
