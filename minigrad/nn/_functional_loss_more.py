"""Margin, embedding and likelihood losses of the nn long tail (composites of minigrad ops;
formulas and argument order as ``torch.nn.functional``)."""
from __future__ import annotations

import math

from .._autocast import autocast_op
from .. import creation
from .. import ops as _ops
from ..ops import loss as _loss
from ..tensor import Tensor
from ._functional_loss import _reduce, _reduction


def _prep(size_average, reduce, reduction):
    reduction = _reduction(size_average, reduce, reduction)
    _loss.check_reduction(reduction)
    return reduction


def _log1pexp(z: Tensor) -> Tensor:
    """log(1 + exp(z)), exact for every z (no overflow, no linear cut-off)."""
    return _ops.relu(z) + _ops.log1p(_ops.exp(-z.abs()))


@autocast_op("margin_ranking_loss")
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin), target in {1, -1}."""
    reduction = _prep(size_average, reduce, reduction)
    return _reduce(_ops.relu(-target * (input1 - input2) + margin), reduction)


@autocast_op("hinge_embedding_loss")
def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """input where target == 1, max(0, margin - input) where target == -1."""
    reduction = _prep(size_average, reduce, reduction)
    out = _ops.where(target != 1, _ops.relu(margin - input), 0.0) + \
        _ops.where(target != -1, input, 0.0)
    return _reduce(out, reduction)


@autocast_op("soft_margin_loss")
def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input)), target in {1, -1}."""
    reduction = _prep(size_average, reduce, reduction)
    return _reduce(_log1pexp(-target * input), reduction)


@autocast_op("cosine_embedding_loss")
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1.

    Shape:
        input1, input2 (N, D) or (D,); target (N,) or ().
    """
    reduction = _prep(size_average, reduce, reduction)
    eps = 1e-12  # PyTorch's EPSILON inside the magnitudes
    prod = (input1 * input2).sum(-1)
    mag = ((input1 * input1).sum(-1) + eps) * ((input2 * input2).sum(-1) + eps)
    cos = prod / mag.sqrt()
    out = _ops.where(target == 1, 1 - cos, 0.0) + \
        _ops.where(target == -1, _ops.relu(cos - margin), 0.0)
    return _reduce(out, reduction)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim."""
    return _ops.norm(x1 - x2 + eps, p, -1, keepdim=keepdim)


@autocast_op("triplet_margin_loss")
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the pairwise distance
    (with ``swap``, the smaller of d(a, n) and d(p, n))."""
    reduction = _prep(size_average, reduce, reduction)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _ops.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(_ops.relu(margin + d_pos - d_neg), reduction)


@autocast_op("poisson_nll_loss")
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target`` under Poisson(rate): exp(input) - target * input
    (``log_input``) or input - target * log(input + eps); ``full`` adds Stirling's term
    target * log(target) - target + log(2 pi target) / 2 where target > 1."""
    reduction = _prep(size_average, reduce, reduction)
    if log_input:
        loss = _ops.exp(input) - target * input
    else:
        loss = input - target * _ops.log(input + eps)
    if full:
        t = target.detach()
        safe = _ops.where(t > 1, t, 1.0)
        stirling = safe * _ops.log(safe) - safe + 0.5 * _ops.log(2 * math.pi * safe)
        loss = loss + _ops.where(t > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target`` under N(input, var): (log(max(var, eps)) +
    (input - target)**2 / max(var, eps)) / 2 (+ log(2 pi) / 2 with ``full``). The clamp is
    not differentiated (the gradient passes as if var were unclamped), as in PyTorch.

    Shape:
        input (N, *); target like input; var like input, or with one dim fewer, or with its
        last dim 1 (one variance per sample), or a float.
    """
    _loss.check_reduction(reduction)
    if not isinstance(var, Tensor):
        var = creation.full_like(input, float(var))
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if bool((var.detach() < 0).any().item()):
        raise ValueError("var has negative entry/entries")
    var = var + (var.detach().clamp(min=eps) - var.detach())
    loss = 0.5 * (_ops.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Per sample, the class mean of -(y log sigmoid(x) + (1 - y) log sigmoid(-x)).

    Shape:
        input, target (N, C) (target in {0, 1}); output (N,) with reduction='none'.
    """
    reduction = _prep(size_average, reduce, reduction)
    loss = target * _log1pexp(-input) + (1 - target) * _log1pexp(input)
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(-1) / input.shape[-1]
    return _reduce(loss, reduction)


@autocast_op("multi_margin_loss")
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: per sample, sum over j != y of
    max(0, margin - x[y] + x[j]) ** p (times weight[y]), divided by the number of classes.

    Shape:
        input (N, C) or (C,); target (N,) or () class indices.
    """
    reduction = _prep(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    y = target.reshape(-1, 1).long()
    x_y = x.gather(1, y)
    terms = _ops.relu(margin - x_y + x)
    if p == 2:
        terms = terms * terms
    if weight is not None:
        terms = terms * weight[y.reshape(-1)].reshape(-1, 1)
    own = Tensor._wrap(x.xp.arange(x.shape[1])[None, :] == y.array)
    loss = _ops.where(own, 0.0, terms).sum(1) / x.shape[1]
    if input.ndim != 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


__all__ = ["cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss",
           "margin_ranking_loss", "multi_margin_loss", "multilabel_soft_margin_loss",
           "pairwise_distance", "poisson_nll_loss", "soft_margin_loss", "triplet_margin_loss"]
