"""Specs for storage-level reads and writes (minigrad/ops/strided.py): as_strided
(overlapping windows accumulate their gradient), as_strided_scatter, and fill_diagonal_
through the in-place recording. Resizing and the in-place restride are not differentiable
(PyTorch refuses them on tensors that require grad); tests/ops/test_strided.py covers them."""
import numpy as np

from minigrad import ops

from .specs import OpSpec


def _np_strided(a, size, stride, off=0):
    flat = np.ascontiguousarray(a).reshape(-1)
    return np.lib.stride_tricks.as_strided(flat[off:], size, [s * 8 for s in stride]).copy()


def _np_strided_scatter(a, s, size, stride):
    out = a.copy().reshape(-1)
    view = np.lib.stride_tricks.as_strided(out, size, [st * 8 for st in stride])
    view[...] = s
    return out.reshape(a.shape)


def _np_fill_diag(a, v):
    out = a.copy()
    n = min(out.shape)
    out[np.arange(n), np.arange(n)] = v
    return out


SPECS = [
    OpSpec("as_strided", lambda a: ops.as_strided(a, (4, 3), (2, 1)),
           lambda a: _np_strided(a, (4, 3), (2, 1)), [((12,),), ((9,),)],
           torch_fn=lambda a: a.as_strided((4, 3), (2, 1))),
    OpSpec("as_strided", lambda a: ops.as_strided(a, (2, 2, 3), (0, 3, 1), 2),
           lambda a: _np_strided(a, (2, 2, 3), (0, 3, 1), 2), [((12,),)],
           id="as_strided_offset_zero_stride",
           torch_fn=lambda a: a.as_strided((2, 2, 3), (0, 3, 1), 2)),
    OpSpec("as_strided_scatter", lambda a, s: ops.as_strided_scatter(a, s, (2, 3), (4, 1)),
           lambda a, s: _np_strided_scatter(a, s, (2, 3), (4, 1)), [((12,), (2, 3))]),
    # no torch_fn: torch 2.13's gradient of as_strided_scatter w.r.t. input is gy AT the
    # written positions and 0 elsewhere (the complement of the true one, which finite
    # differences confirm here); the values are compared in test_strided.py
    OpSpec("fill_diagonal_", lambda a: (a * 1).fill_diagonal_(0.5),
           lambda a: _np_fill_diag(a, 0.5), [((3, 4),), ((4, 2),)],
           torch_fn=lambda a: (a * 1).fill_diagonal_(0.5)),
]

NOT_DIFFERENTIABLE = {
    "as_strided_": "restrides in place; refused on tensors that require grad (as in PyTorch)",
}
