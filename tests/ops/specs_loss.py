"""Specs for the fused loss primitives (minigrad/ops/loss.py). Reduction, weights and the
error cases are tested against PyTorch in tests/nn/test_losses.py."""
import numpy as np

import minigrad as mg
from minigrad import ops

from .specs import OpSpec

C = 3
W = np.array([0.5, 2.0, 1.25])


def _log_softmax(x):
    z = x - x.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _ce_ref(x, y, w=None, eps=0.0, ignore_index=-100):
    lp = _log_softmax(x)
    valid = y != ignore_index
    ys = np.where(valid, y, 0)
    w = np.ones(x.shape[1]) if w is None else w
    wb = w.reshape((1, -1) + (1,) * (x.ndim - 2))
    nll = -np.take_along_axis(lp, ys[:, None], axis=1)[:, 0] * w[ys]
    smooth = -(lp * wb).sum(axis=1)
    return np.where(valid, (1 - eps) * nll + eps / x.shape[1] * smooth, 0.0)


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _bce_ref(x, t, w=None, pw=None):
    lw = 1 if pw is None else 1 + (pw - 1) * t
    loss = (1 - t) * x + lw * _softplus(-x)
    return loss if w is None else loss * w


def _torch_ce(**kw):
    def f(x, y):
        import torch

        if "weight" in kw:
            kw["weight"] = torch.tensor(W)
        return torch.nn.functional.cross_entropy(x, y, reduction="none", **kw)

    return f


def _ignore(y):
    y = y.clone()
    y.array.flat[0] = -100
    return y


def _mg_w(like):
    return mg.tensor(W, device=like.device)


CE_SHAPES = [((4, C), (4,)), ((2, C, 4), (2, 4)), ((2, C, 2, 3), (2, 2, 3)), ((1, C), (1,))]
BCE_SHAPES = [((3, 4), (3, 4)), ((2, 3, 4), (2, 3, 4)), ((), ())]

SPECS = [
    OpSpec("cross_entropy_loss", lambda x, y: ops.cross_entropy_loss(x, y, reduction="none"),
           _ce_ref, CE_SHAPES, int_inputs={1: (0, C)}, torch_fn=_torch_ce(), domain=(-3, 3)),
    OpSpec("cross_entropy_loss",
           lambda x, y: ops.cross_entropy_loss(x, y, weight=_mg_w(x), reduction="none"),
           lambda x, y: _ce_ref(x, y, W), CE_SHAPES[:2], int_inputs={1: (0, C)},
           torch_fn=_torch_ce(weight=True), id="cross_entropy_loss_weight"),
    OpSpec("cross_entropy_loss",
           lambda x, y: ops.cross_entropy_loss(x, _ignore(y), weight=_mg_w(x), reduction="none",
                                               label_smoothing=0.2),
           lambda x, y: _ce_ref(x, np.where(np.arange(y.size).reshape(y.shape) == 0, -100, y),
                                W, 0.2),
           CE_SHAPES[:3], int_inputs={1: (0, C)}, id="cross_entropy_loss_smooth_ignore"),
    OpSpec("cross_entropy_loss", lambda x, y: ops.cross_entropy_loss(x, y, label_smoothing=0.1),
           lambda x, y: _ce_ref(x, y, None, 0.1).mean(), CE_SHAPES[:2], int_inputs={1: (0, C)},
           id="cross_entropy_loss_mean"),
    OpSpec("cross_entropy_loss", lambda x, y: ops.cross_entropy_loss(x, y, reduction="sum"),
           lambda x, y: _ce_ref(x[None], y[None]).sum(), [((C,), ())], int_inputs={1: (0, C)},
           id="cross_entropy_loss_unbatched"),
    OpSpec("binary_cross_entropy_with_logits",
           lambda x, t: ops.binary_cross_entropy_with_logits(x, t, reduction="none"),
           _bce_ref, BCE_SHAPES, domain=[(-4, 4), (0, 1)],
           torch_fn=lambda x, t: __import__("torch").nn.functional.binary_cross_entropy_with_logits(
               x, t, reduction="none")),
    OpSpec("binary_cross_entropy_with_logits",
           lambda x, t, w, pw: ops.binary_cross_entropy_with_logits(
               x, t, weight=w, pos_weight=pw, reduction="none"),
           _bce_ref, [((3, 4), (3, 4), (3, 1), (4,)), ((2, 3), (2, 3), (), (1,))],
           domain=[(-4, 4), (0, 1), (0.5, 2), (0.5, 3)], grad_inputs=(0, 1),
           id="bce_with_logits_weights"),
    OpSpec("binary_cross_entropy_with_logits",
           lambda x, t: ops.binary_cross_entropy_with_logits(x, t),
           lambda x, t: _bce_ref(x, t).mean(), BCE_SHAPES[:2], domain=[(-4, 4), (0, 1)],
           id="bce_with_logits_mean"),
]
