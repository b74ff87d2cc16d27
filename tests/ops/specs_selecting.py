"""Specs for selecting/writing through indices and splits (minigrad/ops/selecting.py,
splitting.py). Integer-valued helpers (argwhere, nonzero_static, unravel_index, isin) and
errors are compared with PyTorch in tests/ops/test_selecting.py."""
import numpy as np

import minigrad as mg
from minigrad import ops

from .specs import OpSpec, distinct


def _torch():
    import torch

    return torch


def _ti(a):
    return _torch().tensor(a)


I2 = np.array([[0, -1], [4, 4]])  # repeats and a negative index
P = np.array([5, 0, 5, 2])  # repeats: for accumulate=True (a plain write keeps one of them)
PU = np.array([5, 0, -1, 2])
R0, C0 = np.array([0, 2, 0]), np.array([1, 3, 1])
RU, CU = np.array([0, 2, 0]), np.array([1, 3, 2])
IR = np.array([0, 2, 0, 1])
M2, M3 = [((3, 4),)], [((2, 3, 4),)]


def _np_put(a, v, acc):
    out = a.copy().reshape(-1)
    if acc:
        np.add.at(out, P, v)
    else:
        out[PU] = v
    return out.reshape(a.shape)


def _np_index_put(a, v, acc):
    out = a.copy()
    if acc:
        np.add.at(out, (R0, C0), v)
    else:
        out[RU, CU] = v
    return out


def _np_index_reduce(a, s, how, include_self):
    out = a.copy()
    fn = {"prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[how]
    for row in range(a.shape[0]):
        picked = s[IR == row]
        if len(picked) == 0:
            continue
        vals = np.concatenate([a[row:row + 1], picked]) if include_self else picked
        out[row] = fn(vals, axis=0)
    return out


def _quiet(fn, *args, **kw):
    """PyTorch warns that index_reduce is in beta."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kw)


def _np_diag_scatter_dims(a, s):  # offset -1 in the plane (dim 2, dim 0)
    out = a.copy()
    view = np.moveaxis(out, (2, 0), (-2, -1))
    n = s.shape[-1]
    view[..., np.arange(n) + 1, np.arange(n)] = s
    return out


def _np_diag_scatter(a, s, off):
    out = a.copy()
    n = s.shape[-1]
    r = np.arange(n) + max(0, -off)
    out[r, r + off] = s
    return out


def _np_tensor_split(a, spec, axis):
    return tuple(np.array_split(a, spec, axis=axis))


SPECS = [
    OpSpec("select", lambda a: ops.select(a, 1, -1), lambda a: a[:, -1], M2 + M3,
           torch_fn=lambda a: _torch().select(a, 1, -1)),
    OpSpec("select", lambda a: a.select(-1, 2), lambda a: a[..., 2], M3, id="select_method"),
    OpSpec("take", lambda a: ops.take(a, mg.tensor(I2)), lambda a: a.reshape(-1)[I2],
           M2 + M3, torch_fn=lambda a: _torch().take(a, _ti(I2))),
    *[OpSpec("put", lambda a, v, acc=acc: ops.put(a, mg.tensor(P if acc else PU), v, accumulate=acc),
             lambda a, v, acc=acc: _np_put(a, v, acc), [((3, 4), (4,))],
             id=f"put_acc{int(acc)}", twice=True,
             torch_fn=lambda a, v, acc=acc: _torch().put(a, _ti(P if acc else PU), v,
                                                             accumulate=acc))
      for acc in (False, True)],
    *[OpSpec("index_put", lambda a, v, acc=acc: ops.index_put(
        a, (mg.tensor(R0 if acc else RU), mg.tensor(C0 if acc else CU)), v, accumulate=acc),
             lambda a, v, acc=acc: _np_index_put(a, v, acc), [((3, 4), (3,)), ((3, 4), ())],
             id=f"index_put_acc{int(acc)}",
             torch_fn=lambda a, v, acc=acc: _torch().index_put(
                 a, (_ti(R0 if acc else RU), _ti(C0 if acc else CU)), v, accumulate=acc))
      for acc in (False, True)],
    OpSpec("index_put", lambda a, v: ops.index_put(a, (mg.tensor(R0),), v, True),
           lambda a, v: a + np.stack([v * (R0 == r).sum() for r in range(3)]),
           [((3, 4), (4,))], id="index_put_rows_broadcast",
           torch_fn=lambda a, v: _torch().index_put(a, (_ti(R0),), v, True)),
    *[OpSpec("index_reduce", lambda a, s, h=h, inc=inc: ops.index_reduce(
        a, 0, mg.tensor(IR), s, h, include_self=inc),
             lambda a, s, h=h, inc=inc: _np_index_reduce(a, s, h, inc), [((3, 2), (4, 2))],
             domain=distinct(0.5, 2.0), id=f"index_reduce_{h}_{int(inc)}",
             torch_fn=lambda a, s, h=h, inc=inc: _quiet(a.index_reduce, 0, _ti(IR), s, h,
                                                        include_self=inc))
      for h in ("prod", "mean", "amax", "amin") for inc in (True, False)],
    OpSpec("select_scatter", lambda a, s: ops.select_scatter(a, s, 0, -1),
           lambda a, s: np.concatenate([a[:-1], s[None]]), [((3, 4), (4,))],
           torch_fn=lambda a, s: _torch().select_scatter(a, s, 0, -1)),
    OpSpec("slice_scatter", lambda a, s: ops.slice_scatter(a, s, 1, 1, None, 2),
           lambda a, s: np.concatenate([a[:, :1], s[:, :1], a[:, 2:3], s[:, 1:]], 1),
           [((3, 4), (3, 2))], torch_fn=lambda a, s: _torch().slice_scatter(a, s, 1, 1, None, 2)),
    OpSpec("diagonal_scatter", lambda a, s: ops.diagonal_scatter(a, s, 1),
           lambda a, s: _np_diag_scatter(a, s, 1), [((3, 4), (3,))],
           torch_fn=lambda a, s: _torch().diagonal_scatter(a, s, 1)),
    OpSpec("diagonal_scatter", lambda a, s: ops.diagonal_scatter(a, s, -1, 2, 0),
           _np_diag_scatter_dims, [((4, 2, 3), (2, 2))], id="diagonal_scatter_dims",
           torch_fn=lambda a, s: _torch().diagonal_scatter(a, s, -1, 2, 0)),
    OpSpec("tensor_split", lambda a: ops.tensor_split(a, 3, 1),
           lambda a: _np_tensor_split(a, 3, 1), M2 + M3,
           torch_fn=lambda a: _torch().tensor_split(a, 3, 1)),
    OpSpec("tensor_split", lambda a: a.tensor_split([1, -1, 9], -1),
           lambda a: _np_tensor_split(a, [1, a.shape[-1] - 1, 9], -1), M2 + M3,
           id="tensor_split_indices", torch_fn=lambda a: a.tensor_split([1, -1, 9], -1)),
    OpSpec("hsplit", lambda a: ops.hsplit(a, 2), lambda a: tuple(np.hsplit(a, 2)),
           M2 + [((2, 4, 3),)],
           torch_fn=lambda a: _torch().hsplit(a, 2)),
    OpSpec("vsplit", lambda a: ops.vsplit(a, [1]), lambda a: tuple(np.vsplit(a, [1])), M2,
           torch_fn=lambda a: _torch().vsplit(a, [1])),
    OpSpec("dsplit", lambda a: a.dsplit(2), lambda a: tuple(np.dsplit(a, 2)), M3,
           torch_fn=lambda a: _torch().dsplit(a, 2)),
    OpSpec("split_with_sizes", lambda a: ops.split_with_sizes(a, [1, 3], -1),
           lambda a: tuple(np.split(a, [1], -1)), M2 + M3,
           torch_fn=lambda a: _torch().split_with_sizes(a, [1, 3], -1)),
    *[OpSpec("rot90", lambda a, k=k: ops.rot90(a, k, [-1, 0]),
             lambda a, k=k: np.rot90(a, k, (a.ndim - 1, 0)), M2 + M3, id=f"rot90_k{k}",
             torch_fn=lambda a, k=k: _torch().rot90(a, k, [-1, 0]))
      for k in (-3, 0, 1, 2, 3)],
    OpSpec("fliplr", lambda a: ops.fliplr(a), np.fliplr, M2 + M3,
           torch_fn=lambda a: _torch().fliplr(a)),
    OpSpec("flipud", lambda a: a.flipud(), np.flipud, M2 + [((4,),)],
           torch_fn=lambda a: _torch().flipud(a)),
    OpSpec("sum_to_size", lambda a: a.sum_to_size(1, 4), lambda a: a.sum(0, keepdims=True),
           M2, torch_fn=lambda a: a.sum_to_size(1, 4)),
]

NOT_DIFFERENTIABLE = {
    "argwhere": "integer indices",
    "nonzero_static": "integer indices",
    "unravel_index": "integer coordinates",
    "isin": "bool membership",
}
