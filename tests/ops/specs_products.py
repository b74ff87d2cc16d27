"""Specs for minigrad/ops/products.py: the add* family, mv, trace, kron, inner, vdot, ger,
tensordot, chain_matmul, dist, cross, cartesian_prod, combinations, vander, cov, corrcoef,
renorm. Errors and warnings: tests/ops/test_products.py."""
import itertools
import warnings

import numpy as np

from minigrad import ops

from .specs import OpSpec


def _t(name, *args, **kw):
    def f(*ts):
        import torch

        return getattr(torch, name)(*ts, *args, **kw)

    return f


def _quiet(fn):
    """``fn`` with the deprecation warning PyTorch and minigrad give silenced."""
    def f(*a):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(*a)
    return f


def _np_kron(a, b):
    return np.kron(a, b)


def _np_renorm(x, p, dim, maxnorm):
    axes = tuple(i for i in range(x.ndim) if i != dim % x.ndim)
    n = (np.abs(x) ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)
    return x * np.where(n > maxnorm, maxnorm / (n + 1e-7), 1.0)


def _rows_small_and_large(rng, shape):
    """Rows alternately well under and well over norm 1.5 (renorm's kink stays far away)."""
    x = rng.uniform(0.5, 1.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    scale = np.where(np.arange(shape[0]) % 2 == 0, 0.2, 3.0).reshape((-1,) + (1,) * (len(shape) - 1))
    return x * scale


def _np_combinations(x, r, repl=False):
    pick = itertools.combinations_with_replacement if repl else itertools.combinations
    return np.array([[x[i] for i in c] for c in pick(range(len(x)), r)]).reshape(-1, r)


def _np_vander(x, n=None, increasing=False):
    return np.vander(x, n, increasing=increasing)


def _t_vander(x, n=None, increasing=False):
    import torch

    n = x.shape[0] if n is None else n
    p = torch.arange(n, dtype=x.dtype)
    return x.unsqueeze(1) ** (p if increasing else p.flip(0))


def _np_cov_w(x, fw, aw):
    return np.cov(x, fweights=fw, aweights=aw)


SPECS = [
    OpSpec("addmm", ops.addmm, lambda i, a, b: i + a @ b,
           [((3, 5), (3, 4), (4, 5)), ((5,), (3, 4), (4, 5)), ((), (2, 2), (2, 1))],
           torch_fn=_t("addmm")),
    OpSpec("addmm", lambda i, a, b: ops.addmm(i, a, b, beta=0.5, alpha=-2.0),
           lambda i, a, b: 0.5 * i + -2.0 * (a @ b), [((3, 1), (3, 4), (4, 2))],
           id="addmm_beta_alpha", torch_fn=_t("addmm", beta=0.5, alpha=-2.0)),
    OpSpec("addmm", lambda i, a, b: ops.addmm(i, a, b, beta=0), lambda i, a, b: a @ b,
           [((3, 2), (3, 4), (4, 2))], id="addmm_beta0", torch_fn=_t("addmm", beta=0)),
    OpSpec("addmv", ops.addmv, lambda i, a, v: i + a @ v, [((3,), (3, 4), (4,)), ((), (2, 3), (3,))],
           torch_fn=_t("addmv")),
    OpSpec("addmv", lambda i, a, v: ops.addmv(i, a, v, beta=2, alpha=0.5),
           lambda i, a, v: 2 * i + 0.5 * (a @ v), [((3,), (3, 4), (4,))], id="addmv_beta_alpha",
           torch_fn=_t("addmv", beta=2, alpha=0.5)),
    OpSpec("addr", ops.addr, lambda i, a, b: i + np.outer(a, b), [((3, 4), (3,), (4,)), ((4,), (3,), (4,))],
           torch_fn=_t("addr")),
    OpSpec("addr", lambda i, a, b: ops.addr(i, a, b, beta=-1, alpha=3),
           lambda i, a, b: -i + 3 * np.outer(a, b), [((3, 4), (3,), (4,))], id="addr_beta_alpha",
           torch_fn=_t("addr", beta=-1, alpha=3)),
    OpSpec("baddbmm", ops.baddbmm, lambda i, a, b: i + a @ b,
           [((2, 3, 5), (2, 3, 4), (2, 4, 5)), ((3, 1), (2, 3, 4), (2, 4, 2))],
           torch_fn=_t("baddbmm")),
    OpSpec("baddbmm", lambda i, a, b: ops.baddbmm(i, a, b, beta=0.5, alpha=2),
           lambda i, a, b: 0.5 * i + 2 * (a @ b), [((2, 3, 2), (2, 3, 4), (2, 4, 2))],
           id="baddbmm_beta_alpha", torch_fn=_t("baddbmm", beta=0.5, alpha=2)),
    OpSpec("addbmm", ops.addbmm, lambda i, a, b: i + (a @ b).sum(0),
           [((3, 5), (2, 3, 4), (2, 4, 5)), ((1,), (3, 2, 2), (3, 2, 3))], torch_fn=_t("addbmm")),
    OpSpec("addbmm", lambda i, a, b: ops.addbmm(i, a, b, beta=2, alpha=-1),
           lambda i, a, b: 2 * i - (a @ b).sum(0), [((3, 2), (2, 3, 4), (2, 4, 2))],
           id="addbmm_beta_alpha", torch_fn=_t("addbmm", beta=2, alpha=-1)),
    OpSpec("addcmul", ops.addcmul, lambda i, a, b: i + a * b,
           [((3, 4), (3, 4), (3, 4)), ((2, 1, 4), (3, 1), (4,)), ((), (), (2,))],
           torch_fn=_t("addcmul"), broadcast=True),
    OpSpec("addcmul", lambda i, a, b: ops.addcmul(i, a, b, value=-0.5),
           lambda i, a, b: i - 0.5 * a * b, [((3, 4), (3, 4), (4,))], id="addcmul_value",
           torch_fn=_t("addcmul", value=-0.5)),
    OpSpec("addcdiv", ops.addcdiv, lambda i, a, b: i + a / b,
           [((3, 4), (3, 4), (3, 4)), ((2, 1, 4), (3, 1), (4,)), ((), (), (2,))],
           domain=[(-2, 2), (-2, 2), (0.5, 2.0)], torch_fn=_t("addcdiv")),
    OpSpec("addcdiv", lambda i, a, b: ops.addcdiv(i, a, b, value=2),
           lambda i, a, b: i + 2 * a / b, [((3, 4), (3, 4), (4,))],
           domain=[(-2, 2), (-2, 2), (-2.0, -0.5)], id="addcdiv_value",
           torch_fn=_t("addcdiv", value=2)),
    OpSpec("mv", ops.mv, np.matmul, [((3, 4), (4,)), ((1, 1), (1,))], torch_fn=_t("mv")),
    OpSpec("trace", ops.trace, np.trace, [((3, 3),), ((2, 4),), ((4, 1),)], torch_fn=_t("trace")),
    OpSpec("kron", ops.kron, _np_kron, [((2, 3), (3, 2)), ((2,), (2, 3)), ((2, 1, 2), (3,)), ((), (2,))],
           torch_fn=_t("kron")),
    OpSpec("inner", ops.inner, np.inner, [((3,), (3,)), ((2, 3), (4, 3)), ((2, 1, 3), (3,)), ((), (2, 2))],
           torch_fn=_t("inner")),
    OpSpec("vdot", ops.vdot, np.vdot, [((4,), (4,))], torch_fn=_t("vdot")),
    OpSpec("ger", ops.ger, np.outer, [((3,), (4,))], torch_fn=_t("ger")),
    OpSpec("tensordot", ops.tensordot, lambda a, b: np.tensordot(a, b, 2),
           [((2, 3, 4), (3, 4, 2)), ((3, 2), (3, 2))], torch_fn=_t("tensordot")),
    OpSpec("tensordot", lambda a, b: ops.tensordot(a, b, dims=([0, -1], [2, 0])),
           lambda a, b: np.tensordot(a, b, ([0, 2], [2, 0])), [((2, 3, 4), (4, 5, 2))],
           id="tensordot_lists", torch_fn=_t("tensordot", dims=([0, -1], [2, 0]))),
    OpSpec("tensordot", lambda a, b: ops.tensordot(a, b, dims=0),
           lambda a, b: np.tensordot(a, b, 0), [((2, 3), (2,))], id="tensordot_outer",
           torch_fn=_t("tensordot", dims=0)),
    OpSpec("chain_matmul", _quiet(ops.chain_matmul), lambda *m: np.linalg.multi_dot(m) if len(m) > 1 else m[0],
           [((2, 3), (3, 4), (4, 1), (1, 5)), ((3, 3),), ((2, 3), (3, 2))],
           torch_fn=_quiet(lambda *m: __import__("torch").chain_matmul(*m))),
    OpSpec("dist", ops.dist, lambda a, b: np.linalg.norm((a - b).ravel()),
           [((3, 4), (3, 4)), ((2, 3), (3,))], torch_fn=_t("dist")),
    OpSpec("dist", lambda a, b: ops.dist(a, b, 3), lambda a, b: (np.abs(a - b) ** 3).sum() ** (1 / 3),
           [((3, 4), (4,))], id="dist_p3", torch_fn=_t("dist", 3)),
    OpSpec("cross", lambda a, b: ops.cross(a, b, dim=1), lambda a, b: np.cross(a, b, axis=1),
           [((2, 3), (2, 3)), ((2, 3, 4), (1, 3, 4))], torch_fn=_t("cross", dim=1)),
    OpSpec("cross", _quiet(ops.cross), lambda a, b: np.cross(a, b, axis=0),
           [((3, 2), (3, 2))], id="cross_first_dim3", torch_fn=_quiet(_t("cross"))),
    OpSpec("cartesian_prod", ops.cartesian_prod,
           lambda *xs: np.array(list(itertools.product(*xs))).reshape(-1, len(xs)) if len(xs) > 1 else xs[0],
           [((2,), (3,)), ((2,), (1,), (2,)), ((3,),)], torch_fn=_t("cartesian_prod")),
    OpSpec("combinations", ops.combinations, lambda x: _np_combinations(x, 2), [((4,),), ((1,),)],
           torch_fn=_t("combinations")),
    OpSpec("combinations", lambda x: ops.combinations(x, 3, with_replacement=True),
           lambda x: _np_combinations(x, 3, True), [((3,),)], id="combinations_repl",
           torch_fn=_t("combinations", 3, with_replacement=True)),
    # torch.vander's own backward fails (an in-place error inside PyTorch 2.13), so the torch
    # reference is the same matrix as powers; tests/ops/test_products.py compares the values
    OpSpec("vander", ops.vander, _np_vander, [((4,),), ((2,),)], torch_fn=lambda x: _t_vander(x)),
    OpSpec("vander", lambda x: ops.vander(x, N=3, increasing=True),
           lambda x: _np_vander(x, 3, True), [((4,),)], id="vander_n_increasing",
           torch_fn=lambda x: _t_vander(x, 3, True)),
    OpSpec("cov", ops.cov, np.cov, [((3, 5),), ((6,),), ((1, 4),)], torch_fn=_t("cov")),
    OpSpec("cov", lambda x: ops.cov(x, correction=0), lambda x: np.cov(x, ddof=0), [((2, 4),)],
           id="cov_correction0", torch_fn=_t("cov", correction=0)),
    OpSpec("cov", lambda x, fw, aw: ops.cov(x, fweights=fw, aweights=aw), _np_cov_w,
           [((2, 5), (5,), (5,))], int_inputs={1: (1, 4)}, domain=[(-2, 2), None, (0.2, 2.0)],
           id="cov_weights",
           torch_fn=lambda x, fw, aw: __import__("torch").cov(x, fweights=fw, aweights=aw)),
    OpSpec("corrcoef", ops.corrcoef, np.corrcoef, [((3, 5),), ((2, 3),)], torch_fn=_t("corrcoef")),
    OpSpec("renorm", lambda x: ops.renorm(x, 2, 0, 1.5), lambda x: _np_renorm(x, 2, 0, 1.5),
           [((4, 3),), ((2, 2, 3),)], domain=_rows_small_and_large,
           torch_fn=_t("renorm", 2, 0, 1.5)),
    OpSpec("renorm", lambda x: ops.renorm(x, 1, -1, 1.5), lambda x: _np_renorm(x, 1, -1, 1.5),
           [((3, 4),)], domain=lambda rng, s: _rows_small_and_large(rng, s[::-1]).T,
           id="renorm_p1_lastdim", torch_fn=_t("renorm", 1, -1, 1.5)),
]

NOT_DIFFERENTIABLE = {
    "addmv_": "torch.addmv_ is Tensor.addmv_ (the in-place form of addmv, whose spec covers the "
              "values and gradients); tested in test_products.py",
}
