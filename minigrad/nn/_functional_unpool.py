"""``F.max_unpool1d`` / ``F.max_unpool2d``: the partial inverse of max pooling (each value
goes back to the position its index names; zeros elsewhere). A composite of ``scatter``."""
from __future__ import annotations

from .._autocast import autocast_op
from .. import ops as _ops


def _unpool(name, nd, input, indices, kernel_size, stride, padding, output_size):
    def tup(v):
        return (v,) * nd if isinstance(v, int) else tuple(v)

    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: expected a {nd + 1}D or {nd + 2}D input, got shape "
                           f"{tuple(input.shape)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{name}: expected indices of the input's shape {tuple(input.shape)}, "
                           f"got {tuple(indices.shape)}")
    k = tup(kernel_size)
    s = k if stride is None else tup(stride)
    p = tup(padding)
    spatial = tuple(input.shape[-nd:])
    default = tuple((i - 1) * st - 2 * pp + kk for i, st, pp, kk in zip(spatial, s, p, k))
    if output_size is None:
        out = default
    else:
        out = tuple(output_size)[-nd:]
        if len(out) != nd:
            raise ValueError(f"{name}: output_size must have {nd} (or {nd + 2}) elements, got "
                             f"{tuple(output_size)}")
        for o, d, st in zip(out, default, s):
            if not d - st < o < d + st:
                raise ValueError(f"{name}: invalid output_size {tuple(output_size)} (it must be "
                                 f"within a stride of the default size {default})")
    lead = tuple(input.shape[:-nd])
    n_out = 1
    for o in out:
        n_out *= o
    flat_in = input.reshape(lead + (-1,))
    flat_idx = indices.reshape(lead + (-1,))
    zeros = flat_in.new_zeros(lead + (n_out,))
    return _ops.scatter(zeros, -1, flat_idx, flat_in).reshape(lead + out)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Place each value of ``input`` (N, C, L) at its ``indices`` (from ``max_pool1d(...,
    return_indices=True)``) in a zero (N, C, L_out); L_out = (L - 1) * stride - 2 * padding
    + kernel_size unless ``output_size`` says otherwise."""
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


@autocast_op("max_unpool2d")
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Place each value of ``input`` (N, C, H, W) at its flat ``indices`` into the (H_out,
    W_out) plane (from ``max_pool2d(..., return_indices=True)``); zeros elsewhere."""
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


__all__ = ["max_unpool1d", "max_unpool2d"]
