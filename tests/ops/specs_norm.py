"""Specs for the fused standardization primitive (minigrad/ops/normalization.py), the core of
batch_norm / layer_norm / group_norm (whose modules are tested in tests/nn/test_layers.py)."""
import numpy as np

from minigrad.ops.attention import scaled_masked_softmax
from minigrad.ops.normalization import layer_norm_fused, standardize

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


# ---- the fused attention softmax (minigrad/ops/attention.py) ----

_CAUSAL = np.tril(np.ones((4, 5), dtype=bool))
_DEAD_ROW = np.array([[True, False, True], [False, False, False]])  # row 1: nothing kept


def _np_masked_softmax(scale, keep):
    def ref(x):
        s = np.where(keep, x * scale, -np.inf) if keep is not None else x * scale
        m = s.max(-1, keepdims=True)
        m[~np.isfinite(m)] = 0
        e = np.exp(s - m)
        d = e.sum(-1, keepdims=True)
        return e / np.where(d == 0, 1, d)

    return ref


def _torch_masked_softmax(scale, keep):
    def fn(x):
        import torch

        s = x * scale
        if keep is not None:
            s = s.masked_fill(~torch.from_numpy(keep), float("-inf"))
        return s.softmax(-1)

    return fn


SPECS += [
    OpSpec("scaled_masked_softmax", lambda x: scaled_masked_softmax(x, 0.7),
           _np_masked_softmax(0.7, None), [((3, 5),), ((2, 3, 4),)],
           torch_fn=_torch_masked_softmax(0.7, None), id="masked_softmax_nomask"),
    OpSpec("scaled_masked_softmax", lambda x: scaled_masked_softmax(x, 0.5, _CAUSAL),
           _np_masked_softmax(0.5, _CAUSAL), [((2, 4, 5),), ((4, 5),)],
           torch_fn=_torch_masked_softmax(0.5, _CAUSAL), id="masked_softmax_causal"),
    OpSpec("scaled_masked_softmax", lambda x: scaled_masked_softmax(x, -1.3, _DEAD_ROW),
           _np_masked_softmax(-1.3, _DEAD_ROW), [((2, 2, 3),)], id="masked_softmax_dead_row"),
]


# ---- the fused layer norm (minigrad/ops/normalization.py; F.layer_norm uses it) ----

def _np_layer_norm(n, eps=1e-5):
    def ref(x, w=None, b=None):
        axes = tuple(range(x.ndim - n, x.ndim))
        y = _ref(axes, eps)(x)
        y = y * w if w is not None else y
        return y + b if b is not None else y

    return ref


def _torch_layer_norm(n, eps=1e-5):
    def fn(x, w=None, b=None):
        import torch

        return torch.nn.functional.layer_norm(x, x.shape[x.ndim - n:], w, b, eps)

    return fn


SPECS += [
    OpSpec("layer_norm_fused", lambda x, w, b: layer_norm_fused(x, 1, w, b), _np_layer_norm(1),
           [((3, 4), (4,), (4,)), ((2, 3, 5), (5,), (5,))], torch_fn=_torch_layer_norm(1),
           id="layer_norm_affine"),
    OpSpec("layer_norm_fused", lambda x, w: layer_norm_fused(x, 2, w, eps=0.1),
           _np_layer_norm(2, 0.1), [((2, 3, 4), (3, 4))],
           torch_fn=lambda x, w: __import__("torch").nn.functional.layer_norm(x, (3, 4), w, None, 0.1),
           id="layer_norm_weight_2d"),
    OpSpec("layer_norm_fused", lambda x: layer_norm_fused(x, 1), _np_layer_norm(1), [((4, 6),)],
           torch_fn=_torch_layer_norm(1), id="layer_norm_plain"),
    OpSpec("layer_norm_fused", lambda x, b: layer_norm_fused(x, 1, None, b),
           lambda x, b: _np_layer_norm(1)(x, None, b), [((4, 6), (6,))], id="layer_norm_bias_only"),
]
