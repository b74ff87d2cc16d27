"""Spatial transformers: ``F.affine_grid`` and ``F.grid_sample`` (composites of minigrad ops).

``grid_sample`` reads ``input`` at the normalized positions of ``grid`` ((x, y) in [-1, 1],
plus z in 3-D). The integer corner/tap positions are worked out on detached arrays; the
interpolation weights are polynomials of the fractional offsets, built from ops, and the
values are gathered from ``input``, so gradients reach both ``input`` and ``grid`` (and
second derivatives come for free). Out-of-range positions follow ``padding_mode``: zeros,
border (clamped) or reflection (mirrored at the borders), as PyTorch's kernel computes them.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np

from .. import ops as _ops
from ..tensor import Tensor

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners="
                  "False since 1.3.0. Please specify align_corners=True if the old behavior is "
                  "desired. See the documentation of grid_sample for details.")


def _align(align_corners):
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


# ---- affine_grid ----------------------------------------------------------------------------
def _base_axis(n: int, align: bool) -> np.ndarray:
    """Normalized centres of n pixels along one axis."""
    if n <= 1:
        return np.zeros(n)
    r = np.linspace(-1.0, 1.0, n)
    return r if align else r * (n - 1) / n


def affine_grid(theta: Tensor, size, align_corners=None) -> Tensor:
    """The sampling grid of a batch of affine maps, for ``grid_sample``.

    Args:
        theta: (N, 2, 3) for 2-D or (N, 3, 4) for 3-D; maps output to input coordinates.
        size: the output size, (N, C, H, W) or (N, C, D, H, W).

    Returns:
        (N, H, W, 2) of (x, y), or (N, D, H, W, 3) of (x, y, z), in [-1, 1] units.
    """
    align = _align(align_corners)
    size = tuple(int(s) for s in size)
    if theta.array.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) not in (4, 5):
        raise NotImplementedError("affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    nd = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (nd, nd + 1) or theta.shape[0] != size[0]:
        kind = "2D affine matrices of shape Nx2x3" if nd == 2 else \
            "3D affine matrices of shape Nx3x4"
        raise ValueError(f"Expected a batch of {kind} for size {size}. Got "
                         f"{tuple(theta.shape)}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    spatial = size[2:]
    if align and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      UserWarning, stacklevel=2)
    axes = [_base_axis(n, align) for n in spatial]  # (D,) H, W
    mesh = np.meshgrid(*axes, indexing="ij")
    # homogeneous (x, y[, z], 1): x runs along the last (W) axis
    base = np.stack([m for m in reversed(mesh)] + [np.ones(spatial)], -1).reshape(-1, nd + 1)
    base_t = Tensor._wrap(theta.xp.asarray(base, dtype=theta.array.dtype))
    grid = base_t.unsqueeze(0) @ theta.transpose(1, 2)
    return grid.reshape((size[0],) + spatial + (nd,))


# ---- grid_sample ----------------------------------------------------------------------------
def _unnormalize(c: Tensor, n: int, align: bool) -> Tensor:
    return (c + 1) * ((n - 1) / 2) if align else ((c + 1) * n - 1) / 2


def _reflect(c: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Mirror c into [twice_low / 2, twice_high / 2] (any number of bounces)."""
    if twice_low == twice_high:
        return c * 0
    lo, span = twice_low / 2, (twice_high - twice_low) / 2
    d = (c - lo).abs()
    flips = Tensor._wrap(c.xp.floor(d.detach().array / span))
    extra = d - flips * span
    even = Tensor._wrap(flips.array % 2 == 0)
    return _ops.where(even, extra + lo, span - extra + lo)


def _pad_coord(c: Tensor, n: int, padding_mode: str, align: bool) -> Tensor:
    """PyTorch's compute_coordinates: clamp (border) or mirror then clamp (reflection)."""
    if padding_mode == "border":
        return c.clamp(0, n - 1)
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (n - 1)) if align else _reflect(c, -1, 2 * n - 1)
        return c.clamp(0, n - 1)
    return c


def _pad_index(xp, i, n: int, padding_mode: str, align: bool):
    """compute_coordinates on integer tap positions (bicubic), on raw arrays."""
    t = Tensor._wrap(i.astype(np.float64))
    return _pad_coord(t, n, padding_mode, align).array.astype(np.int64)


def _gather(flat: Tensor, idx, valid, sizes) -> Tensor:
    """flat (N, C, prod(sizes)) read at the per-axis integer positions ``idx`` (each
    (N, P)); positions outside the input (``valid`` False) read 0."""
    xp = flat.xp
    lin = 0
    for i, n in zip(idx, sizes):
        lin = lin * n + xp.clip(i, 0, n - 1)
    n_, c_, _ = flat.shape
    index = Tensor._wrap(xp.ascontiguousarray(xp.broadcast_to(lin[:, None, :],
                                                              (n_, c_, lin.shape[1]))))
    vals = _ops.gather(flat, 2, index)
    if valid is None:
        return vals
    return vals * Tensor._wrap(valid[:, None, :].astype(flat.array.dtype))


def _in_bounds(xp, idx, sizes):
    ok = None
    for i, n in zip(idx, sizes):
        v = (i >= 0) & (i < n)
        ok = v if ok is None else ok & v
    return ok


def _cubic_weights(t: Tensor, a: float = -0.75):
    """Keys' cubic convolution weights of the taps at -1, 0, 1, 2 for fraction t."""
    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _check_grid_sample(input, grid, mode, padding_mode):
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {list(grid.shape)}")
    nd = input.ndim - 2
    if grid.shape[-1] != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if mode == "bicubic" and nd != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.array.dtype.kind != "f" or grid.array.dtype.kind != "f":
        raise RuntimeError(f"grid_sampler(): expected floating point input and grid, got "
                           f"{input.dtype} and {grid.dtype}")
    if any(s == 0 for s in input.shape[2:]):
        raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                           f"dimensions, but input has sizes {list(input.shape)}")


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners=None) -> Tensor:
    """Sample ``input`` at the positions of ``grid``.

    Args:
        input: (N, C, H, W) or (N, C, D, H, W).
        grid: (N, H_out, W_out, 2) of (x, y), or (N, D_out, H_out, W_out, 3) of (x, y, z);
            -1 and 1 are the centres of the edge pixels (``align_corners=True``) or their
            outer edges (False, the default).
        mode: 'bilinear' (trilinear in 3-D), 'nearest' (ties to even) or 'bicubic' (2-D).
        padding_mode: 'zeros', 'border' or 'reflection'.

    Returns:
        (N, C, H_out, W_out) or (N, C, D_out, H_out, W_out).
    """
    _check_grid_sample(input, grid, mode, padding_mode)
    align = _align(align_corners)
    xp = input.xp
    nd = input.ndim - 2
    n, c = input.shape[:2]
    sizes = tuple(input.shape[2:])
    out_sp = tuple(grid.shape[1:-1])
    flat = input.reshape(n, c, -1)
    g = grid.reshape(n, -1, nd)
    # input axis a (D, H, W order) is read from grid component nd - 1 - a (x is W)
    coords = [_unnormalize(g[..., nd - 1 - a], sizes[a], align) for a in range(nd)]
    if mode == "bicubic":
        out = _bicubic(flat, coords, sizes, padding_mode, align)
    else:
        coords = [_pad_coord(co, sz, padding_mode, align) for co, sz in zip(coords, sizes)]
        if mode == "nearest":
            idx = [xp.rint(co.detach().array).astype(np.int64) for co in coords]
            out = _gather(flat, idx, _in_bounds(xp, idx, sizes), sizes)
        else:
            out = _linear(flat, coords, sizes)
    return out.reshape((n, c) + out_sp)


def _linear(flat, coords, sizes):
    """Bilinear / trilinear: the 2 ** nd corners, weighted by the fractional offsets."""
    xp = flat.xp
    lows = [xp.floor(co.detach().array) for co in coords]
    fracs = [co - Tensor._wrap(lo) for co, lo in zip(coords, lows)]
    lows = [lo.astype(np.int64) for lo in lows]
    out = None
    for corner in itertools.product((0, 1), repeat=len(coords)):
        idx = [lo + b for lo, b in zip(lows, corner)]
        w = None
        for f, b in zip(fracs, corner):
            wb = f if b else 1 - f
            w = wb if w is None else w * wb
        term = _gather(flat, idx, _in_bounds(xp, idx, sizes), sizes) * w.unsqueeze(1)
        out = term if out is None else out + term
    return out


def _bicubic(flat, coords, sizes, padding_mode, align):
    """Bicubic: the 4 x 4 taps around each position; each tap's integer position follows
    ``padding_mode`` on its own (as PyTorch's get_value_bounded)."""
    xp = flat.xp
    lows = [xp.floor(co.detach().array) for co in coords]
    weights = [_cubic_weights(co - Tensor._wrap(lo)) for co, lo in zip(coords, lows)]
    lows = [lo.astype(np.int64) for lo in lows]
    out = None
    for i, j in itertools.product(range(4), range(4)):
        idx = [lows[0] + i - 1, lows[1] + j - 1]
        idx = [_pad_index(xp, t, sz, padding_mode, align) for t, sz in zip(idx, sizes)]
        valid = _in_bounds(xp, idx, sizes) if padding_mode == "zeros" else None
        term = _gather(flat, idx, valid, sizes) * (weights[0][i] * weights[1][j]).unsqueeze(1)
        out = term if out is None else out + term
    return out


__all__ = ["affine_grid", "grid_sample"]
