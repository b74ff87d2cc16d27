"""Pixel and channel shuffles, power-average pooling, the deprecated upsampling spellings and
Gumbel-softmax (composites of minigrad ops)."""
from __future__ import annotations

import warnings

from .. import ops as _ops
from .. import random as _random
from ..tensor import Tensor


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r) (sub-pixel convolution's rearrangement)."""
    r = int(upscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of ``pixel_shuffle``."""
    r = int(downscale_factor)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    *lead, c, hr, wr = input.shape
    if hr % r or wr % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by "
                           f"downscale_factor, but input.size(-2)={hr} and input.size(-1)={wr} "
                           f"are not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, hr // r, r, wr // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, hr // r, wr // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels (dim 1) of ``groups`` groups (ShuffleNet)."""
    n, c = input.shape[0], input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    rest = tuple(input.shape[2:])
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)


def _lp(out: Tensor, norm_type: float, window: int) -> Tensor:
    return (_ops.sign(out) * _ops.relu(out.abs())).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x ** p) ** (1 / p), over the last dim."""
    out = _ops.avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(out, norm_type, kernel_size)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x ** p) ** (1 / p), over the last two dims."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    out = _ops.avg_pool2d(input.pow(norm_type), (kh, kw), stride, 0, ceil_mode)
    return _lp(out, norm_type, kh * kw)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated spelling of ``interpolate(mode='nearest')`` (warns, as PyTorch)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return _ops.interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated spelling of ``interpolate(mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return _ops.interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau) with g ~ Gumbel(0, 1); ``hard`` returns the one-hot
    argmax in the forward pass and the soft sample's gradient (straight-through)."""
    u = _random.sample("uniform", logits.shape, logits.array.dtype, logits.device, 0.0, 1.0)
    xp = logits.xp
    gumbels = Tensor._wrap(-xp.log(-xp.log1p(-u)))  # -log(Exp(1)), Exp(1) = -log(1 - U)
    y_soft = _ops.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    idx = y_soft.detach().argmax(dim, keepdim=True)
    y_hard = _ops.scatter(y_soft.detach() * 0, dim, idx, 1.0)
    return y_hard - y_soft.detach() + y_soft


__all__ = ["channel_shuffle", "gumbel_softmax", "lp_pool1d", "lp_pool2d", "pixel_shuffle",
           "pixel_unshuffle", "upsample_bilinear", "upsample_nearest"]
