"""``F.linear_cross_entropy`` (PyTorch 2.13): cross entropy of ``linear(input, weight)``.

minigrad computes PyTorch's reference path (``options=None``): the logits, then
``cross_entropy``. A ``LinearCrossEntropyOptions`` is accepted (checked) and gives the same
values; its batch chunking, a memory saving of PyTorch's kernel, is not done here.
"""
from __future__ import annotations

import math

from ..tensor import Tensor
from ._functional_layers import linear
from ._functional_loss import cross_entropy


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *,
                         linear_bias: Tensor | None = None, weight: Tensor | None = None,
                         reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options=None) -> Tensor:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``.

    Args:
        input: (in_features) or (N, in_features).
        linear_weight: (C, in_features), or (C, d_1, ..., d_K, in_features) for a
            K-dimensional loss (batched input only).
        target: class indices () / (N) / (N, d_1, ..., d_K), or class probabilities of the
            logits' shape (then ``ignore_index`` must be None).
        linear_bias: (C) or (C, d_1, ..., d_K).
        weight, reduction, label_smoothing: as ``cross_entropy``; ``ignore_index`` None
            means -100.
        options: a ``LinearCrossEntropyOptions`` or None (same result).
    """
    from .linear_cross_entropy import LinearCrossEntropyOptions

    if options is not None and not isinstance(options, LinearCrossEntropyOptions):
        raise TypeError(f"options must be a LinearCrossEntropyOptions or None, got "
                        f"{type(options).__name__}")
    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got "
                           f"{linear_weight.ndim}")
    batch = tuple(input.shape[:-1])
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions "
                           f"(in_features), got {input.shape[-1]} and "
                           f"{linear_weight.shape[-1]}, respectively")
    num_classes = linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batch:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape "
                           f"{tuple(linear_weight.shape)} requires batched input, "
                           f"(N, {in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*batch, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains "
                           "probabilities")
    ignore_index = -100 if ignore_index is None else ignore_index
    if out_features:
        flat = math.prod(out_features, start=num_classes)
        linear_weight = linear_weight.reshape(flat, in_features)
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(flat)
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=ignore_index, label_smoothing=label_smoothing)


__all__ = ["linear_cross_entropy"]
