"""Functional normalizations of the nn long tail: ``rms_norm``, ``instance_norm`` and
``local_response_norm`` (``batch_norm``/``layer_norm``/``group_norm`` live in
``_functional_layers``). Composites of minigrad ops; no backward code."""
from __future__ import annotations

from .._autocast import autocast_op
from collections.abc import Sequence

from .. import backend
from .. import ops as _ops
from ..autograd.grad_mode import no_grad
from ..ops.normalization import standardize
from ..tensor import Tensor
from ._functional_layers import _channel_shape


@autocast_op("rms_norm")
def rms_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x**2) + eps) over the trailing ``normalized_shape`` dims, times
    ``weight``; ``eps`` defaults to the machine epsilon of the input's dtype.

    Shape:
        input (*, *normalized_shape); weight normalized_shape; output as input.
    """
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape "
                           f"[*{', '.join(map(str, ns))}], but got input of size"
                           f"{list(input.shape)}")
    if eps is None:
        eps = float(backend.np.finfo(input.array.dtype).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    y = input * _ops.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    return y if weight is None else y * weight


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dims; then a per-channel
    scale and shift.

    With ``use_input_stats`` the per-instance statistics are used and the running ones (when
    given) move towards their batch average (the variance unbiased), as in PyTorch;
    otherwise the running statistics are used.

    Shape:
        input (N, C, *); running stats, weight, bias (C,); output as input.
    """
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected input (N, C, *) with spatial dims, got shape "
                         f"{tuple(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    spatial = input.numel() // max(n * c, 1)
    cshape = _channel_shape(input)
    if use_input_stats:
        if spatial <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {list(input.shape)}")
        stats = {}
        y = standardize(input, tuple(range(2, input.ndim)), eps, stats=stats)
        with no_grad():
            if running_mean is not None:
                mean = Tensor._wrap(stats["mean"].reshape(n, c).mean(0))
                running_mean.mul_(1 - momentum).add_(mean.to(running_mean.dtype),
                                                     alpha=momentum)
            if running_var is not None:
                var = stats["var"].reshape(n, c).mean(0) * (spatial / (spatial - 1))
                running_var.mul_(1 - momentum).add_(Tensor._wrap(var).to(running_var.dtype),
                                                    alpha=momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        y = (input - running_mean.reshape(cshape)) * (running_var.reshape(cshape) + eps).rsqrt()
    if weight is not None:
        y = y * weight.reshape(cshape)
    if bias is not None:
        y = y + bias.reshape(cshape)
    return y


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x**2 over ``size`` neighbouring channels) ** beta (the window
    is zero-padded at the channel ends, as in PyTorch).

    Shape:
        input (N, C, *) with at least 3 dims; output as input.
    """
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = (input * input).movedim(1, -1)
    sq = _ops.pad(sq, (size // 2, (size - 1) // 2))
    acc = sq[..., 0:c]
    for i in range(1, size):
        acc = acc + sq[..., i:i + c]
    div = (acc.movedim(-1, 1) * (alpha / size) + k) ** beta
    return input / div


__all__ = ["instance_norm", "local_response_norm", "rms_norm"]
