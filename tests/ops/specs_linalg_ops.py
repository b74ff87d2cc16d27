"""Specs for minigrad.linalg and the torch-level linear-algebra forms (minigrad/ops/
linalg_solve.py, linalg_decomp.py, linalg_extra.py, linalg_torch.py).

Inputs are drawn where each function is smooth: well-conditioned matrices for inverses and
solvers, symmetric positive-definite ones (built inside the function, so that the gradient
covers the whole input) for cholesky, symmetrized ones for eigh, matrices with a real
spectrum for eig. Singular and eigen vectors are compared after fixing their sign by the
first row (a gauge-invariant function of them, as PyTorch's own tests do). Errors and the
singular cases: tests/ops/test_linalg_ops.py."""
import math
import warnings

import numpy as np
import scipy.linalg as sla

import minigrad as mg
from minigrad import linalg as LA

from .specs import OpSpec


def _torch():
    import torch

    return torch


def _tl(name, *args, **kw):
    def f(*ts):
        return getattr(_torch().linalg, name)(*ts, *args, **kw)
    return f


def _wellcond(rng, shape):
    """Uniform entries plus n on the diagonal: far from singular."""
    a = rng.uniform(-1, 1, size=shape)
    if len(shape) >= 2 and shape[-1] == shape[-2]:
        a = a + shape[-1] * np.eye(shape[-1])
    return a


def _real_spectrum(rng, shape):
    """P diag(d) P^{-1} with well separated real d."""
    n = shape[-1]
    p = rng.uniform(-1, 1, size=shape) + 2 * np.eye(n)
    d = np.arange(1, n + 1) * 1.5 + rng.uniform(0, 0.2, size=shape[:-2] + (n,))
    return p @ (d[..., :, None] * np.linalg.inv(p))


def _spd(a):
    lib = mg if isinstance(a, mg.Tensor) else _torch()
    return a @ a.mT + a.shape[-1] * lib.eye(a.shape[-1], dtype=a.dtype)


def _np_spd(a):
    return a @ np.swapaxes(a, -1, -2) + a.shape[-1] * np.eye(a.shape[-1])


def _sign_fix(u, vh=None):
    """Columns of u (and rows of vh) with the sign that makes u's first row positive."""
    s = np.sign(u[..., :1, :])
    return (u * s,) if vh is None else (u * s, vh * np.swapaxes(s, -1, -2)[..., : vh.shape[-2], :])


def _mg_sign(u):
    return mg.tensor(np.sign(u.detach().numpy()[..., :1, :]))


def _t_sign(u):
    return _torch().sign(u.detach()[..., :1, :])


def _svd_fixed(lib):
    def f(a):
        U, S, Vh = (LA if lib == "mg" else _torch().linalg).svd(a, full_matrices=False)
        s = _mg_sign(U) if lib == "mg" else _t_sign(U)
        return U * s, S, Vh * s.mT
    return f


def _np_svd_fixed(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    sg = np.sign(u[..., :1, :])
    return u * sg, s, vh * np.swapaxes(sg, -1, -2)


def _eigh_fixed(lib):
    def f(a):
        L, V = (LA if lib == "mg" else _torch().linalg).eigh(a + a.mT)
        return L, V * (_mg_sign(V) if lib == "mg" else _t_sign(V))
    return f


def _np_eigh_fixed(a):
    w, v = np.linalg.eigh(a + np.swapaxes(a, -1, -2))
    return w, v * np.sign(v[..., :1, :])


def _eig_fixed(a):
    L, V = LA.eig(a)
    return L, V * _mg_sign(V)


def _np_eig_fixed(a):
    w, v = np.linalg.eig(a)
    w, v = w.real, v.real
    return w, v * np.sign(v[..., :1, :])


def _np_solve(a, b):
    vec = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    x = np.linalg.solve(a, b[..., None] if vec else b)
    return x[..., 0] if vec else x


def _np_lu_factor(a):
    return np.stack([sla.lu_factor(m)[0] for m in a.reshape(-1, *a.shape[-2:])]).reshape(a.shape)


def _np_expm(a):
    return np.stack([sla.expm(m) for m in a.reshape(-1, *a.shape[-2:])]).reshape(a.shape)


def _np_matrix_norm(a, ord):
    return np.linalg.norm(a, ord=ord, axis=(-2, -1))


def _quiet(fn):
    def f(*a):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*a)
    return f


def _np_householder(a, tau, full=False):
    """Q = H_1 ... H_k from LAPACK-packed reflectors, one matrix at a time."""
    def one(a, tau):
        m = a.shape[0]
        q = np.eye(m)
        for i in range(tau.shape[0]):
            v = np.concatenate([np.zeros(i), [1.0], a[i + 1:, i]])
            q = q @ (np.eye(m) - tau[i] * np.outer(v, v))
        return q if full else q[:, : a.shape[1]]
    if a.ndim == 2:
        return one(a, tau)
    return np.stack([one(x, t) for x, t in zip(a.reshape(-1, *a.shape[-2:]),
                                               tau.reshape(-1, tau.shape[-1]))]).reshape(
        a.shape[:-2] + one(a.reshape(-1, *a.shape[-2:])[0], tau.reshape(-1, tau.shape[-1])[0]).shape)


SQ = [((3, 3),), ((2, 2, 2),), ((1, 1),)]
WIDE_TALL = [((3, 2),), ((2, 3),), ((2, 3, 2),)]

SPECS = [
    # ---- inverses, solvers, determinants
    OpSpec("linalg.inv", LA.inv, np.linalg.inv, SQ, domain=_wellcond, torch_fn=_tl("inv")),
    OpSpec("inverse", mg.inverse, np.linalg.inv, [((3, 3),)], domain=_wellcond,
           torch_fn=lambda a: _torch().inverse(a)),
    OpSpec("linalg.solve", LA.solve, _np_solve,
           [((3, 3), (3, 2)), ((2, 3, 3), (3,)), ((2, 3, 3), (2, 3)), ((2, 1, 2, 2), (3, 2, 1))],
           domain=[_wellcond, (-2, 2)], torch_fn=_tl("solve")),
    OpSpec("linalg.solve", lambda a, b: LA.solve(a, b, left=False),
           lambda a, b: np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2),
           [((3, 3), (2, 3))], domain=[_wellcond, (-2, 2)], id="linalg.solve_right",
           torch_fn=_tl("solve", left=False)),
    OpSpec("linalg.solve_triangular", lambda a, b: LA.solve_triangular(a, b, upper=True),
           lambda a, b: np.linalg.solve(np.triu(a), b), [((3, 3), (3, 2)), ((2, 2, 2), (2, 1))],
           domain=[_wellcond, (-2, 2)], torch_fn=_tl("solve_triangular", upper=True)),
    OpSpec("linalg.solve_triangular",
           lambda a, b: LA.solve_triangular(a, b, upper=False, left=False, unitriangular=True),
           lambda a, b: b @ np.linalg.inv(np.tril(a, -1) + np.eye(3)), [((3, 3), (2, 3))],
           domain=[_wellcond, (-2, 2)], id="linalg.solve_triangular_lower_right_unit",
           torch_fn=_tl("solve_triangular", upper=False, left=False, unitriangular=True)),
    OpSpec("triangular_solve", lambda b, a: mg.triangular_solve(b, a, upper=False, transpose=True),
           lambda b, a: (np.linalg.solve(np.tril(a).T, b), a), [((3, 2), (3, 3))],
           domain=[(-2, 2), _wellcond],
           torch_fn=_quiet(lambda b, a: tuple(_torch().triangular_solve(b, a, upper=False, transpose=True)))),
    OpSpec("linalg.det", LA.det, np.linalg.det, SQ + [((4, 4),)], torch_fn=_tl("det")),
    OpSpec("det", mg.det, np.linalg.det, [((3, 3),)], torch_fn=lambda a: _torch().det(a)),
    OpSpec("slogdet", lambda a: mg.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1], SQ,
           torch_fn=lambda a: _torch().slogdet(a)[1]),
    OpSpec("linalg.slogdet", LA.slogdet, lambda a: tuple(np.linalg.slogdet(a)), [((3, 3),)],
           torch_fn=lambda a: tuple(_torch().linalg.slogdet(a))),
    OpSpec("logdet", mg.logdet, lambda a: np.log(np.linalg.det(a)), [((3, 3),), ((2, 2, 2),)],
           domain=_wellcond, torch_fn=lambda a: _torch().logdet(a)),
    OpSpec("linalg.pinv", LA.pinv, np.linalg.pinv, WIDE_TALL + [((3, 3),)], torch_fn=_tl("pinv")),
    OpSpec("pinverse", mg.pinverse, np.linalg.pinv, [((2, 3),)],
           torch_fn=lambda a: _torch().pinverse(a)),
    OpSpec("linalg.matrix_exp", LA.matrix_exp, _np_expm, SQ, torch_fn=_tl("matrix_exp")),
    OpSpec("matrix_exp", mg.matrix_exp, _np_expm, [((2, 2),)],
           torch_fn=lambda a: _torch().matrix_exp(a)),
    OpSpec("matrix_power", lambda a: mg.matrix_power(a, 3),
           lambda a: np.linalg.matrix_power(a, 3), [((3, 3),), ((2, 2, 2),)],
           torch_fn=lambda a: _torch().matrix_power(a, 3)),
    OpSpec("matrix_power", lambda a: mg.matrix_power(a, -2),
           lambda a: np.linalg.matrix_power(a, -2), [((3, 3),)], domain=_wellcond,
           id="matrix_power_neg", torch_fn=lambda a: _torch().matrix_power(a, -2)),
    OpSpec("matrix_power", lambda a: LA.matrix_power(a, 0), lambda a: np.linalg.matrix_power(a, 0),
           [((2, 2),)], id="matrix_power_0", torch_fn=lambda a: _torch().linalg.matrix_power(a, 0)),
    OpSpec("linalg.tensorinv", lambda a: LA.tensorinv(a, ind=1),
           lambda a: np.linalg.tensorinv(a, ind=1), [((4, 2, 2),)],
           domain=lambda rng, s: _wellcond(rng, (4, 4)).reshape(s),
           torch_fn=lambda a: _torch().linalg.tensorinv(a, ind=1)),
    OpSpec("linalg.tensorsolve", LA.tensorsolve, np.linalg.tensorsolve, [((2, 3, 6), (2, 3))],
           domain=[lambda rng, s: _wellcond(rng, (6, 6)).reshape(s), (-2, 2)],
           torch_fn=lambda a, b: _torch().linalg.tensorsolve(a, b)),
    # ---- LU
    OpSpec("linalg.lu_factor", lambda a: LA.lu_factor(a).LU, _np_lu_factor, SQ + [((4, 4),)],
           torch_fn=lambda a: _torch().linalg.lu_factor(a).LU),
    OpSpec("lu", lambda a: mg.lu(a)[0], _np_lu_factor, [((3, 3),)],
           torch_fn=_quiet(lambda a: _torch().lu(a)[0])),
    OpSpec("linalg.lu", lambda a: LA.lu(a), lambda a: sla.lu(a), [((3, 3),), ((4, 2),), ((2, 4),)],
           torch_fn=lambda a: tuple(_torch().linalg.lu(a))),
    OpSpec("lu_unpack", lambda a: mg.lu_unpack(*LA.lu_factor(a))[1:],
           lambda a: sla.lu(a)[1:], [((3, 3),)],
           torch_fn=lambda a: _torch().lu_unpack(*_torch().linalg.lu_factor(a))[1:]),
    OpSpec("linalg.lu_solve", lambda a, b: LA.lu_solve(*LA.lu_factor(a), b), np.linalg.solve,
           [((3, 3), (3, 2)), ((2, 2, 2), (2, 2, 1))], domain=[_wellcond, (-2, 2)],
           torch_fn=lambda a, b: _torch().linalg.lu_solve(*_torch().linalg.lu_factor(a), b)),
    OpSpec("linalg.lu_solve", lambda a, b: LA.lu_solve(*LA.lu_factor(a), b, adjoint=True),
           lambda a, b: np.linalg.solve(a.T, b), [((3, 3), (3, 2))], domain=[_wellcond, (-2, 2)],
           id="linalg.lu_solve_adjoint",
           torch_fn=lambda a, b: _torch().linalg.lu_solve(*_torch().linalg.lu_factor(a), b, adjoint=True)),
    OpSpec("linalg.lu_solve", lambda a, b: LA.lu_solve(*LA.lu_factor(a), b, left=False),
           lambda a, b: b @ np.linalg.inv(a), [((3, 3), (2, 3))], domain=[_wellcond, (-2, 2)],
           id="linalg.lu_solve_right",
           torch_fn=lambda a, b: _torch().linalg.lu_solve(*_torch().linalg.lu_factor(a), b, left=False)),
    OpSpec("lu_solve", lambda b, a: mg.lu_solve(b, *mg.lu(a)), lambda b, a: np.linalg.solve(a, b),
           [((3, 2), (3, 3))], domain=[(-2, 2), _wellcond],
           torch_fn=_quiet(lambda b, a: _torch().lu_solve(b, *_torch().linalg.lu_factor(a)))),
    # ---- cholesky
    OpSpec("linalg.cholesky", lambda a: LA.cholesky(_spd(a)), lambda a: np.linalg.cholesky(_np_spd(a)),
           SQ, torch_fn=lambda a: _torch().linalg.cholesky(_spd(a))),
    OpSpec("cholesky", lambda a: mg.cholesky(_spd(a), upper=True),
           lambda a: np.swapaxes(np.linalg.cholesky(_np_spd(a)), -1, -2), [((3, 3),)],
           torch_fn=_quiet(lambda a: _torch().cholesky(_spd(a), upper=True))),
    OpSpec("linalg.cholesky_ex", lambda a: LA.cholesky_ex(_spd(a)).L,
           lambda a: np.linalg.cholesky(_np_spd(a)), [((2, 2),)],
           torch_fn=lambda a: _torch().linalg.cholesky_ex(_spd(a)).L),
    OpSpec("cholesky_solve", lambda b, l: mg.cholesky_solve(b, l.tril()),
           lambda b, l: np.linalg.solve(np.tril(l) @ np.tril(l).T, b), [((3, 2), (3, 3)), ((2, 2, 1), (2, 2))],
           domain=[(-2, 2), _wellcond], torch_fn=lambda b, l: _torch().cholesky_solve(b, l.tril())),
    OpSpec("cholesky_inverse", lambda u: mg.cholesky_inverse(u.triu(), upper=True),
           lambda u: np.linalg.inv(np.triu(u).T @ np.triu(u)), [((3, 3),)], domain=_wellcond,
           torch_fn=lambda u: _torch().cholesky_inverse(u.triu(), upper=True)),
    # ---- qr, svd, eigh, eig
    OpSpec("linalg.qr", LA.qr, np.linalg.qr, [((3, 3),), ((4, 2),), ((2, 4),), ((2, 3, 2),)],
           torch_fn=lambda a: tuple(_torch().linalg.qr(a))),
    OpSpec("linalg.qr", lambda a: LA.qr(a, mode="complete"),
           lambda a: np.linalg.qr(a, mode="complete"), [((2, 3),)], id="linalg.qr_complete",
           torch_fn=lambda a: tuple(_torch().linalg.qr(a, mode="complete"))),
    OpSpec("qr", mg.qr, np.linalg.qr, [((3, 2),)], torch_fn=_quiet(lambda a: tuple(_torch().qr(a)))),
    OpSpec("linalg.svd", _svd_fixed("mg"), _np_svd_fixed, [((3, 3),), ((4, 2),), ((2, 3),), ((2, 3, 2),)],
           torch_fn=_svd_fixed("torch")),
    OpSpec("linalg.svdvals", LA.svdvals, lambda a: np.linalg.svd(a, compute_uv=False),
           [((3, 2),), ((2, 2, 3),)], torch_fn=_tl("svdvals")),
    OpSpec("svd", lambda a: mg.svd(a)[1], lambda a: np.linalg.svd(a, compute_uv=False),
           [((3, 2),)], torch_fn=_quiet(lambda a: _torch().svd(a)[1])),
    OpSpec("linalg.eigh", _eigh_fixed("mg"), _np_eigh_fixed, [((3, 3),), ((2, 2, 2),)],
           torch_fn=_eigh_fixed("torch")),
    OpSpec("linalg.eigvalsh", lambda a: LA.eigvalsh(a + a.mT, UPLO="U"),
           lambda a: np.linalg.eigvalsh(a + a.T, "U"), [((3, 3),)],
           torch_fn=lambda a: _torch().linalg.eigvalsh(a + a.mT, UPLO="U")),
    OpSpec("linalg.eig", _eig_fixed, _np_eig_fixed, [((3, 3),), ((2, 2, 2),)], domain=_real_spectrum),
    OpSpec("linalg.eigvals", LA.eigvals, lambda a: np.linalg.eigvals(a).real, [((3, 3),)],
           domain=_real_spectrum, torch_fn=lambda a: _torch().linalg.eigvals(a).real),
    OpSpec("linalg.lstsq", lambda a, b: LA.lstsq(a, b).solution,
           lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], [((4, 2), (4, 3)), ((4, 3), (4,))],
           torch_fn=lambda a, b: _torch().linalg.lstsq(a, b).solution),
    OpSpec("orgqr", mg.orgqr, _np_householder, [((4, 3), (3,)), ((2, 3, 2), (2, 2)), ((3, 3), (2,))],
           torch_fn=lambda a, t: _torch().orgqr(a, t)),
    OpSpec("linalg.householder_product", LA.householder_product, _np_householder, [((3, 2), (2,))],
           torch_fn=_tl("householder_product")),
    OpSpec("ormqr", lambda a, t, c: mg.ormqr(a, t, c, transpose=True),
           lambda a, t, c: np.swapaxes(_np_householder(a, t, True), -1, -2) @ c,
           [((4, 3), (3,), (4, 2)), ((2, 3, 2), (2, 2), (2, 3, 1))],
           torch_fn=lambda a, t, c: _torch().ormqr(a, t, c, transpose=True)),
    OpSpec("ormqr", lambda a, t, c: mg.ormqr(a, t, c, left=False),
           lambda a, t, c: c @ _np_householder(a, t, True), [((3, 2), (2,), (2, 3))],
           id="ormqr_right", torch_fn=lambda a, t, c: _torch().ormqr(a, t, c, left=False)),
    # ---- norms
    OpSpec("linalg.vector_norm", LA.vector_norm, lambda x: np.linalg.norm(x.ravel()),
           [((3, 4),), ((2, 2, 2),)], torch_fn=_tl("vector_norm")),
    OpSpec("linalg.vector_norm", lambda x: LA.vector_norm(x, 3, dim=(0, -1), keepdim=True),
           lambda x: (np.abs(x) ** 3).sum(axis=(0, 2), keepdims=True) ** (1 / 3), [((2, 3, 4),)],
           id="linalg.vector_norm_p3_dims", torch_fn=_tl("vector_norm", 3, dim=(0, -1), keepdim=True)),
    OpSpec("linalg.vector_norm", lambda x: LA.vector_norm(x, math.inf, dim=1),
           lambda x: np.abs(x).max(1), [((3, 4),)], id="linalg.vector_norm_inf",
           domain=lambda rng, s: (rng.permutation(np.arange(1, 13) * 0.15 + 0.1)
                                  * rng.choice([-1, 1], 12)).reshape(s),
           torch_fn=_tl("vector_norm", math.inf, dim=1)),
    *[OpSpec("linalg.matrix_norm", (lambda o: lambda a: LA.matrix_norm(a, o))(o),
             (lambda o: lambda a: _np_matrix_norm(a, o))(o), [((3, 3),), ((2, 3, 2),)],
             id=f"linalg.matrix_norm_{o}", torch_fn=_tl("matrix_norm", o))
      for o in ("fro", "nuc", 2, -2)],
    *[OpSpec("linalg.matrix_norm", (lambda o: lambda a: LA.matrix_norm(a, o, keepdim=True))(o),
             (lambda o: lambda a: np.linalg.norm(a, ord=o, axis=(-2, -1), keepdims=True))(o),
             [((3, 4),), ((2, 3, 3),)], id=f"linalg.matrix_norm_{o}_keepdim",
             domain=lambda rng, s: rng.permutation(np.arange(1, math.prod(s) + 1)).reshape(s)
             * 0.37 - 0.17 * math.prod(s), torch_fn=_tl("matrix_norm", o, keepdim=True))
      for o in (1, -1, math.inf, -math.inf)],
    OpSpec("linalg.norm", LA.norm, lambda x: np.linalg.norm(x.ravel()), [((2, 3, 2),)],
           torch_fn=_tl("norm")),
    OpSpec("linalg.norm", lambda x: LA.norm(x, "nuc"), lambda x: np.linalg.norm(x, "nuc"), [((3, 2),)],
           id="linalg.norm_nuc", torch_fn=_tl("norm", "nuc")),
    OpSpec("linalg.norm", lambda x: LA.norm(x, 1, dim=-1), lambda x: np.linalg.norm(x, 1, axis=-1),
           [((3, 2),)], domain=lambda rng, s: rng.uniform(0.2, 1.0, s) * rng.choice([-1, 1], s),
           id="linalg.norm_vec1", torch_fn=_tl("norm", 1, dim=-1)),
    OpSpec("linalg.cond", LA.cond, np.linalg.cond, [((3, 3),), ((2, 2, 2),)], torch_fn=_tl("cond")),
    OpSpec("frobenius_norm", lambda x: mg.frobenius_norm(x), lambda x: np.linalg.norm(x, axis=(-2, -1)),
           [((2, 3, 2),)], torch_fn=_quiet(lambda x: _torch().frobenius_norm(x, dim=(-2, -1)))),
    OpSpec("nuclear_norm", mg.nuclear_norm, lambda x: np.linalg.norm(x, "nuc"), [((3, 2),)],
           torch_fn=_quiet(lambda x: _torch().nuclear_norm(x))),
    # ---- products and helpers
    OpSpec("linalg.multi_dot", lambda *m: LA.multi_dot(m), lambda *m: np.linalg.multi_dot(m),
           [((3,), (3, 4), (4, 2), (2,)), ((2, 3), (3, 4), (4, 1))],
           torch_fn=lambda *m: _torch().linalg.multi_dot(m)),
    OpSpec("linalg.vecdot", LA.vecdot, lambda x, y: (x * y).sum(-1), [((2, 3), (3,))],
           torch_fn=_tl("vecdot")),
    OpSpec("linalg.cross", LA.cross, np.cross, [((2, 3), (2, 3)), ((2, 1, 3), (1, 4, 3))],
           torch_fn=_tl("cross")),
    OpSpec("linalg.diagonal", lambda a: LA.diagonal(a, offset=1),
           lambda a: np.diagonal(a, 1, -2, -1), [((2, 3, 4),)],
           torch_fn=_tl("diagonal", offset=1)),
    OpSpec("linalg.vander", lambda x: LA.vander(x, N=3),
           lambda x: np.stack([x ** 0, x, x ** 2], -1), [((2, 3),), ((4,),)],
           torch_fn=lambda x: _torch().stack([x ** 0, x, x ** 2], -1)),
]


def _seeded(fn):
    """``fn`` with minigrad's generator reset first: the random projection is the same on
    every call (gradcheck evaluates fn many times)."""
    def f(*a):
        mg.manual_seed(0)
        return fn(*a)
    return f


def _low_rank(rng, shape):
    """A rank-2 matrix: the randomized factorizations are exact on it."""
    return rng.uniform(-1, 1, shape[:-1] + (2,)) @ rng.uniform(-1, 1, shape[:-2] + (2, shape[-1]))


def _np_sv(a, k):
    return np.linalg.svd(a, compute_uv=False)[..., :k]


SPECS += [
    OpSpec("svd_lowrank", _seeded(lambda a: mg.svd_lowrank(a, q=2)[1]), lambda a: _np_sv(a, 2),
           [((5, 4),), ((3, 6),), ((2, 4, 3),)], domain=_low_rank),
    OpSpec("pca_lowrank", _seeded(lambda a: mg.pca_lowrank(a, q=2, center=False)[1]),
           lambda a: _np_sv(a, 2), [((5, 4),)], domain=_low_rank),
]

SPECS += [
    OpSpec("lobpcg", lambda a: mg.lobpcg(a + a.mT, k=2)[0],
           lambda a: np.linalg.eigvalsh(a + a.T)[::-1][:2], [((6, 6),)]),
    OpSpec("lobpcg", lambda a: mg.lobpcg(a + a.mT, k=1, largest=False)[0],
           lambda a: np.linalg.eigvalsh(a + a.T)[:1], [((4, 4),)], id="lobpcg_smallest"),
    OpSpec("lobpcg", lambda a, b: mg.lobpcg(a + a.mT, k=1, B=_spd(b))[0],
           lambda a, b: np.linalg.eigvals(np.linalg.solve(_np_spd(b), a + a.T)).real.max(keepdims=True),
           [((3, 3), (3, 3))], id="lobpcg_generalized"),
]

SPECS += [
    OpSpec("norm_except_dim", lambda v: mg.norm_except_dim(v, 2, 1),
           lambda v: np.sqrt((v ** 2).sum(axis=(0, 2), keepdims=True)), [((3, 4, 2),), ((1, 3, 2),)],
           torch_fn=lambda v: _torch().norm_except_dim(v, 2, 1)),
    OpSpec("norm_except_dim", lambda v: mg.norm_except_dim(v, 3, -1),
           lambda v: (np.abs(v) ** 3).sum() ** (1 / 3), [((3, 4),)], id="norm_except_dim_all",
           torch_fn=lambda v: _torch().norm_except_dim(v, 3, -1)),
]

NOT_DIFFERENTIABLE = {
    "geqrf": "LAPACK's packed QR has no derivative in PyTorch either (its backward raises); "
             "values against torch in test_linalg_ops.py",
    "eig": "removed from torch (1.9); raises PyTorch's RuntimeError (test_linalg_ops.py)",
    "lstsq": "removed from torch (1.9); raises PyTorch's RuntimeError",
    "matrix_rank": "removed from torch (1.9); raises PyTorch's RuntimeError",
    "solve": "removed from torch (1.9); raises PyTorch's RuntimeError",
    "symeig": "removed from torch (1.9); raises PyTorch's RuntimeError",
}
