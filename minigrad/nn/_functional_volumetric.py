"""3-D (volumetric) convolutions and pooling as composites over the 2-D ops: the depth axis
is folded into the batch and the kernel's depth taps are summed (convolution) or reduced
(pooling), so gradients and second derivatives come from the 2-D primitives."""
from __future__ import annotations

from .._autocast import autocast_op
from .. import ops as _ops
from ..tensor import Tensor


def _triple(v, name):
    if isinstance(v, int):
        return (v, v, v)
    v = tuple(v)
    if len(v) != 3:
        raise ValueError(f"{name} must be an int or a tuple of 3 ints, got {v!r}")
    return v


def _batched(input: Tensor, name: str):
    if input.ndim not in (4, 5):
        raise RuntimeError(f"{name}: Expected 4D (unbatched) or 5D (batched) input, but got "
                           f"input of size: {list(input.shape)}")
    return (input, False) if input.ndim == 5 else (input.unsqueeze(0), True)


def _depth_taps(x: Tensor, k: int, s: int, d: int, out: int):
    """The k depth slices x[:, :, i*d + s*t] (t < out), each (N, C, out, H, W)."""
    return [x[:, :, i * d: i * d + s * (out - 1) + 1: s] for i in range(k)]


def _fold_depth(x: Tensor) -> Tensor:
    """(N, C, D, H, W) -> (N * D, C, H, W)."""
    n, c, dd, h, w = x.shape
    return x.permute(0, 2, 1, 3, 4).reshape(n * dd, c, h, w)


def _unfold_depth(y: Tensor, n: int) -> Tensor:
    """(N * D, C, H, W) -> (N, C, D, H, W)."""
    return y.reshape(n, -1, *y.shape[1:]).permute(0, 2, 1, 3, 4)


@autocast_op("conv3d")
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """3-D convolution (cross-correlation), as ``torch.nn.functional.conv3d``.

    Shape:
        input (N, C_in, D, H, W) or unbatched; weight (C_out, C_in / groups, kd, kh, kw);
        output (N, C_out, D_out, H_out, W_out), D_out = (D + 2 p - dil (kd - 1) - 1) // s + 1.
    """
    x, unbatched = _batched(input, "conv3d")
    if weight.ndim != 5:
        raise RuntimeError(f"conv3d: expected a 5-D weight, got shape {list(weight.shape)}")
    (sd, sh, sw), (dd, dh, dw) = _triple(stride, "stride"), _triple(dilation, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            pd, ph, pw = 0, 0, 0
        elif padding == "same":
            if (sd, sh, sw) != (1, 1, 1):
                raise ValueError("conv3d: padding='same' is not supported for strided "
                                 "convolutions")
            k = weight.shape[2:]
            tot = [di * (ki - 1) for di, ki in zip((dd, dh, dw), k)]
            x = _ops.pad(x, (tot[2] // 2, tot[2] - tot[2] // 2, tot[1] // 2,
                             tot[1] - tot[1] // 2, tot[0] // 2, tot[0] - tot[0] // 2))
            pd, ph, pw = 0, 0, 0
        else:
            raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                             "{'valid', 'same'}")
    else:
        pd, ph, pw = _triple(padding, "padding")
    kd = weight.shape[2]
    if pd:
        x = _ops.pad(x, (0, 0, 0, 0, pd, pd))
    n, depth = x.shape[0], x.shape[2]
    out_d = (depth - dd * (kd - 1) - 1) // sd + 1
    if out_d < 1:
        raise RuntimeError(f"conv3d: the kernel's depth ({dd * (kd - 1) + 1}) is larger than "
                           f"the padded input's ({depth})")
    y = None
    for i, xi in enumerate(_depth_taps(x, kd, sd, dd, out_d)):
        yi = _ops.conv2d(_fold_depth(xi), weight[:, :, i], None, (sh, sw), (ph, pw), (dh, dw),
                         groups)
        y = yi if y is None else y + yi
    y = _unfold_depth(y, n)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1, 1)
    return y[0] if unbatched else y


@autocast_op("conv_transpose3d")
def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """3-D transposed convolution (the gradient of conv3d with respect to its input).

    Shape:
        input (N, C_in, D, H, W) or unbatched; weight (C_in, C_out / groups, kd, kh, kw);
        D_out = (D - 1) s - 2 p + dil (kd - 1) + output_padding + 1.
    """
    x, unbatched = _batched(input, "conv_transpose3d")
    (sd, sh, sw), (dd, dh, dw) = _triple(stride, "stride"), _triple(dilation, "dilation")
    (pd, ph, pw), (od, oh, ow) = (_triple(padding, "padding"),
                                  _triple(output_padding, "output_padding"))
    n, depth, kd = x.shape[0], x.shape[2], weight.shape[2]
    full = (depth - 1) * sd + dd * (kd - 1) + 1 + od
    xf = _fold_depth(x)
    y = None
    for i in range(kd):
        yi = _unfold_depth(_ops.conv_transpose2d(xf, weight[:, :, i], None, (sh, sw), (ph, pw),
                                                 (oh, ow), groups, (dh, dw)), n)
        if sd > 1:  # input step t lands on output depth t * sd: interleave zeros
            zeros = yi.detach() * 0
            yi = _ops.stack([yi] + [zeros] * (sd - 1), 3)
            yi = yi.reshape(yi.shape[0], yi.shape[1], -1, *yi.shape[4:])
            yi = yi[:, :, :(depth - 1) * sd + 1]
        yi = _ops.pad(yi, (0, 0, 0, 0, i * dd, full - i * dd - yi.shape[2]))
        y = yi if y is None else y + yi
    y = y[:, :, pd: full - pd]
    if bias is not None:
        y = y + bias.reshape(1, -1, 1, 1, 1)
    return y[0] if unbatched else y


def _pool_geom(input, kernel_size, stride, padding, dilation, ceil_mode, name):
    k = _triple(kernel_size, "kernel_size")
    s = k if stride is None or stride == [] else _triple(stride, "stride")
    p, d = _triple(padding, "padding"), _triple(dilation, "dilation")
    for ki, pi, di in zip(k, p, d):
        if pi > (di * (ki - 1) + 1) // 2:
            raise RuntimeError(f"{name}: pad should be at most half of effective kernel size, "
                               f"but got pad={pi}, kernel_size={ki} and dilation={di}")
    x, unbatched = _batched(input, name)
    out_d = _pool_out(x.shape[2], k[0], s[0], p[0], d[0], ceil_mode)
    return x, unbatched, k, s, p, d, out_d


def _depth_reduce(y, k, s, p, d, out_d, fill, reduce):
    """Reduce (N, C, D, H, W) over depth windows: pad with ``fill``, take the k taps, reduce."""
    extra = max(0, (out_d - 1) * s + d * (k - 1) + 1 - (y.shape[2] + 2 * p))
    if p or extra:
        y = _ops.pad(y, (0, 0, 0, 0, p, p + extra), value=fill)
    return reduce(_ops.stack(_depth_taps(y, k, s, d, out_d), 0))


@autocast_op("max_pool3d")
def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor:
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W): 2-D max pooling of each depth
    slice, then the maximum over each depth window (max is separable).

    With ``return_indices``, also each maximum's flat index in its (D, H, W) volume.
    """
    if return_indices:
        from ._functional_pool3d import max_pool3d_with_indices

        return max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    x, unbatched, k, s, p, d, out_d = _pool_geom(input, kernel_size, stride, padding, dilation,
                                                 ceil_mode, "max_pool3d")
    n = x.shape[0]
    y = _unfold_depth(_ops.max_pool2d(_fold_depth(x), k[1:], s[1:], p[1:], d[1:], ceil_mode), n)
    y = _depth_reduce(y, k[0], s[0], p[0], d[0], out_d, float("-inf"), lambda t: t.amax(0))
    return y[0] if unbatched else y


@autocast_op("avg_pool3d")
def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W): window sums (separable),
    divided by the window size (``count_include_pad``), the number of input elements in it,
    or ``divisor_override``; windows are clipped to the padded input, as in PyTorch."""
    x, unbatched, k, s, p, d, out_d = _pool_geom(input, kernel_size, stride, padding, 1,
                                                 ceil_mode, "avg_pool3d")
    n = x.shape[0]
    sums = _ops.avg_pool2d(_fold_depth(x), k[1:], s[1:], p[1:], ceil_mode, True, 1)
    sums = _depth_reduce(_unfold_depth(sums, n), k[0], s[0], p[0], 1, out_d, 0.0,
                         lambda t: t.sum(0))
    if divisor_override:
        y = sums / divisor_override
    else:
        counts = 1.0
        for axis, size in enumerate((x.shape[2], x.shape[3], x.shape[4])):
            c = _window_counts(size, k[axis], s[axis], p[axis], sums.shape[2 + axis],
                               count_include_pad)
            counts = counts * c.reshape([-1 if a == axis else 1 for a in range(3)])
        y = sums / Tensor._wrap(x.xp.asarray(counts, dtype=x.array.dtype))
    return y[0] if unbatched else y


def _window_counts(size, k, s, p, out, include_pad):
    """Elements per window along one axis: clipped to the padded input, or to the input."""
    import numpy as np

    start = np.arange(out) * s - p
    lo, hi = (-p, size + p) if include_pad else (0, size)
    return (np.minimum(start + k, hi) - np.maximum(start, lo)).astype(np.float64)


def _pool_out(size, k, s, p, d, ceil_mode):
    num = size + 2 * p - d * (k - 1) - 1
    out = (num + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


__all__ = ["avg_pool3d", "conv3d", "conv_transpose3d", "max_pool3d"]
