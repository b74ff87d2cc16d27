"""Fractional max pooling (Graham, 2014): ``F.fractional_max_pool2d`` / ``3d`` and their
``_with_indices`` forms.

Each (sample, channel) plane draws one number u in [0, 1) per pooled axis (from minigrad's
generator, or ``_random_samples``); window i of an axis starts at
``int((i + u) * alpha) - int(u * alpha)``, alpha = (in - k) / (out - 1), and the last window
ends at the border, as PyTorch's kernel computes them (in the input's dtype). The maximum's
position in each window is found on the raw arrays; the values are gathered from the input
there, so the gradient is ``gather``'s.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from ._functional_pool3d import _gather_flat


def _tuple(v, nd):
    return (v,) * nd if isinstance(v, (int, float)) else tuple(v)


def _starts(u: np.ndarray, n_in: int, n_out: int, k: int) -> np.ndarray:
    """Window starts (..., n_out) for samples u (...), in u's dtype like PyTorch."""
    dt = u.dtype.type
    seq = np.empty(u.shape + (n_out,), dtype=np.int64)
    if n_out > 1:
        alpha = dt(n_in - k) / dt(n_out - 1)
        i = np.arange(n_out - 1).astype(u.dtype)
        seq[..., :-1] = (((i + u[..., None]) * alpha).astype(np.int64)
                         - (u[..., None] * alpha).astype(np.int64))
    if n_out > 0:
        seq[..., -1] = n_in - k
    return seq


def _fractional(name, nd, input, kernel_size, output_size, output_ratio, samples):
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an "
                         "output_ratio")
    unbatched = input.ndim == nd + 1
    x = input.unsqueeze(0) if unbatched else input
    spatial = tuple(x.shape[2:])
    k = _tuple(kernel_size, nd)
    if output_size is None:
        ratio = _tuple(output_ratio, nd)
        if len(ratio) != nd:
            raise ValueError(f"{name} requires output_ratio to either be a single Int or "
                             "tuple of Ints.")
        out = tuple(int(s * r) for s, r in zip(spatial, ratio))
    else:
        out = _tuple(output_size, nd)
    axes = ("depth", "height", "width")[3 - nd:]
    for o, kk, s, ax in zip(out, k, spatial, axes):
        if o + kk - 1 > s:
            raise RuntimeError(f"{name}_out(): pool {ax} {kk} too large relative to input "
                               f"{ax} {s}")
    n, c = x.shape[:2]
    if samples is None:
        u = np.asarray(_random.sample("uniform", (n, c, nd), x.array.dtype, "cpu", 0.0, 1.0))
    else:
        u = np.asarray(samples.detach().cpu().numpy())
        if u.shape != (n, c, nd):
            raise RuntimeError(f"{name}(): expected _random_samples of shape {(n, c, nd)}, got "
                               f"{u.shape}")
        u = u.astype(x.array.dtype)
    # PyTorch's 2-D kernel reads sample 0 for the width and 1 for the height; 3-D: t, h, w
    order = (1, 0) if nd == 2 else (0, 1, 2)
    starts = [_starts(u[..., j], s, o, kk) for j, s, o, kk in zip(order, spatial, out, k)]
    idx = _window_argmax(x, starts, k, spatial)
    y, idx = _gather_flat(x, idx, nd), Tensor._wrap(idx)
    return (y[0], idx[0]) if unbatched else (y, idx)


def _window_argmax(x: Tensor, starts, k, spatial):
    """Flat index (N, C, *out) of each window's maximum: the first one, except that a NaN
    always takes over (so the last NaN wins), as in PyTorch's kernel."""
    xp = x.xp
    nd = len(starts)
    a = x.detach().array
    n, c = a.shape[:2]
    flat = a.reshape(n, c, -1)
    out = tuple(s.shape[-1] for s in starts)
    # broadcast each axis's starts (N, C, o_a) to (N, C, *out)
    base = []
    for ax, s in enumerate(starts):
        shape = (n, c) + tuple(o if i == ax else 1 for i, o in enumerate(out))
        base.append(xp.asarray(s).reshape(shape))
    strides = [int(np.prod(spatial[i + 1:])) for i in range(nd)]
    best_v = best_i = None
    for offs in itertools.product(*[range(kk) for kk in k]):
        lin = sum((b + o) * st for b, o, st in zip(base, offs, strides))
        lin = xp.broadcast_to(lin, (n, c) + out)
        v = xp.take_along_axis(flat, lin.reshape(n, c, -1), 2).reshape(lin.shape)
        if best_v is None:
            best_v, best_i = v, lin
            continue
        take = (v > best_v) | xp.isnan(v)
        best_v, best_i = xp.where(take, v, best_v), xp.where(take, lin, best_i)
    return xp.ascontiguousarray(best_i).astype(np.int64)


def fractional_max_pool2d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """Fractional max pooling over (N, C, H, W) or (C, H, W) to ``output_size`` (or
    ``output_ratio`` of the input size) with ``kernel_size`` windows at random fractional
    strides; with ``return_indices`` also the flat indices (for ``max_unpool2d``).
    ``_random_samples`` (N, C, 2) in [0, 1) fixes the windows."""
    y, idx = _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size,
                         output_ratio, _random_samples)
    return (y, idx) if return_indices else y


def fractional_max_pool3d(input: Tensor, kernel_size, output_size=None, output_ratio=None,
                          return_indices: bool = False, _random_samples: Tensor | None = None):
    """Fractional max pooling over (N, C, D, H, W) or (C, D, H, W); ``_random_samples``
    (N, C, 3). See :func:`fractional_max_pool2d`."""
    y, idx = _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size,
                         output_ratio, _random_samples)
    return (y, idx) if return_indices else y


def fractional_max_pool2d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None):
    """``fractional_max_pool2d(..., return_indices=True)``."""
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)


def fractional_max_pool3d_with_indices(input: Tensor, kernel_size, output_size=None,
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples: Tensor | None = None):
    """``fractional_max_pool3d(..., return_indices=True)``."""
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)


__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d", "fractional_max_pool3d_with_indices"]
