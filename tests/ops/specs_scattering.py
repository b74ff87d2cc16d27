"""Specs for minigrad/ops/scattering.py: scatter_reduce (every reduction, with and without
include_self), index_add, index_copy, index_fill, masked_scatter. In-place forms and errors
are in tests/ops/test_scattering.py."""
import numpy as np

from minigrad import ops

from .specs import OpSpec, distinct
from .specs_indexing import TT, T

I64 = np.int64
# repeated positions along dim 0 (column 0 gets rows 2, 2 and 0 from three src rows)
IDX = np.array([[2, 0, 1, 2], [0, 0, 2, 2], [2, 1, 1, 0]], dtype=I64)
ROWS = np.array([2, 0, 2], dtype=I64)
MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])

_NP = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum,
       "amin": np.minimum}


def np_scatter_reduce(a, dim, idx, src, reduce, include_self=True):
    out, cnt = a.copy(), np.ones(a.shape)
    touched = np.zeros(a.shape, bool)
    for pos in np.ndindex(*idx.shape):
        dst = list(pos)
        dst[dim] = idx[pos]
        dst = tuple(dst)
        if not include_self and not touched[dst]:
            out[dst], cnt[dst] = src[pos], 1
        else:
            out[dst], cnt[dst] = _NP[reduce](out[dst], src[pos]), cnt[dst] + 1
        touched[dst] = True
    return out / cnt if reduce == "mean" else out


def _sr(reduce, include_self, dim=0):
    fn = lambda a, s: ops.scatter_reduce(a, dim, T(IDX, a), s, reduce,  # noqa: E731
                                         include_self=include_self)
    ref = lambda a, s: np_scatter_reduce(a, dim % 2, IDX, s, reduce, include_self)  # noqa: E731
    tfn = lambda a, s: a.scatter_reduce(dim, TT(IDX), s, reduce,  # noqa: E731
                                        include_self=include_self)
    return OpSpec("scatter_reduce", fn, ref, [((3, 4), (3, 4)), ((4, 5), (3, 4))],
                  id=f"scatter_reduce_{reduce}_{include_self}",
                  domain=distinct(0.5, 2.0) if reduce in ("amax", "amin", "prod") else (-2, 2),
                  torch_fn=tfn)


def _np_index_add(a, dim, idx, s, alpha=1.0):
    out = np.moveaxis(a.copy(), dim, 0)
    np.add.at(out, idx, np.moveaxis(s, dim, 0) * alpha)
    return np.moveaxis(out, 0, dim)


def _np_index_copy(a, dim, idx, s):
    out = np.moveaxis(a.copy(), dim, 0)
    out[idx] = np.moveaxis(s, dim, 0)
    return np.moveaxis(out, 0, dim)


def _np_masked_scatter(a, s):
    out = a.copy()
    out[MASK] = s.reshape(-1)[:MASK.sum()]
    return out


SPECS = [_sr(r, inc) for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)]
SPECS += [
    OpSpec("scatter_reduce", lambda a, s: a.scatter_reduce(-2, T(IDX, a), s, "prod"),
           lambda a, s: np_scatter_reduce(a, 0, IDX, s, "prod"), [((3, 4), (3, 4))],
           domain=[(-2, 2), lambda rng, sh: np.array([[0.0, 1.5, 0.0, 2.0], [-1.0, 0.0, 3.0, 1.0],
                                                      [2.0, -0.5, 1.0, 0.0]])],
           twice=False, id="scatter_reduce_prod_zeros",
           torch_fn=lambda a, s: a.scatter_reduce(-2, TT(IDX), s, "prod")),
    OpSpec("index_add", lambda a, s: ops.index_add(a, 0, T(ROWS, a), s, alpha=-1.5),
           lambda a, s: _np_index_add(a, 0, ROWS, s, -1.5), [((3, 4), (3, 4))],
           torch_fn=lambda a, s: a.index_add(0, TT(ROWS), s, alpha=-1.5)),
    OpSpec("index_add", lambda a, s: a.index_add(-1, T(ROWS, a), s),
           lambda a, s: _np_index_add(a, 1, ROWS, s), [((2, 4), (2, 3))], id="index_add_neg_dim",
           torch_fn=lambda a, s: a.index_add(-1, TT(ROWS), s)),
    OpSpec("index_copy", lambda a, s: ops.index_copy(a, 1, T([3, 0], a), s),
           lambda a, s: _np_index_copy(a, 1, [3, 0], s), [((3, 4), (3, 2))],
           torch_fn=lambda a, s: a.index_copy(1, TT([3, 0]), s)),
    OpSpec("index_fill", lambda a: ops.index_fill(a, 0, T([2, 0], a), -1.0),
           lambda a: _np_index_copy(a, 0, [2, 0], np.full((2, 4), -1.0)), [((3, 4),)],
           torch_fn=lambda a: a.index_fill(0, TT([2, 0]), -1.0)),
    OpSpec("index_fill", lambda a, v: a.index_fill(-1, T([1], a), v),
           lambda a, v: _np_index_copy(a, 1, [1], np.full((3, 1), v)), [((3, 4), ())],
           id="index_fill_tensor_value", torch_fn=lambda a, v: a.index_fill(-1, TT([1]), v)),
    OpSpec("masked_scatter", lambda a, s: a.masked_scatter(T(MASK, a), s), _np_masked_scatter,
           [((3, 4), (3, 4)), ((3, 4), (9,))],
           torch_fn=lambda a, s: a.masked_scatter(TT(MASK), s)),
]
