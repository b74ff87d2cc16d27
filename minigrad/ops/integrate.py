"""Integration and distances over a dimension: trapezoid, trapz, cumulative_trapezoid,
cdist. Composites of slicing, sums and the norm op (no backward code)."""
from __future__ import annotations

from .._autocast import autocast_op
from ..tensor import Tensor, _wrap_dim
from .indexing import getitem
from .reduce import norm, sum
from .scans import cumsum


def _sl(ndim, d, s):
    return (slice(None),) * d + (s,)


def _pieces(y, x, dx, dim, name):
    """The per-interval areas along ``dim``: (y_i + y_{i-1}) / 2 * (x_i - x_{i-1} or dx)."""
    if x is not None and dx is not None:
        raise RuntimeError(f"{name}(): only one of x or dx may be given")
    d = _wrap_dim(dim, y.ndim)
    if y.array.dtype.kind != "f":
        from ._util import float_of

        y = float_of(y)
    n = y.shape[d]
    mid = (getitem(y, _sl(y.ndim, d, slice(1, None))) + getitem(y, _sl(y.ndim, d, slice(0, n - 1)))) * 0.5
    if x is None:
        return mid * (1.0 if dx is None else dx), d
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): x must be a Tensor, got {type(x).__name__}")
    if x.ndim == 1:
        if x.shape[0] != n:
            raise RuntimeError(
                f"{name}: There must be one `x` value for each sample point, but got "
                f"{x.shape[0]} x values and {n} sample points along dimension {d}")
        dxs = x[1:] - x[:-1]
        dxs = dxs.reshape((-1,) + (1,) * (y.ndim - 1 - d))
    else:
        xd = _wrap_dim(dim, x.ndim)
        m = x.shape[xd]
        dxs = getitem(x, _sl(x.ndim, xd, slice(1, None))) - getitem(x, _sl(x.ndim, xd, slice(0, m - 1)))
    return mid * dxs, d


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along ``dim``: ``sum((y_i + y_{i-1}) / 2 * dx_i)``.

    Args:
        y: sample values.
        x: sample points (1-D of ``y.size(dim)``, or broadcastable with ``y``); or
        dx: a constant spacing (default 1).
        dim: the dimension to integrate along.

    Returns:
        ``y`` without ``dim``.
    """
    if x is not None and not isinstance(x, Tensor):  # trapezoid(y, 2.0) is trapz's dx
        raise TypeError(f"trapezoid(): x must be a Tensor (use dx= for a spacing), got "
                        f"{type(x).__name__}")
    area, d = _pieces(y, x, dx, dim, "trapezoid")
    return sum(area, d)


def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of :func:`trapezoid` (``trapz(y, dx=...)`` / ``trapz(y, x)``)."""
    area, d = _pieces(y, x, dx, dim, "trapz")
    return sum(area, d)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral along ``dim`` (one value per interval)."""
    area, d = _pieces(y, x, dx, dim, "cumulative_trapezoid")
    return cumsum(area, d)


_MM_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
             "donot_use_mm_for_euclid_dist")


@autocast_op("cdist")
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between every row of ``x1`` and every row of ``x2``.

    Args:
        x1: ``(..., P, M)``.
        x2: ``(..., R, M)`` (batch dims broadcast with ``x1``'s).
        p: the norm, ``0 <= p <= inf``; the gradient at zero distance is 0.
        compute_mode: for ``p=2``, whether to use ``|a|^2 + |b|^2 - 2 a.b`` (matrix
            products, less memory and precision): always, never, or (the default) when
            ``P > 25`` or ``R > 25``, as PyTorch.

    Returns:
        ``(..., P, R)``.
    """
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D"
                           if x1.ndim < 2 else
                           f"cdist only supports at least 2D tensors, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
            f"{x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    if compute_mode not in _MM_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for t in (x1, x2):
        if t.array.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, X{1 if t is x1 else 2}"
                               f" got: {t.dtype}")
    P, R = x1.shape[-2], x2.shape[-2]
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == _MM_MODES[0] and (P > 25 or R > 25)))
    if use_mm:
        from .compare import clamp
        from .linalg import matmul
        from .unary import sqrt

        sq1 = (x1 * x1).sum(-1, keepdim=True)
        sq2 = (x2 * x2).sum(-1, keepdim=True).transpose(-1, -2)
        d2 = sq1 + sq2 - 2 * matmul(x1, x2.transpose(-1, -2))
        return sqrt(clamp(d2, min=1e-30))
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return norm(diff, p, -1)


__all__ = ["cdist", "cumulative_trapezoid", "trapezoid", "trapz"]
