"""Specs for sorting ops (minigrad/ops/sorting.py): the differentiable values of sort, msort,
topk, cummax and cummin. Indices, unique, searchsorted and bucketize (not differentiable)
are compared with PyTorch in tests/ops/test_sorting.py."""
import numpy as np

from minigrad import ops

from .specs import OpSpec, distinct


def _torch(name, *args, pick="values", **kw):
    def f(a):
        import torch

        out = getattr(torch, name)(a, *args, **kw)
        return getattr(out, pick) if pick else out

    return f


def _np_topk(a, k, dim, largest):
    order = np.argsort(-a if largest else a, axis=dim, kind="stable")
    order = np.take(order, np.arange(k), axis=dim)
    return np.take_along_axis(a, order, axis=dim)


def _np_cum(fn, dim):
    return lambda a: a.copy() if a.ndim == 0 else fn.accumulate(a, axis=dim)


D = distinct()
M2 = [((3, 4),)]
M3 = [((2, 3, 4),)]
S0 = [((),)]

SPECS = [
    OpSpec("sort", lambda a: ops.sort(a).values, lambda a: np.sort(a, -1) if a.ndim else a.copy(), M2 + M3 + S0,
           domain=D, torch_fn=_torch("sort")),
    OpSpec("sort", lambda a: a.sort(0, descending=True).values,
           lambda a: -np.sort(-a, 0), M2, domain=D, id="sort_desc_dim0",
           torch_fn=_torch("sort", 0, descending=True)),
    OpSpec("msort", lambda a: ops.msort(a), lambda a: np.sort(a, 0), M2, domain=D,
           torch_fn=_torch("msort", pick=None)),
    OpSpec("topk", lambda a: a.topk(2).values, lambda a: _np_topk(a, 2, -1, True), M2 + M3,
           domain=D, torch_fn=_torch("topk", 2)),
    OpSpec("topk", lambda a: ops.topk(a, 2, dim=-2, largest=False).values,
           lambda a: _np_topk(a, 2, -2, False), M3, domain=D, id="topk_smallest_neg_dim",
           torch_fn=_torch("topk", 2, dim=-2, largest=False)),
    OpSpec("topk", lambda a: ops.topk(a, 1).values, lambda a: a.copy(), S0, domain=D,
           id="topk_0d"),
    OpSpec("cummax", lambda a: ops.cummax(a, 1).values, _np_cum(np.maximum, 1), M2 + M3,
           domain=D, torch_fn=_torch("cummax", 1)),
    OpSpec("cummax", lambda a: a.cummax(0).values, _np_cum(np.maximum, 0), S0, domain=D,
           id="cummax_0d"),
    OpSpec("cummin", lambda a: a.cummin(-1).values, _np_cum(np.minimum, -1), M2 + M3,
           domain=D, torch_fn=_torch("cummin", -1)),
]

NOT_DIFFERENTIABLE = {
    "argsort": "integer indices",
    "unique": "distinct values (PyTorch has no gradient for unique either)",
    "unique_consecutive": "distinct runs (PyTorch has no gradient either)",
    "searchsorted": "integer indices",
    "bucketize": "integer indices",
}
