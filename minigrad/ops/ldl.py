"""LDL^T factorization of symmetric matrices with Bunch-Kaufman pivoting (LAPACK's sytf2
with the lower triangle, which ``torch.linalg.ldl_factor`` returns: D in 1x1 and 2x2 blocks
on the diagonal, L's multipliers below it, 1-based pivots that are negative for a 2x2
block) and the matching solver. Neither has a derivative, as in PyTorch.

The factorization runs column by column (one rank-1 or rank-2 update of the trailing
matrix per step), one matrix of the batch at a time.
"""
from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from ._lapack import LinAlgError, batch_message, check_float, check_matrix, first_nonzero, result
from .linalg_decomp import _NoGrad

_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0  # Bunch-Kaufman's growth bound


def _swap_sym(a, kk, kp):
    """Symmetric interchange of rows/columns kk < kp in the trailing lower triangle."""
    n = a.shape[0]
    if kp + 1 < n:
        a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
    col = a[kk + 1:kp, kk].copy()
    a[kk + 1:kp, kk] = a[kp, kk + 1:kp]
    a[kp, kk + 1:kp] = col
    a[[kk, kp], [kk, kp]] = a[[kp, kk], [kp, kk]]


def _sytf2(xp, a):
    """(LD, ipiv, info) of one symmetric matrix (lower triangle read), as LAPACK's dsytf2."""
    n = a.shape[0]
    a = xp.tril(a).copy()
    ipiv = [0] * n
    info = 0
    k = 0
    while k < n:
        kstep = 1
        absakk = abs(float(a[k, k]))
        if k + 1 < n:
            imax = k + 1 + int(xp.argmax(xp.abs(a[k + 1:, k])))
            colmax = abs(float(a[imax, k]))
        else:
            imax, colmax = k, 0.0
        if max(absakk, colmax) == 0.0 or math.isnan(absakk):
            info = info or k + 1
            kp = k
        else:
            if absakk >= _ALPHA * colmax:
                kp = k
            else:
                rowmax = float(xp.abs(a[imax, k:imax]).max())
                if imax + 1 < n:
                    rowmax = max(rowmax, float(xp.abs(a[imax + 1:, imax]).max()))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif abs(float(a[imax, imax])) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:
                _swap_sym(a, kk, kp)
                if kstep == 2:
                    a[[k + 1, kp], k] = a[[kp, k + 1], k]
            if kstep == 1:
                if k + 1 < n:
                    x = a[k + 1:, k].copy()
                    a[k + 1:, k + 1:] -= xp.tril(xp.outer(x, x)) / a[k, k]
                    a[k + 1:, k] = x / a[k, k]
            elif k + 2 < n:
                d21 = a[k + 1, k]
                d11 = a[k + 1, k + 1] / d21
                d22 = a[k, k] / d21
                t = 1.0 / (d11 * d22 - 1.0)
                d21 = t / d21
                wk = d21 * (d11 * a[k + 2:, k] - a[k + 2:, k + 1])
                wkp1 = d21 * (d22 * a[k + 2:, k + 1] - a[k + 2:, k])
                a[k + 2:, k + 2:] -= xp.tril(xp.outer(a[k + 2:, k], wk)
                                             + xp.outer(a[k + 2:, k + 1], wkp1))
                a[k + 2:, k] = wk
                a[k + 2:, k + 1] = wkp1
        if kstep == 1:
            ipiv[k] = kp + 1
        else:
            ipiv[k] = ipiv[k + 1] = -(kp + 1)
        k += kstep
    return a, ipiv, info


def ldl_factor_ex(A, *, hermitian=False, check_errors=False):
    """``(LD, pivots, info)``: the Bunch-Kaufman LDL^T factorization of symmetric A (lower
    triangle read); info = k > 0 when D[k, k] is exactly zero (D singular)."""
    check_matrix(A, "torch.linalg.ldl_factor_ex")
    xp = A.xp
    flat = A.array.reshape((-1,) + A.shape[-2:])
    lds, pivs, infos = [], [], []
    for m in flat:
        ld, piv, info = _sytf2(xp, m)
        lds.append(ld)
        pivs.append(piv)
        infos.append(info)
    n = A.shape[-1]
    ld = xp.stack(lds).reshape(A.shape) if lds else xp.zeros(A.shape, A.array.dtype)
    piv = xp.asarray(pivs, dtype=np.int32).reshape(A.shape[:-2] + (n,))
    info = xp.asarray(infos, dtype=np.int32).reshape(A.shape[:-2])
    if check_errors and any(infos):
        i = first_nonzero(info)
        raise LinAlgError(batch_message(
            A.shape[:-2], i, "torch.linalg.ldl_factor_ex", f"The factorization could not be "
            f"completed because the input is singular: D[{infos[i]}, {infos[i]}] is zero."))
    LD = _NoGrad.apply(A, value=ld, what="'linalg_ldl_factor_ex'")
    return result("linalg_ldl_factor_ex", ("LD", "pivots", "info"), LD, Tensor._wrap(piv),
                  Tensor._wrap(info))


def ldl_factor(A, *, hermitian=False):
    """``(LD, pivots)`` of :func:`ldl_factor_ex` (no error is raised for a singular D)."""
    LD, piv, _ = ldl_factor_ex(A, hermitian=hermitian)
    return result("linalg_ldl_factor", ("LD", "pivots"), LD, piv)


def _sytrs(xp, ld, ipiv, b):
    """X with A X = b from one matrix's (LD, ipiv), as LAPACK's dsytrs (lower)."""
    n = ld.shape[0]
    b = b.copy()
    k = 0
    while k < n:  # L D Y = P^T b
        if ipiv[k] > 0:
            kp = ipiv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            if k + 1 < n:
                b[k + 1:] -= xp.outer(ld[k + 1:, k], b[k])
            b[k] /= ld[k, k]
            k += 1
        else:
            kp = -ipiv[k] - 1
            b[[k + 1, kp]] = b[[kp, k + 1]]
            if k + 2 < n:
                b[k + 2:] -= xp.outer(ld[k + 2:, k], b[k]) + xp.outer(ld[k + 2:, k + 1], b[k + 1])
            akm1k = ld[k + 1, k]
            akm1 = ld[k, k] / akm1k
            ak = ld[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1.0
            bkm1, bk = b[k] / akm1k, b[k + 1] / akm1k
            b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # L^T X = Y, then the interchanges back
        if ipiv[k] > 0:
            if k + 1 < n:
                b[k] -= ld[k + 1:, k] @ b[k + 1:]
            kp = ipiv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            k -= 1
        else:
            if k + 1 < n:
                b[k] -= ld[k + 1:, k] @ b[k + 1:]
                b[k - 1] -= ld[k + 1:, k - 1] @ b[k + 1:]
            kp = -ipiv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            k -= 2
    return b


def ldl_solve(LD, pivots, B, *, hermitian=False):
    """X with ``A X = B`` from ``(LD, pivots) = ldl_factor(A)`` (batch dims broadcast)."""
    check_matrix(LD, "torch.linalg.ldl_solve", "LD")
    check_float(B, "torch.linalg.ldl_solve", "B")
    if B.ndim < 2 or B.shape[-2] != LD.shape[-1]:
        raise RuntimeError(f"torch.linalg.ldl_solve: Incompatible shapes of A and B for the "
                           f"equation AX = B ({LD.shape[-2]}x{LD.shape[-1]} and "
                           f"{'x'.join(map(str, B.shape[-2:]))})")
    xp = LD.xp
    batch = np.broadcast_shapes(tuple(LD.shape[:-2]), tuple(B.shape[:-2]),
                                tuple(pivots.shape[:-1]))
    ld = xp.broadcast_to(LD.array, batch + LD.shape[-2:]).reshape((-1,) + LD.shape[-2:])
    piv = xp.broadcast_to(pivots.array, batch + pivots.shape[-1:]).reshape(-1, pivots.shape[-1])
    b = xp.broadcast_to(B.array, batch + B.shape[-2:]).reshape((-1,) + B.shape[-2:])
    dt = np.result_type(ld.dtype, b.dtype)
    piv_host = [[int(v) for v in row] for row in piv.tolist()]
    out = [_sytrs(xp, ld[i].astype(dt), piv_host[i], b[i].astype(dt)) for i in range(b.shape[0])]
    x = xp.stack(out).reshape(batch + B.shape[-2:]) if out else xp.zeros(batch + B.shape[-2:], dt)
    return _NoGrad.apply(LD, B, value=x, what="'linalg_ldl_solve'")
