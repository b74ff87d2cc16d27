"""Specs for the fused standardization primitive (minigrad/ops/normalization.py), the core of
batch_norm / layer_norm / group_norm (whose modules are tested in tests/nn/test_layers.py)."""
import numpy as np

from minigrad.ops.normalization import standardize

from .specs import OpSpec


def _ref(dim, eps=1e-5):
    def ref(x):
        m = x.mean(axis=dim, keepdims=True)
        return (x - m) / np.sqrt(x.var(axis=dim, keepdims=True) + eps)

    return ref


def _torch(dim, eps=1e-5):
    def fn(x):
        m = x.mean(dim=dim, keepdim=True)
        return (x - m) / (x.var(dim=dim, keepdim=True, unbiased=False) + eps).sqrt()

    return fn


SPECS = [
    OpSpec("standardize", lambda x: standardize(x, -1), _ref(-1), [((3, 4),), ((2, 3, 5),)],
           torch_fn=_torch(-1), id="standardize_last"),
    OpSpec("standardize", lambda x: standardize(x, (0, 2), eps=0.1), _ref((0, 2), 0.1),
           [((3, 2, 4),)], torch_fn=_torch((0, 2), 0.1), id="standardize_batch"),
    OpSpec("standardize", lambda x: standardize(x, (1, 2)), _ref((1, 2)), [((2, 2, 3),)],
           id="standardize_group"),
    OpSpec("standardize", lambda x: standardize(x, 0), _ref(0), [((4,),)], id="standardize_1d"),
]
