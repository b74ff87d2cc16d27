"""``unfold`` (im2col) and ``fold`` (col2im) as convolutions with a one-hot kernel, so their
gradients (and second derivatives) are the convolutions' own."""
from __future__ import annotations

from .. import ops as _ops
from ..tensor import Tensor


def _pair(v, name):
    if isinstance(v, int):
        return (v, v)
    v = tuple(v)
    if len(v) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {v!r}")
    return v


def _one_hot_kernel(c: int, kh: int, kw: int, like: Tensor) -> Tensor:
    """(c * kh * kw, 1, kh, kw): output channel c*K + k picks kernel position k of channel c."""
    xp = like.xp
    k = kh * kw
    w = xp.zeros((c * k, 1, kh, kw), dtype=like.array.dtype)
    idx = xp.arange(c * k)
    w[idx, 0, (idx % k) // kw, idx % kw] = 1
    return Tensor._wrap(w)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding local blocks of a batched image, flattened (im2col).

    Shape:
        input (N, C, H, W) or (C, H, W); output (N, C * kh * kw, L) (or without N), where L
        is the number of block positions; rows are ordered (channel, kernel row, kernel col).
    """
    if input.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported "
                                  f"(got {input.ndim}D)")
    kh, kw = _pair(kernel_size, "kernel_size")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    c = x.shape[1]
    cols = _ops.conv2d(x, _one_hot_kernel(c, kh, kw, x), None, _pair(stride, "stride"),
                       _pair(padding, "padding"), _pair(dilation, "dilation"), c)
    cols = cols.reshape(cols.shape[0], cols.shape[1], -1)
    return cols if input.ndim == 4 else cols[0]


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum sliding local blocks back into an image (col2im; the adjoint of ``unfold``).

    Shape:
        input (N, C * kh * kw, L) or (C * kh * kw, L); output (N, C, *output_size).
    """
    if input.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input "
                                  f"Tensors are supported (got {input.ndim}D)")
    (H, W), (kh, kw) = _pair(output_size, "output_size"), _pair(kernel_size, "kernel_size")
    (dh, dw), (ph, pw), (sh, sw) = (_pair(dilation, "dilation"), _pair(padding, "padding"),
                                    _pair(stride, "stride"))
    x = input if input.ndim == 3 else input.unsqueeze(0)
    k = kh * kw
    if x.shape[1] % k:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={x.shape[1]} and "
                           f"kernel_size=({kh}, {kw})")
    oh = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if oh * ow != x.shape[2]:
        raise RuntimeError(f"Given output_size=({H}, {W}), kernel_size=({kh}, {kw}), "
                           f"dilation=({dh}, {dw}), padding=({ph}, {pw}), stride=({sh}, {sw}), "
                           f"expected size of input's dimension 2 to match the calculated "
                           f"number of sliding blocks {oh} * {ow} = {oh * ow}, but got "
                           f"input.size(2)={x.shape[2]}.")
    c = x.shape[1] // k
    out_pad = (H + 2 * ph - dh * (kh - 1) - 1 - sh * (oh - 1),
               W + 2 * pw - dw * (kw - 1) - 1 - sw * (ow - 1))
    y = _ops.conv_transpose2d(x.reshape(x.shape[0], c * k, oh, ow), _one_hot_kernel(c, kh, kw, x),
                              None, (sh, sw), (ph, pw), out_pad, c, (dh, dw))
    return y if input.ndim == 3 else y[0]


__all__ = ["fold", "unfold"]
