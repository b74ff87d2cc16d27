"""Adaptive max pooling (with indices), a composite of minigrad ops.

Adaptive windows along an axis of size n split into m are ``[floor(i n / m),
ceil((i + 1) n / m))``; a rectangular window's maximum is the maximum over its rows of the
maximum over its columns, so a 2-D adaptive max pool is two 1-D passes of slices.
"""
from __future__ import annotations

from .. import ops as _ops
from ..tensor import Tensor


def _windows(n: int, m: int):
    return [((i * n) // m, -((-(i + 1) * n) // m)) for i in range(m)]


def _adaptive_max_last(x: Tensor, m: int) -> Tensor:
    """Adaptive max over the last dim (n -> m)."""
    return _ops.stack([x[..., a:b].amax(-1) for a, b in _windows(x.shape[-1], m)], -1)


def _sizes(output_size, spatial, nd):
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise ValueError(f"output_size must have {nd} elements, got {output_size!r}")
    return tuple(s if o is None else int(o) for o, s in zip(output_size, spatial))


def _check(input: Tensor, nd: int, name: str):
    if input.ndim not in (nd + 1, nd + 2) or any(s == 0 for s in input.shape[-nd:]):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor with non-zero "
                           f"spatial dims, but got input of size {list(input.shape)}")


def _argmax_indices(x: Tensor, wins) -> Tensor:
    """Flat (per plane) index of each window's first maximum (int64, no gradient)."""
    xp, a = x.xp, x.detach().array
    W = a.shape[-1]
    rows = []
    for (r0, r1) in wins[0]:
        cols = []
        for (c0, c1) in wins[1]:
            blk = a[..., r0:r1, c0:c1]
            k = blk.reshape(blk.shape[:-2] + (-1,)).argmax(-1)
            w = c1 - c0
            cols.append((r0 + k // w) * W + (c0 + k % w))
        rows.append(xp.stack(cols, -1))
    return Tensor._wrap(xp.stack(rows, -2).astype(xp.int64))


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max over adaptive windows giving ``output_size`` (an int, a pair, None entries keep
    the input size); with ``return_indices`` also each maximum's flat index in its plane.

    Shape:
        (N, C, H, W) or (C, H, W) -> (N, C, oh, ow).
    """
    _check(input, 2, "adaptive_max_pool2d")
    oh, ow = _sizes(output_size, input.shape[-2:], 2)
    y = _adaptive_max_last(input, ow)
    y = _adaptive_max_last(y.transpose(-1, -2), oh).transpose(-1, -2)
    if not return_indices:
        return y
    H, W = input.shape[-2:]
    return y, _argmax_indices(input, (_windows(H, oh), _windows(W, ow)))


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max over adaptive windows of the last dim: (N, C, L) or (C, L) -> (..., output_size)."""
    _check(input, 1, "adaptive_max_pool1d")
    (m,) = _sizes(output_size, input.shape[-1:], 1)
    y = _adaptive_max_last(input, m)
    if not return_indices:
        return y
    idx = _argmax_indices(input.unsqueeze(-2), ([(0, 1)], _windows(input.shape[-1], m)))
    return y, idx.squeeze(-2)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices: bool = False):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices: bool = False):
    return adaptive_max_pool2d(input, output_size, True)


__all__ = ["adaptive_max_pool1d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d",
           "adaptive_max_pool2d_with_indices"]
