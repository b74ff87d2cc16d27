"""Specs for minigrad/ops/views.py and minigrad/ops/diagonal.py: narrow, narrow_copy,
Tensor.unfold, meshgrid, repeat_interleave, diagonal, diag, diag_embed, diagflat, and the
in-place triu_/tril_ (recorded). Non-differentiable behaviour is in tests/ops/test_views.py."""
import numpy as np

import minigrad as mg
from minigrad import ops

from .specs import OpSpec
from .specs_indexing import TT, T


def _np_unfold(a, dim, size, step):
    dim %= a.ndim
    a = np.moveaxis(a, dim, -1)
    n = (a.shape[-1] - size) // step + 1
    w = np.stack([a[..., k * step:k * step + size] for k in range(n)], axis=-2)
    return np.moveaxis(w, -2, dim)


def _np_meshgrid(*arrays, indexing="ij"):
    return np.meshgrid(*arrays, indexing=indexing)


def _np_diag_embed(a, offset=0):
    k = a.shape[-1] + abs(offset)
    out = np.zeros(a.shape[:-1] + (k, k))
    for i in range(a.shape[-1]):
        r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
        out[..., r, c] = a[..., i]
    return out


def _triu_(a):
    y = a * 1.0
    y.triu_(1)
    return y


def _tril_(a):
    y = a * 1.0
    y.tril_(-1)
    return y


SPECS = [
    OpSpec("narrow", lambda a: a.narrow(1, 1, 2), lambda a: a[:, 1:3], [((3, 4),)],
           torch_fn=lambda a: a.narrow(1, 1, 2)),
    OpSpec("narrow", lambda a: ops.narrow(a, -1, -3, 3), lambda a: a[..., -3:],
           [((2, 3, 4),)], id="narrow_negative"),
    OpSpec("narrow_copy", lambda a: a.narrow_copy(0, 1, 1), lambda a: a[1:2], [((3, 4),)],
           torch_fn=lambda a: a.narrow_copy(0, 1, 1)),
    OpSpec("unfold", lambda a: a.unfold(1, 2, 1), lambda a: _np_unfold(a, 1, 2, 1),
           [((3, 5),), ((2, 4, 3),)], torch_fn=lambda a: a.unfold(1, 2, 1)),
    OpSpec("unfold", lambda a: a.unfold(-1, 3, 2), lambda a: _np_unfold(a, -1, 3, 2),
           [((2, 7),)], id="unfold_step", torch_fn=lambda a: a.unfold(-1, 3, 2)),
    OpSpec("unfold", lambda a: a.unfold(0, 1, 1), lambda a: a.reshape(1), [((),)],
           id="unfold_0d", torch_fn=lambda a: a.unfold(0, 1, 1)),
    OpSpec("meshgrid", lambda a, b: mg.stack(ops.meshgrid(a, b, indexing="ij")),
           lambda a, b: np.stack(_np_meshgrid(a, b)), [((3,), (4,)), ((), (2,))],
           torch_fn=lambda a, b: __import__("torch").stack(
               __import__("torch").meshgrid(a, b, indexing="ij"))),
    OpSpec("meshgrid", lambda a, b, c: mg.stack(ops.meshgrid([a, b, c], indexing="xy")),
           lambda a, b, c: np.stack(_np_meshgrid(a, b, c, indexing="xy")),
           [((2,), (3,), (4,))], id="meshgrid_xy"),
    OpSpec("repeat_interleave", lambda a: a.repeat_interleave(2), lambda a: np.repeat(a, 2),
           [((2, 3),), ((),)], torch_fn=lambda a: a.repeat_interleave(2)),
    OpSpec("repeat_interleave", lambda a: ops.repeat_interleave(a, T([2, 0, 3], a), dim=-1),
           lambda a: np.repeat(a, [2, 0, 3], axis=-1), [((2, 3),)], id="repeat_interleave_tensor",
           torch_fn=lambda a: a.repeat_interleave(TT([2, 0, 3]), dim=-1)),
    OpSpec("diagonal", lambda a: a.diagonal(), lambda a: np.diagonal(a).copy(),
           [((3, 4),), ((4, 3),)], torch_fn=lambda a: a.diagonal()),
    OpSpec("diagonal", lambda a: ops.diagonal(a, -1, 2, 0),
           lambda a: np.diagonal(a, -1, 2, 0).copy(), [((3, 2, 4),)], id="diagonal_dims",
           torch_fn=lambda a: a.diagonal(-1, 2, 0)),
    OpSpec("diag", lambda a: ops.diag(a, 1), lambda a: np.diag(a, 1), [((3,),), ((3, 4),)],
           torch_fn=lambda a: a.diag(1)),
    OpSpec("diag_embed", lambda a: a.diag_embed(), _np_diag_embed, [((2, 3),), ((3,),)],
           torch_fn=lambda a: a.diag_embed()),
    OpSpec("diag_embed", lambda a: ops.diag_embed(a, -1, 0, 2),
           lambda a: np.moveaxis(_np_diag_embed(a, -1), (1, 2), (0, 2)), [((2, 3),)],
           id="diag_embed_dims", torch_fn=lambda a: a.diag_embed(-1, 0, 2)),
    OpSpec("diagflat", lambda a: ops.diagflat(a, 1), lambda a: np.diagflat(a, 1),
           [((2, 2),), ((),)], torch_fn=lambda a: a.diagflat(1)),
    OpSpec("triu", _triu_, lambda a: np.triu(a, 1), [((3, 4),)], id="triu_inplace",
           torch_fn=_triu_),
    OpSpec("tril", _tril_, lambda a: np.tril(a, -1), [((2, 3, 3),)], id="tril_inplace",
           torch_fn=_tril_),
]

NOT_DIFFERENTIABLE = {
    "multinomial": "integer samples",
    "triu_indices": "integer coordinates",
    "tril_indices": "integer coordinates",
}
