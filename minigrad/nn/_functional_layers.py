"""Functional forms of the basic layers, activations and normalizations.

Everything here is a composite of minigrad ops (no backward code): gradients, and second
derivatives where the ops have them, come from the ops.
"""
from __future__ import annotations

import builtins
import warnings
from .._autocast import autocast_op
from collections.abc import Sequence

from .. import ops as _ops
from .. import random as _random
from ..autograd.grad_mode import no_grad
from ..ops import inplace as _inplace
from ..ops.normalization import layer_norm_fused, standardize
from ..tensor import Tensor

# ---- linear ---------------------------------------------------------------------------------


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = input @ weight.T + bias.

    Shape:
        input (*, in_features), weight (out_features, in_features), bias (out_features,);
        output (*, out_features).
    """
    return _ops.linalg.linear(input, weight, bias)  # one fused primitive


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y[..., k] = input1 @ weight[k] @ input2 + bias[k].

    Shape:
        input1 (*, in1), input2 (*, in2), weight (out, in1, in2); output (*, out).
    """
    out_f, in1, in2 = weight.shape
    if input1.shape[-1] != in1 or input2.shape[-1] != in2 or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            f"bilinear: input1 {tuple(input1.shape)} and input2 {tuple(input2.shape)} don't match "
            f"weight {tuple(weight.shape)} (expected (*, {in1}) and (*, {in2}))"
        )
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # (N, in1) @ (in1, out*in2) -> (N, out, in2), then contract in2 against input2
    w = _ops.permute(weight, 1, 0, 2).reshape(in1, out_f * in2)
    t = _ops.matmul(x1, w).reshape(-1, out_f, in2)
    y = _ops.matmul(t, x2.unsqueeze(-1)).reshape(*lead, out_f)
    return y if bias is None else y + bias


# ---- activations ---------------------------------------------------------------------------


def _maybe_inplace(input, inplace, name, fn):
    if inplace:
        return _inplace.apply_(input, name, fn)
    return fn(input)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, "relu_", _ops.relu)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, "leaky_relu_",
                          lambda x: _ops.leaky_relu(x, negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, "elu_", lambda x: _ops.elu(x, alpha))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, "selu_", _ops.selu)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate argument must be either none or tanh, got {approximate!r}")
    return _ops.gelu(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, "silu_", _ops.silu)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, "mish_", _ops.mish)


@autocast_op("softplus")
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return _ops.softplus(input, beta, threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _maybe_inplace(input, inplace, "hardtanh_",
                          lambda x: _ops.hardtanh(x, min_val, max_val))


def tanh(input: Tensor) -> Tensor:
    return _ops.tanh(input)


def sigmoid(input: Tensor) -> Tensor:
    return _ops.sigmoid(input)


def _softmax_dim(ndim, name):
    # PyTorch's legacy implicit dim, with its warning
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim(input.ndim, "softmax")
    if dtype is not None:
        input = input.to(dtype)
    return _ops.softmax(input, dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim(input.ndim, "log_softmax")
    if dtype is not None:
        input = input.to(dtype)
    return _ops.log_softmax(input, dim)


# ---- normalization -------------------------------------------------------------------------


def _channel_shape(x: Tensor):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) over the batch and spatial dims.

    In training mode the batch statistics are used and, when given, ``running_mean`` /
    ``running_var`` are updated in place: ``r = (1 - momentum) * r + momentum * stat``, with
    the unbiased batch variance (as PyTorch). Otherwise the running statistics are used.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input with at least 2 dims (N, C, *), got shape "
                         f"{tuple(input.shape)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"batch_norm: {name} should have shape ({c},) to match input of "
                               f"shape {tuple(input.shape)}, got {tuple(t.shape)}")
    cshape = _channel_shape(input)
    if training:
        axes = (0,) + tuple(range(2, input.ndim))
        n = input.numel() // c
        if n <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {list(input.shape)}")
        stats = {}
        y = standardize(input, axes, eps, stats=stats)
        with no_grad():
            if running_mean is not None:
                mean = Tensor._wrap(stats["mean"].reshape(c))
                running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype),
                                                     alpha=momentum)
            if running_var is not None:
                var = Tensor._wrap(stats["var"].reshape(c) * (n / (n - 1)))  # unbiased
                running_var.mul_(1 - momentum).add_(var.to(running_var.dtype), alpha=momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when "
                               "training=False")
        y = (input - running_mean.reshape(cshape)) * (running_var.reshape(cshape) + eps).rsqrt()
    if weight is not None:
        y = y * weight.reshape(cshape)
    if bias is not None:
        y = y + bias.reshape(cshape)
    return y


@autocast_op("layer_norm")
def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims, then scale and shift."""
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != ns:
        raise RuntimeError(
            f"layer_norm: normalized_shape {list(ns)} doesn't match the trailing dims of input of "
            f"shape {tuple(input.shape)}"
        )
    dt = input.array.dtype
    if dt.kind == "f" and all(t is None or (tuple(t.shape) == ns and t.array.dtype == dt)
                              for t in (weight, bias)):
        return layer_norm_fused(input, k, weight, bias, eps)
    y = standardize(input, tuple(range(input.ndim - k, input.ndim)), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


@autocast_op("group_norm")
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the channels (dim 1) into ``num_groups`` groups and normalise each group over its
    channels and spatial dims, per sample; then a per-channel scale and shift."""
    if input.ndim < 2 or input.shape[1] % num_groups != 0:
        raise RuntimeError(
            f"group_norm: expected input (N, C, *) with C divisible by num_groups={num_groups}, "
            f"got shape {tuple(input.shape)}"
        )
    x = input.reshape(input.shape[0], num_groups, -1)
    y = standardize(x, 2, eps).reshape(input.shape)
    cshape = _channel_shape(input)
    if weight is not None:
        y = y * weight.reshape(cshape)
    if bias is not None:
        y = y + bias.reshape(cshape)
    return y


# ---- dropout, embedding, misc --------------------------------------------------------------


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) (training
    only; identity otherwise)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        mask = input.xp.zeros(input.shape, dtype=input.array.dtype)
    else:
        keep = _random.sample("bernoulli", input.shape, input.array.dtype, input.device, 1.0 - p)
        mask = keep * (1.0 / (1.0 - p))
    m = Tensor._wrap(mask.astype(input.array.dtype, copy=False))
    if inplace:
        return _inplace.mul_(input, m)
    return input * m


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm=None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input``; output shape input.shape + (dim,).
    The row ``padding_idx`` gets no gradient; ``max_norm`` renormalizes the rows used in
    place first; ``scale_grad_by_freq`` divides each row's gradient by its index's count."""
    if sparse:
        raise NotImplementedError("embedding: sparse=True (sparse gradients) is not supported "
                                  "by minigrad: arrays are dense; use sparse=False")
    if input.array.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected an integer index tensor, got {input.dtype}")
    num = weight.shape[0]
    # checked on the CPU only: on the GPU reading min/max back would synchronise every step
    # one bool read (not two ints): a compiled program re-checks it at every replay
    a = input.array
    if input.numel() and not input.is_cuda and bool((a.min() < 0) | (a.max() >= num)):
        raise IndexError(f"embedding: index out of range in self (indices must be in [0, {num}), "
                         f"got min {int(input.array.min())}, max {int(input.array.max())})")
    if max_norm is not None or scale_grad_by_freq:
        from ._embedding_common import host_indices, renorm_rows_, scale_grad_by_freq_

        host = host_indices(input)
    if max_norm is not None:
        renorm_rows_(weight, host.reshape(-1), max_norm, norm_type)
    out = weight[input]
    if scale_grad_by_freq:
        scale_grad_by_freq_(out, host, host.reshape(-1))
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += num
        # same values; the gradient of the padding row is blocked by taking it detached
        # (tensor ops on the indices, so that ONNX export computes the mask)
        keep = (input != padding_idx).unsqueeze(-1)
        out = _ops.where(keep, out, out.detach())
    return out


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: output shape tensor.shape + (num_classes,)."""
    if tensor.array.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of integer dtype, got "
                           f"{tensor.dtype}")
    xp, a = tensor.xp, tensor.array
    if a.size and int(a.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if a.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    elif a.size and int(a.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (a[..., None] == xp.arange(num_classes)).astype(xp.int64)
    return Tensor._wrap(out)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None):
    """Pad the last ``len(pad) // 2`` dims: (left, right, top, bottom, ...)."""
    return _ops.pad(input, pad, mode=mode, value=value)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out=None) -> Tensor:
    """input / max(||input||_p over dim, eps); ``out`` (a Tensor of the result's shape)
    receives the result in place and is returned."""
    denom = _ops.norm(input, p, dim, keepdim=True).clamp(min=eps)
    if out is None:
        return input / denom
    return out.copy_(input / denom)


@autocast_op("cosine_similarity")
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (after
    broadcasting), as PyTorch computes it."""
    shape = _broadcast_shape(x1.shape, x2.shape)
    x1, x2 = x1.broadcast_to(shape), x2.broadcast_to(shape)
    n1 = _ops.norm(x1, 2, dim, keepdim=True).clamp(min=eps)
    n2 = _ops.norm(x2, 2, dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def _broadcast_shape(a, b):
    nd = builtins.max(len(a), len(b))
    a, b = (1,) * (nd - len(a)) + tuple(a), (1,) * (nd - len(b)) + tuple(b)
    out = []
    for i, j in zip(a, b):
        if i != j and 1 not in (i, j):
            raise RuntimeError(f"shapes {tuple(a)} and {tuple(b)} are not broadcastable")
        out.append(builtins.max(i, j))
    return tuple(out)


__all__ = [
    "batch_norm",
    "bilinear",
    "cosine_similarity",
    "dropout",
    "elu",
    "embedding",
    "gelu",
    "group_norm",
    "hardtanh",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "mish",
    "normalize",
    "one_hot",
    "pad",
    "relu",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
]
