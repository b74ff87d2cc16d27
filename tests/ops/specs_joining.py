"""Specs for the variadic joining ops (minigrad/ops/joining.py): hstack, vstack, dstack,
column_stack, atleast_Nd, broadcast_tensors, block_diag. Argument counts from 0 to
thousands are tested in tests/ops/test_variadic.py."""
import numpy as np

import minigrad as mg

from .specs import OpSpec


def _t(name):
    return lambda *xs: getattr(__import__("torch"), name)(list(xs))


def _tv(name):
    return lambda *xs: getattr(__import__("torch"), name)(*xs)


SPECS = [
    OpSpec("hstack", lambda a, b: mg.hstack([a, b]), lambda a, b: np.hstack([a, b]),
           [((2, 3), (2, 1)), ((3,), ()), ((2, 1, 2), (2, 3, 2))], torch_fn=_t("hstack")),
    OpSpec("vstack", lambda a, b: mg.vstack([a, b]), lambda a, b: np.vstack([a, b]),
           [((2, 3), (1, 3)), ((3,), (3,)), ((), ())], torch_fn=_t("vstack")),
    OpSpec("row_stack", lambda a, b: mg.row_stack((a, b)), lambda a, b: np.vstack([a, b]),
           [((2, 3), (3,))]),
    OpSpec("dstack", lambda a, b: mg.dstack([a, b]), lambda a, b: np.dstack([a, b]),
           [((2, 3), (2, 3)), ((3,), (3,)), ((), ()), ((2, 1, 2), (2, 1, 1))],
           torch_fn=_t("dstack")),
    OpSpec("column_stack", lambda a, b, c: mg.column_stack([a, b, c]),
           lambda a, b, c: np.column_stack([a, b, c]), [((3,), (3, 2), (3,)), ((), (1, 2), ())],
           torch_fn=_t("column_stack")),
    OpSpec("atleast_1d", lambda a: mg.atleast_1d(a), np.atleast_1d, [((),), ((2, 3),)],
           torch_fn=_tv("atleast_1d")),
    OpSpec("atleast_2d", lambda a, b: mg.atleast_2d(a, b), lambda a, b: np.atleast_2d(a, b),
           [((), (3,)), ((2, 3), (1, 2, 3))], torch_fn=_tv("atleast_2d")),
    OpSpec("atleast_3d", lambda a, b, c: mg.atleast_3d([a, b, c]),
           lambda a, b, c: tuple(np.atleast_3d(a, b, c)), [((), (3,), (2, 3))],
           torch_fn=lambda a, b, c: __import__("torch").atleast_3d([a, b, c])),
    OpSpec("broadcast_tensors", lambda a, b, c: mg.broadcast_tensors(a, b, c),
           lambda a, b, c: tuple(np.broadcast_arrays(a, b, c)),
           [((2, 1), (3,), ()), ((4,), (4,), (4,))], torch_fn=_tv("broadcast_tensors")),
    OpSpec("block_diag", lambda a, b, c: mg.block_diag(a, b, c),
           lambda a, b, c: _np_block_diag(a, b, c), [((), (2, 3), (2,)), ((1, 1), (0, 2), (3, 0))],
           torch_fn=_tv("block_diag")),
]

# broadcast_shapes works on shapes, not tensors
NOT_DIFFERENTIABLE = {"broadcast_shapes": "takes shapes and returns a Size (tests/ops/test_variadic.py)"}


def _np_block_diag(*xs):
    blocks = [np.asarray(x).reshape((1,) * (2 - np.ndim(x)) + np.shape(x)) for x in xs]
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    r = c = 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out
