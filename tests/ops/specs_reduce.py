"""Specs for reductions, scans and softmax (minigrad/ops/reduce.py).

Ties, numerics (+/-1e4, float16 accumulation) and the non-differentiable reductions
(argmax/argmin/all/any) are tested in tests/ops/test_reduce_ties.py and
tests/ops/test_reduce_extra.py.
"""
import numpy as np

from minigrad import ops

from .specs import OpSpec, away_from, distinct

A = [((3, 4),), ((2, 3, 4),)]
S0 = [((),)]
INF = float("inf")


def _with_zeros(rng, shape):
    """Uniform values with one zero per last-dim slice, and two in the first slice."""
    a = rng.uniform(-2, 2, size=shape)
    a[..., 1] = 0.0
    if a.ndim >= 2:
        a[(0,) * (a.ndim - 1) + (3,)] = 0.0
    return a


def _distinct_abs(rng, shape):
    """Distinct magnitudes (no |x| ties) with random signs, away from 0."""
    return distinct(0.2, 2.0)(rng, shape) * rng.choice([-1.0, 1.0], size=shape)


def _np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_lse(a, axis, keepdims=False):
    m = a.max(axis=axis, keepdims=True)
    r = np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis)


def _np_pnorm(a, p, axis=None, keepdims=False):
    return (np.abs(a) ** p).sum(axis=axis, keepdims=keepdims) ** (1 / p)


SPECS = [
    # mean
    OpSpec("mean", lambda a: a.mean(), np.mean, A + S0, id="mean_all",
           torch_fn=lambda a: a.mean()),
    OpSpec("mean", lambda a: a.mean(-1), lambda a: a.mean(-1), A, id="mean_neg",
           torch_fn=lambda a: a.mean(-1)),
    OpSpec("mean", lambda a: ops.mean(a, (0, -1), keepdim=True),
           lambda a: a.mean((0, -1), keepdims=True), A, id="mean_tuple_keepdim",
           torch_fn=lambda a: a.mean((0, -1), keepdim=True)),
    OpSpec("mean", lambda a: a.mean(0), lambda a: a, S0, id="mean_0d_dim"),
    # prod
    OpSpec("prod", lambda a: a.prod(), np.prod, A + S0, id="prod_all",
           torch_fn=lambda a: a.prod()),
    OpSpec("prod", lambda a: a.prod(1), lambda a: a.prod(1), A, id="prod_dim",
           torch_fn=lambda a: a.prod(1)),
    OpSpec("prod", lambda a: a.prod(-1, keepdim=True), lambda a: a.prod(-1, keepdims=True), A,
           id="prod_neg_keepdim", torch_fn=lambda a: a.prod(-1, keepdim=True)),
    OpSpec("prod", lambda a: ops.prod(a, (0, 2)), lambda a: a.prod((0, 2)), [((2, 3, 4),)],
           id="prod_tuple"),
    OpSpec("prod", lambda a: a.prod(-1), lambda a: a.prod(-1), A, domain=_with_zeros,
           id="prod_zeros", torch_fn=lambda a: a.prod(-1)),
    OpSpec("prod", lambda a: a.prod(), np.prod, [((2, 4),)], domain=_with_zeros,
           id="prod_all_zeros"),
    # max / min / amax / amin (distinct values: no ties; ties are in test_reduce_ties.py)
    OpSpec("max", lambda a: a.max(), np.max, A + S0, domain=distinct(), id="max_all",
           torch_fn=lambda a: a.max()),
    OpSpec("max", lambda a: a.max(1), lambda a: (a.max(1), a.argmax(1)), A, domain=distinct(),
           id="max_dim"),
    OpSpec("max", lambda a: a.max(-1, keepdim=True).values, lambda a: a.max(-1, keepdims=True),
           A, domain=distinct(), id="max_dim_keepdim",
           torch_fn=lambda a: a.max(-1, keepdim=True).values),
    OpSpec("max", lambda a: a.max(0), lambda a: (a, np.int64(0)), S0, id="max_0d"),
    OpSpec("min", lambda a: a.min(), np.min, A + S0, domain=distinct(), id="min_all",
           torch_fn=lambda a: a.min()),
    OpSpec("min", lambda a: a.min(-2), lambda a: (a.min(-2), a.argmin(-2)), A, domain=distinct(),
           id="min_dim"),
    OpSpec("min", lambda a: a.min(0, keepdim=True).values, lambda a: a.min(0, keepdims=True), A,
           domain=distinct(), id="min_dim_keepdim",
           torch_fn=lambda a: a.min(0, keepdim=True).values),
    OpSpec("amax", lambda a: a.amax(), np.max, A + S0, domain=distinct(), id="amax_all"),
    OpSpec("amax", lambda a: a.amax((0, -1)), lambda a: a.max((0, -1)), A, domain=distinct(),
           id="amax_tuple", torch_fn=lambda a: a.amax((0, -1))),
    OpSpec("amax", lambda a: a.amax(-1, keepdim=True), lambda a: a.max(-1, keepdims=True), A,
           domain=distinct(), id="amax_keepdim", torch_fn=lambda a: a.amax(-1, keepdim=True)),
    OpSpec("amin", lambda a: a.amin(1), lambda a: a.min(1), A, domain=distinct(), id="amin_dim",
           torch_fn=lambda a: a.amin(1)),
    OpSpec("amin", lambda a: ops.amin(a, None, keepdim=True), lambda a: a.min(keepdims=True),
           A + S0, domain=distinct(), id="amin_all_keepdim"),
    # var / std
    OpSpec("var", lambda a: a.var(), lambda a: a.var(ddof=1), A, id="var_all",
           torch_fn=lambda a: a.var()),
    OpSpec("var", lambda a: a.var(-1, keepdim=True), lambda a: a.var(-1, ddof=1, keepdims=True),
           A, id="var_keepdim", torch_fn=lambda a: a.var(-1, keepdim=True)),
    OpSpec("var", lambda a: a.var((0, 2), correction=0), lambda a: a.var((0, 2)),
           [((2, 3, 4),)], id="var_tuple_corr0", torch_fn=lambda a: a.var((0, 2), correction=0)),
    OpSpec("var", lambda a: a.var(1, unbiased=False), lambda a: a.var(1), A, id="var_unbiased"),
    OpSpec("var", lambda a: a.var(correction=2), lambda a: a.var(ddof=2), A, id="var_corr2"),
    OpSpec("var", lambda a: a.var(0, correction=0), lambda a: a * 0.0, S0, id="var_0d"),
    OpSpec("std", lambda a: a.std(), lambda a: a.std(ddof=1), A, id="std_all",
           torch_fn=lambda a: a.std()),
    OpSpec("std", lambda a: a.std(-2, correction=0, keepdim=True),
           lambda a: a.std(-2, keepdims=True), A, id="std_keepdim",
           torch_fn=lambda a: a.std(-2, correction=0, keepdim=True)),
    # logsumexp
    OpSpec("logsumexp", lambda a: a.logsumexp(-1), lambda a: _np_lse(a, -1), A + S0[:0],
           id="logsumexp_neg", torch_fn=lambda a: a.logsumexp(-1)),
    OpSpec("logsumexp", lambda a: a.logsumexp((0, 1), keepdim=True),
           lambda a: _np_lse(a, (0, 1), True), A, id="logsumexp_tuple",
           torch_fn=lambda a: a.logsumexp((0, 1), keepdim=True)),
    OpSpec("logsumexp", lambda a: ops.logsumexp(a), lambda a: _np_lse(a, None), A + S0,
           id="logsumexp_all"),
    # norm
    OpSpec("norm", lambda a: a.norm(), lambda a: np.sqrt((a * a).sum()), A + S0,
           domain=away_from([0]), id="norm_fro", torch_fn=lambda a: a.norm()),
    OpSpec("norm", lambda a: a.norm(2, dim=-1, keepdim=True),
           lambda a: np.sqrt((a * a).sum(-1, keepdims=True)), A, id="norm_2_dim",
           torch_fn=lambda a: a.norm(2, dim=-1, keepdim=True)),
    OpSpec("norm", lambda a: a.norm(1, dim=(0, 1)), lambda a: np.abs(a).sum((0, 1)), A,
           domain=away_from([0]), id="norm_1", torch_fn=lambda a: a.norm(1, dim=(0, 1))),
    OpSpec("norm", lambda a: a.norm(3, dim=1), lambda a: _np_pnorm(a, 3, 1), A,
           domain=away_from([0]), id="norm_3", torch_fn=lambda a: a.norm(3, dim=1)),
    OpSpec("norm", lambda a: a.norm(0.5), lambda a: _np_pnorm(a, 0.5), A,
           domain=away_from([0], gap=0.2), id="norm_half", torch_fn=lambda a: a.norm(0.5)),
    OpSpec("norm", lambda a: a.norm(INF, dim=-1), lambda a: np.abs(a).max(-1), A,
           domain=_distinct_abs, id="norm_inf", torch_fn=lambda a: a.norm(INF, dim=-1)),
    OpSpec("norm", lambda a: a.norm(-INF), lambda a: np.abs(a).min(), A, domain=_distinct_abs,
           id="norm_neg_inf", torch_fn=lambda a: a.norm(-INF)),
    # scans
    OpSpec("cumsum", lambda a: a.cumsum(1), lambda a: a.cumsum(1), A, id="cumsum",
           torch_fn=lambda a: a.cumsum(1)),
    OpSpec("cumsum", lambda a: a.cumsum(-1), lambda a: a.cumsum(-1), A + S0, id="cumsum_neg"),
    OpSpec("cumprod", lambda a: a.cumprod(-1), lambda a: a.cumprod(-1), A + S0, id="cumprod",
           torch_fn=lambda a: a.cumprod(-1)),
    OpSpec("cumprod", lambda a: a.cumprod(0), lambda a: a.cumprod(0), A, id="cumprod_dim0",
           torch_fn=lambda a: a.cumprod(0)),
    OpSpec("cumprod", lambda a: a.cumprod(-1), lambda a: a.cumprod(-1), A, domain=_with_zeros,
           id="cumprod_zeros", torch_fn=lambda a: a.cumprod(-1)),
    # softmax / log_softmax
    OpSpec("softmax", lambda a: ops.softmax(a, -1), lambda a: _np_softmax(a, -1), A + S0,
           id="softmax", torch_fn=lambda a: a.softmax(-1)),
    OpSpec("softmax", lambda a: a.softmax(0), lambda a: _np_softmax(a, 0), A, id="softmax_dim0",
           torch_fn=lambda a: a.softmax(0)),
    OpSpec("log_softmax", lambda a: ops.log_softmax(a, -1), lambda a: np.log(_np_softmax(a, -1)),
           A + S0, id="log_softmax", torch_fn=lambda a: a.log_softmax(-1)),
    OpSpec("log_softmax", lambda a: a.log_softmax(1), lambda a: np.log(_np_softmax(a, 1)), A,
           id="log_softmax_dim1", torch_fn=lambda a: a.log_softmax(1)),
]

NOT_DIFFERENTIABLE = {
    "argmax": "integer result; forward tested in tests/ops/test_reduce_extra.py",
    "argmin": "integer result; forward tested in tests/ops/test_reduce_extra.py",
    "all": "bool result; tested in tests/ops/test_reduce_extra.py",
    "any": "bool result; tested in tests/ops/test_reduce_extra.py",
}
