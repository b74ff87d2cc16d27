"""Loss functions and scaled dot-product attention (the ``torch.nn.functional`` faces).

Cross-entropy over class indices and BCE-with-logits call the fused, stable primitives of
``minigrad.ops.loss``; the rest are composites of ops. ``size_average``/``reduce`` are
PyTorch's deprecated arguments, mapped onto ``reduction`` as PyTorch does.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._autocast import autocast_op
from ..dtypes import is_floating_np as _isfloat
from .. import ops as _ops
from ..ops import attention as _attention
from ..ops import loss as _loss
from ..tensor import Tensor
from ._functional_layers import dropout


def _reduction(size_average, reduce, reduction):
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "none" if not reduce else ("mean" if size_average else "sum")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _pointwise_pair(input, target, name):
    """Broadcast input/target like PyTorch: warn when the sizes differ, raise when they
    cannot broadcast (naming both shapes)."""
    if tuple(input.shape) == tuple(target.shape):
        return input, target
    try:
        np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
    except ValueError:
        raise RuntimeError(
            f"{name}: the size of input {tuple(input.shape)} and target {tuple(target.shape)} do "
            "not match and cannot be broadcast"
        ) from None
    warnings.warn(
        f"Using a target size ({tuple(target.shape)}) that is different to the input size "
        f"({tuple(input.shape)}). This will likely lead to incorrect results due to "
        "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=3,
    )
    return input, target


@autocast_op("mse_loss")
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error: (input - target)^2, reduced. ``weight`` (input's shape) scales
    each element; its 'mean' is then the weighted mean, sum(w * e) / sum(w)."""
    reduction = _reduction(size_average, reduce, reduction)
    _loss.check_reduction(reduction)
    shape = tuple(input.shape)
    input, target = _pointwise_pair(input, target, "mse_loss")
    d = input - target
    return _weighted(d * d, weight, shape, reduction)


def _weighted(e: Tensor, weight: Tensor | None, shape, reduction: str) -> Tensor:
    if weight is None:
        return _reduce(e, reduction)
    if tuple(weight.shape) != shape:
        raise ValueError("Weights and input must have the same size.")
    e = e * weight
    return e.sum() / weight.sum() if reduction == "mean" else _reduce(e, reduction)


@autocast_op("l1_loss")
def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error: |input - target|, reduced (``weight`` as in :func:`mse_loss`)."""
    reduction = _reduction(size_average, reduce, reduction)
    _loss.check_reduction(reduction)
    shape = tuple(input.shape)
    input, target = _pointwise_pair(input, target, "l1_loss")
    return _weighted((input - target).abs(), weight, shape, reduction)


@autocast_op("smooth_l1_loss")
def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""
    reduction = _reduction(size_average, reduce, reduction)
    _loss.check_reduction(reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    input, target = _pointwise_pair(input, target, "smooth_l1_loss")
    a = (input - target).abs()
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(_ops.where(a.detach() < beta, a * a * (0.5 / beta), a - 0.5 * beta), reduction)


@autocast_op("huber_loss")
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target)."""
    _loss.check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta, got "
                           f"{delta}")
    input, target = _pointwise_pair(input, target, "huber_loss")
    a = (input - target).abs()
    loss = _ops.where(a.detach() < delta, a * a * 0.5, (a - 0.5 * delta) * delta)
    return _reduce(loss if weight is None else loss * weight, reduction)


@autocast_op("cross_entropy")
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and class indices or class probabilities.

    Args:
        input: logits (C), (N, C) or (N, C, d1, ...).
        target: int64 class indices (), (N) or (N, d1, ...); or float class probabilities
            of the input's shape.
        weight: optional (C,) class weights.
        ignore_index: class-index targets equal to it are skipped (in the mean, too).
        reduction: 'none' | 'mean' | 'sum'. With class indices and weights, 'mean' divides
            by the summed weights of the non-ignored targets.
        label_smoothing: in [0, 1]: the target becomes (1 - e) * target + e / C.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not _isfloat(target.array.dtype) or tuple(target.shape) != tuple(input.shape):
        return _loss.cross_entropy_loss(input, target, weight, ignore_index, reduction,
                                        label_smoothing)
    _loss.check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    cdim = 1 if input.ndim >= 2 else 0
    c = input.shape[cdim]
    logp = input.log_softmax(cdim)
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / c
    if weight is not None:
        if tuple(weight.shape) != (c,):
            raise RuntimeError(f"cross_entropy: weight should have shape ({c},) for input of shape "
                               f"{tuple(input.shape)}, but got {tuple(weight.shape)}")
        logp = logp * weight.reshape((c,) + (1,) * (input.ndim - cdim - 1))
    loss = -(logp * target).sum(cdim)
    return _reduce(loss, reduction)


@autocast_op("nll_loss")
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` at class indices ``target``:
    -weight[t] * input[n, t]; 'mean' divides by the summed weights of non-ignored targets."""
    reduction = _reduction(size_average, reduce, reduction)
    _loss.check_reduction(reduction)
    x, y = _loss.check_class_targets(input, target, weight, ignore_index, "nll_loss")
    xp = x.xp
    wy = _loss.target_weights(y, weight, ignore_index, x)
    # x[n, t[n], ...] gathered (its gradient scatters back): O(N) forward, not a dense
    # one-hot over the classes (a 30k-word vocabulary made that most of an LM step)
    t = Tensor._wrap(xp.where(y != ignore_index, y, 0)[:, None])
    loss = -(_ops.gather(x, 1, t).squeeze(1) * Tensor._wrap(wy))
    if reduction == "none":
        return loss[0] if input.ndim == 1 else loss
    if reduction == "sum":
        return loss.sum()
    return _loss.weighted_mean(loss, wy)


@autocast_op("binary_cross_entropy")
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """-weight * (t log(x) + (1 - t) log(1 - x)) for probabilities x; each log is clamped
    at -100 as in PyTorch, so x = 0 or 1 gives a finite loss."""
    reduction = _reduction(size_average, reduce, reduction)
    _loss.check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({tuple(target.shape)}) that is different to the input size "
            f"({tuple(input.shape)}) is deprecated. Please ensure they have the same size."
        )
    xd = input.array
    if ((xd < 0) | (xd > 1)).any():
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    loss = -(target * _clamped_log(input) + (1 - target) * _clamped_log(1 - input))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _clamped_log(x):
    """max(log(x), -100) with a zero (not nan) gradient where clamped."""
    xd, xp = x.array, x.xp
    pos = xd > 0
    keep = Tensor._wrap(pos & (xp.log(xp.where(pos, xd, 1)) > -100))
    return _ops.where(keep, _ops.where(keep, x, 1.0).log(), -100.0)


@autocast_op("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable op
    (``ops.binary_cross_entropy_with_logits``)."""
    reduction = _reduction(size_average, reduce, reduction)
    return _loss.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)


@autocast_op("kl_div")
def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Pointwise KL divergence, ``input`` being log-probabilities:
    target * (log(target) - input) (0 where target == 0), or with ``log_target``
    exp(target) * (target - input). 'batchmean' divides the sum by the batch size."""
    reduction = _reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction!r} is not a valid value for reduction; valid values are "
                         "'none', 'mean', 'batchmean', 'sum'")
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.", UserWarning, stacklevel=2,
        )
    try:
        np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
    except ValueError:
        raise RuntimeError(f"kl_div: input of shape {tuple(input.shape)} and target of shape "
                           f"{tuple(target.shape)} cannot be broadcast") from None
    if log_target:
        loss = target.exp() * (target - input)
    else:
        pos = Tensor._wrap(target.array > 0)
        xlogy = _ops.where(pos, target * _ops.where(pos, target, 1.0).log(), 0.0)
        loss = xlogy - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


@autocast_op("scaled_dot_product_attention")
def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value.

    Args:
        query: (..., L, E); key: (..., S, E); value: (..., S, Ev).
        attn_mask: bool (True = attend) or float (added to the scores), broadcastable to
            (..., L, S).
        dropout_p: dropout on the attention weights (always applied when > 0, as PyTorch).
        is_causal: attend only to positions j <= i (no attn_mask allowed with it).
        scale: defaults to 1 / sqrt(E).
        enable_gqa: key and value may have fewer heads (dim -3) than query, each serving
            ``Hq / Hkv`` consecutive query heads.

    A query row whose keys are all masked out gets zero weights (PyTorch's safe softmax),
    not NaN.
    """
    if enable_gqa:  # grouped-query attention: each key/value head serves a group of queries
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hk != hv or hq % hk:
            raise RuntimeError(
                "scaled_dot_product_attention: with enable_gqa=True the number of query heads "
                f"({hq}) must be a multiple of the key/value heads (key {hk}, value {hv})")
        if hq != hk:
            key = key.repeat_interleave(hq // hk, -3)
            value = value.repeat_interleave(hq // hk, -3)
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention: explicit attn_mask should not be set "
                           "when is_causal=True")
    keep = bias = None
    if is_causal:
        keep = query.xp.tril(query.xp.ones((query.shape[-2], key.shape[-2]), dtype=bool))
    elif attn_mask is not None and attn_mask.array.dtype.kind == "b":
        keep = attn_mask.array
    elif attn_mask is not None:
        bias = attn_mask
    return attention(query, key, value, keep, bias, dropout_p, scale)[0]


def attention(query, key, value, keep=None, bias=None, dropout_p=0.0, scale=None):
    """(softmax(q k^T * scale + bias, only where ``keep``) @ v, the weights): the core of
    ``scaled_dot_product_attention`` and ``MultiheadAttention``. ``keep`` is a bool array,
    ``bias`` a float Tensor; both broadcast to (..., L, S). Rows with no key kept get zero
    weights (and zero gradient), not NaN."""
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2 or query.shape[-1] != key.shape[-1] \
            or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"attention: expected query (..., L, E), key (..., S, E) and value (..., S, Ev), got "
            f"{tuple(query.shape)}, {tuple(key.shape)} and {tuple(value.shape)}"
        )
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = _ops.matmul(query, key.transpose(-2, -1))
    if bias is not None:
        # scaled before the bias, as in the composite softmax(q k^T * scale + bias)
        scores = scores * scale + bias.to(scores.dtype)
        scale = 1.0
    attn = _attention.scaled_masked_softmax(scores, scale, keep)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, training=True)
    return _ops.matmul(attn, value), attn


__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "cross_entropy", "nll_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
    "scaled_dot_product_attention",
]
