"""Specs for indexing: getitem, setitem, gather, scatter, index_select, masked ops, take_along_dim."""
import numpy as np

import minigrad as mg
from minigrad import ops

from .specs import OpSpec

I64 = np.int64
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
ROWS = np.array([True, False, True])


def T(a, like=None):
    """A constant index/mask tensor, on ``like``'s device when given (as PyTorch requires)."""
    return mg.tensor(np.asarray(a), device=None if like is None else like.device)


def TT(a):
    import torch

    return torch.tensor(np.asarray(a))


def _gi(index, np_index=None):
    """fn/ref pair for a fixed index (Tensors in the minigrad index, arrays in NumPy's)."""
    np_index = index if np_index is None else np_index
    return (lambda a: a[index]), (lambda a: a[np_index])


def _getitem(name, index, shapes, np_index=None):
    fn, ref = _gi(index, np_index)
    return OpSpec("getitem", fn, ref, shapes, id=f"getitem_{name}")


def _setitem(index):
    def fn(a, v):
        y = a.clone()
        y[index] = v
        return y

    def ref(a, v):
        y = a.copy()
        y[tuple(np.asarray(i.numpy()) if isinstance(i, mg.Tensor) else i for i in index)
          if isinstance(index, tuple) else index] = v
        return y

    return fn, ref


def np_gather(a, dim, idx):
    out = np.empty(idx.shape, a.dtype)
    for pos in np.ndindex(*idx.shape):
        src = list(pos)
        src[dim] = idx[pos]
        out[pos] = a[tuple(src)]
    return out


def np_scatter(a, dim, idx, src, add=False):
    out = a.copy()
    for pos in np.ndindex(*idx.shape):
        dst = list(pos)
        dst[dim] = idx[pos]
        v = src[pos] if np.ndim(src) else src
        out[tuple(dst)] = out[tuple(dst)] + v if add else v
    return out


def _np_masked_select(a, m):
    shape = np.broadcast_shapes(a.shape, m.shape)
    return np.broadcast_to(a, shape)[np.broadcast_to(m, shape)]


# column-wise distinct rows: a scatter along dim 0 writes each position at most once
SC_IDX = np.array([[2, 0, 1, 2], [0, 1, 2, 0]], dtype=I64)


def _scatter(a, s):
    return ops.scatter(a, 0, T(SC_IDX, a), s)


SPECS = [
    # ---- getitem: basic ----
    _getitem("int", 1, [((3, 4),)]),
    _getitem("int_neg_0d", (-1, 2), [((3, 4),)]),
    _getitem("step", (slice(None, None, 2), slice(1, 3)), [((4, 5),)]),
    _getitem("neg_step", (slice(3, 0, -2), slice(None, None, -1)), [((4, 5),)]),
    _getitem("none_ellipsis", (None, Ellipsis, 1), [((2, 3, 4),)]),
    _getitem("ellipsis_none", (1, None, Ellipsis), [((2, 3, 4),)]),
    _getitem("0d", (), [((),)]),
    _getitem("0d_none", None, [((),)]),
    # ---- getitem: advanced (gradients accumulate over repeats) ----
    _getitem("tensor_2d", T([[0, 1], [2, 0]]), [((3, 4),)], np.array([[0, 1], [2, 0]])),
    _getitem("nested_list", [[0, 0], [1, 2]], [((3, 4),)]),
    _getitem("neg_tensor", T([-1, 0, -1]), [((3, 4),)], np.array([-1, 0, -1])),
    _getitem("pairs", ([0, 1, 0], [2, 2, 2]), [((3, 4),)]),
    _getitem("adv_split", ([0, 2, 0], slice(None), [1, 1, 0]), [((3, 2, 4),)]),
    _getitem("slice_adv", (slice(1, None), [0, 0, 2]), [((3, 4),)]),
    # the int selects first (PyTorch), so [3, 3]'s dim stays last: NumPy's a[1][::-1, [3, 3]]
    OpSpec("getitem", lambda a: a[1, ::-1, [3, 3]], lambda a: a[1][::-1, [3, 3]], [((2, 3, 4),)],
           id="getitem_int_adv_step"),
    _getitem("scalars_1d", T([0, 1, 1, 2, 1, 0, 2, 2]), [((3,),)], np.array([0, 1, 1, 2, 1, 0, 2, 2])),
    _getitem("pick", (T([0, 1, 2, 1]), T([3, 0, 3, 3])), [((3, 4),)],
             (np.array([0, 1, 2, 1]), np.array([3, 0, 3, 3]))),
    _getitem("mask", T(MASK), [((3, 4),)], MASK),
    _getitem("mask_list", [True, False, True], [((3, 4),)], ROWS),
    _getitem("mask_dim1", (slice(None), T([False, True, True, False])), [((3, 4),)],
             (slice(None), np.array([False, True, True, False]))),
    _getitem("mask_and_list", (T(ROWS), [0, 3]), [((3, 4),)], (ROWS, [0, 3])),
    _getitem("mask_ellipsis", (Ellipsis, T([True, False, True])), [((2, 3),)],
             (Ellipsis, np.array([True, False, True]))),
    OpSpec("getitem", lambda a, i: a[i], lambda a, i: a[i], [((5, 3), (7,)), ((4,), (2, 3))],
           int_inputs={1: (0, 4)}, torch_fn=lambda a, i: a[i], id="getitem_random"),
    OpSpec("getitem", lambda a, i: a[:, i], lambda a, i: a[:, i], [((2, 5), (3, 2))],
           int_inputs={1: (-5, 5)}, torch_fn=lambda a, i: a[:, i], id="getitem_random_neg"),
    # ---- setitem (x non-leaf, value differentiable) ----
    OpSpec("setitem", *_setitem((slice(None), 1)), [((3, 4), (3,)), ((3, 4), ())], id="setitem_slice"),
    OpSpec("setitem", *_setitem((slice(None, None, 2), slice(1, 3))), [((4, 4), (1, 2))],
           id="setitem_bcast"),
    OpSpec("setitem", *_setitem(([2, 0],)), [((3, 4), (2, 4)), ((3, 4), (4,))], id="setitem_list"),
    OpSpec("setitem", *_setitem((T(MASK),)), [((3, 4), (6,)), ((3, 4), ())], id="setitem_mask"),
    # ---- gather / scatter ----
    OpSpec("gather", lambda a, i: ops.gather(a, 1, i), lambda a, i: np_gather(a, 1, i),
           [((3, 4), (3, 5)), ((3, 4), (2, 2))], int_inputs={1: (0, 4)},
           torch_fn=lambda a, i: a.gather(1, i)),
    OpSpec("gather", lambda a, i: ops.gather(a, -3, i), lambda a, i: np_gather(a, 0, i),
           [((3, 2, 2), (4, 2, 1))], int_inputs={1: (0, 3)}, id="gather_neg_dim",
           torch_fn=lambda a, i: a.gather(-3, i)),
    OpSpec("gather", lambda a, i: ops.gather(a, 0, i), lambda a, i: a.copy(), [((), ())],
           int_inputs={1: (0, 1)}, id="gather_0d"),
    OpSpec("scatter", _scatter, lambda a, s: np_scatter(a, 0, SC_IDX, s), [((3, 4), (2, 4))],
           torch_fn=lambda a, s: a.scatter(0, TT(SC_IDX), s)),
    # src larger than index is cut down (torch 2.13's backward rejects this case)
    OpSpec("scatter", _scatter, lambda a, s: np_scatter(a, 0, SC_IDX, s),
           [((3, 4), (2, 5)), ((3, 5), (3, 4))], id="scatter_big_src"),
    OpSpec("scatter", lambda a: ops.scatter(a, 0, T(SC_IDX, a), 1.5),
           lambda a: np_scatter(a, 0, SC_IDX, 1.5), [((3, 4),)], id="scatter_value"),
    OpSpec("scatter", lambda a, s, i: ops.scatter(a, -1, i, s, reduce="add"),
           lambda a, s, i: np_scatter(a, 1, i, s, add=True), [((2, 3), (2, 5), (2, 5))],
           int_inputs={2: (0, 3)}, id="scatter_reduce_add"),
    OpSpec("scatter_add", lambda a, s, i: ops.scatter_add(a, 1, i, s),
           lambda a, s, i: np_scatter(a, 1, i, s, add=True), [((2, 3), (2, 6), (2, 6))],
           int_inputs={2: (0, 3)}, torch_fn=lambda a, s, i: a.scatter_add(1, i, s)),
    OpSpec("scatter_add", lambda a, s, i: ops.scatter_add(a, 1, i, s),
           lambda a, s, i: np_scatter(a, 1, i, s, add=True), [((3, 3), (2, 4), (2, 2))],
           int_inputs={2: (0, 3)}, id="scatter_add_big_src"),
    OpSpec("index_select", lambda a, i: ops.index_select(a, 1, i), lambda a, i: np.take(a, i.reshape(-1), 1),
           [((3, 4), (6,)), ((2, 4), ())], int_inputs={1: (0, 4)},
           torch_fn=lambda a, i: a.index_select(1, i)),
    OpSpec("index_select", lambda a, i: ops.index_select(a, -1, i), lambda a, i: np.take(a, i, -1),
           [((2, 3, 4), (5,))], int_inputs={1: (0, 4)}, id="index_select_neg_dim"),
    OpSpec("take_along_dim", lambda a, i: ops.take_along_dim(a, i, 1),
           lambda a, i: np.take_along_axis(a, i, 1), [((3, 4), (3, 6)), ((3, 4), (1, 2)), ((1, 4), (3, 2))],
           int_inputs={1: (0, 4)}, torch_fn=lambda a, i: a.take_along_dim(i, 1)),
    OpSpec("take_along_dim", lambda a, i: ops.take_along_dim(a, i),
           lambda a, i: a.ravel()[i.ravel()], [((3, 4), (2, 5))], int_inputs={1: (0, 12)},
           id="take_along_dim_flat", torch_fn=lambda a, i: a.take_along_dim(i)),
    OpSpec("take_along_dim", lambda a, i: ops.take_along_dim(a, i), lambda a, i: a.ravel()[i.ravel()],
           [((), (3,))], int_inputs={1: (0, 1)}, id="take_along_dim_flat_0d"),
    # ---- masked ----
    OpSpec("masked_fill", lambda a: ops.masked_fill(a, T(MASK[0], a), -1.5),
           lambda a: np.where(MASK[0], -1.5, a), [((3, 4),), ((2, 3, 4),)],
           torch_fn=lambda a: a.masked_fill(TT(MASK[0]), -1.5)),
    OpSpec("masked_fill", lambda a, v: ops.masked_fill(a, T(MASK, a), v),
           lambda a, v: np.where(MASK, v, a), [((3, 4), ()), ((4,), ())], id="masked_fill_tensor",
           torch_fn=lambda a, v: a.masked_fill(TT(MASK), v)),
    OpSpec("masked_select", lambda a: ops.masked_select(a, T(MASK, a)), lambda a: a[MASK], [((3, 4),)],
           torch_fn=lambda a: a.masked_select(TT(MASK))),
    OpSpec("masked_select", lambda a: ops.masked_select(a, T(ROWS[:, None], a)),
           lambda a: _np_masked_select(a, ROWS[:, None]),
           [((3, 4),), ((4,),), ((),)], id="masked_select_bcast"),
]

NOT_DIFFERENTIABLE = {
    "nonzero": "integer result (indices); tested in tests/ops/test_indexing.py",
}
