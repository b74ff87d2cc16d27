"""The loss and distance tail of ``nn.functional``: ``multilabel_margin_loss``,
``triplet_margin_with_distance_loss``, ``pdist`` (composites of minigrad ops)."""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from .._autocast import autocast_op
from ..tensor import Tensor
from ._functional_loss import _reduce
from ._functional_loss_more import _prep, pairwise_distance


def _multilabel_weights(target: np.ndarray, c: int) -> np.ndarray:
    """(N, C, C) pair counts: [n, j, i] = (times j is listed before the first -1) *
    (i is not listed)."""
    n = target.shape[0]
    listed = np.zeros((n, c))
    for r in range(n):
        for v in target[r]:
            if v < 0:
                break
            listed[r, v] += 1
    return listed[:, :, None] * (listed[:, None, :] == 0)


@autocast_op("multilabel_margin_loss")
def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-class multi-label hinge loss: for each sample, the sum over listed classes j and
    unlisted classes i of max(0, 1 - (x[j] - x[i])), divided by C. ``target`` holds class
    indices, read up to the first -1.

    Shape:
        input (C) or (N, C); target of the same shape, int64; output () or (N) with 'none'.
    """
    reduction = _prep(size_average, reduce, reduction)
    if input.ndim > 2 or tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"multilabel_margin_loss: expected input of shape (C) or (N, C) and "
                           f"a target of the same shape, got input {tuple(input.shape)} and "
                           f"target {tuple(target.shape)}")
    x = input.reshape(-1, input.shape[-1]) if input.ndim else input.reshape(1, 1)
    c = x.shape[1]
    t = np.asarray(target.detach().cpu().numpy()).reshape(x.shape[0], c)
    if t.size and (t.max() >= c or t.min() < -1):
        raise RuntimeError("multilabel_margin_loss: argument #2 'target' is out of range")
    w = Tensor._wrap(x.xp.asarray(_multilabel_weights(t, c), dtype=x.array.dtype))
    hinge = _ops.relu(1 - x.unsqueeze(-1) + x.unsqueeze(-2))  # [n, j, i]: 1 - (x_j - x_i)
    loss = (hinge * w).sum((-1, -2)) / c
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) for any distance ``d``
    (default ``pairwise_distance``); ``swap`` uses min(d(a, n), d(p, n)) as the negative
    distance."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
            f"negative {negative.ndim}D inputs")
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = _ops.minimum(d_neg, dist(positive, negative))
    return _reduce(_ops.relu(margin + d_pos - d_neg), reduction)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distance between every pair of rows i < j of ``input`` (N, M), in row-major
    order of the pairs: output (N (N - 1) / 2,). The gradient at a zero distance is 0."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    if i.size == 0:
        return input.reshape(-1)[:0]  # empty, still on the graph (as PyTorch)
    xp = input.xp
    rows = Tensor._wrap(xp.asarray(i, dtype=xp.int64))
    cols = Tensor._wrap(xp.asarray(j, dtype=xp.int64))
    diff = _ops.index_select(input, 0, rows) - _ops.index_select(input, 0, cols)
    y = _ops.norm(diff, math.inf if p == math.inf else p, -1)
    if p == 0 and diff.requires_grad:  # a count: zero gradient, as PyTorch's (not none)
        y = y + (diff * 0).sum(-1)
    return y


__all__ = ["multilabel_margin_loss", "pdist", "triplet_margin_with_distance_loss"]
