"""Finite differences: ``diff`` (n-th forward difference) and ``gradient`` (central
differences, second order in the interior). Composites of slicing and arithmetic, so their
gradients are those of the slices."""
from __future__ import annotations

import numbers

from ..tensor import Tensor, _wrap_dim
from . import compare
from .movement import cat
from .views import narrow


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``: ``out[i] = x[i + 1] - x[i]`` applied
    ``n`` times (logical xor for bool), after concatenating ``prepend``/``append`` (tensors
    of the input's rank matching its shape off ``dim``) to the input."""
    x = input
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim(dim, x.ndim)
    parts = []
    for t in (prepend, x, append):
        if t is None:
            continue
        if t is not x:
            if t.ndim != x.ndim:
                raise RuntimeError(
                    "diff expects prepend or append to be the same dimension as input")
            for i in range(x.ndim):
                if i != d and t.shape[i] != x.shape[i]:
                    raise RuntimeError(
                        "diff expects the shape of tensor to prepend or append to match that "
                        "of input except along the differencing dimension; input.size("
                        f"{i}) = {x.shape[i]}, but got tensor.size({i}) = {t.shape[i]}")
        parts.append(t)
    if len(parts) > 1:
        x = cat(parts, d)
    for _ in range(n):
        m = x.shape[d]
        if m == 0:
            break
        hi, lo = narrow(x, d, 1, m - 1), narrow(x, d, 0, m - 1)
        x = compare.logical_xor(hi, lo) if x.array.dtype == bool else hi - lo
    return x


def _coords(spacing, dims, x):
    """Per dim: a Python float (uniform step) or a 1-D coordinate Tensor."""
    if spacing is None:
        return [1.0] * len(dims)
    if isinstance(spacing, (numbers.Number, Tensor)) and not (
            isinstance(spacing, Tensor) and spacing.ndim == 1):
        s = spacing.item() if isinstance(spacing, Tensor) else spacing
        return [float(s)] * len(dims)
    spacing = list(spacing)
    if len(spacing) == 1 and len(dims) > 1 and not isinstance(spacing[0], Tensor):
        spacing = spacing * len(dims)
    if len(spacing) != len(dims):
        raise RuntimeError(
            f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
            f"dim arguments to have the same length, but got a spacing argument of length "
            f"{len(spacing)} and a dim argument of length {len(dims)}.")
    out = []
    for s, d in zip(spacing, dims):
        if isinstance(s, Tensor) and s.ndim == 1:
            if s.shape[0] != x.shape[d]:
                raise RuntimeError(
                    f"torch.gradient expected each tensor to be on the same device and of "
                    f"size {x.shape[d]} along dim {d}, but got {s.shape[0]}")
            out.append(s)
        else:
            out.append(float(s.item() if isinstance(s, Tensor) else s))
    return out


def _along(t, d, ndim):
    """1-D tensor ``t`` shaped to broadcast along axis ``d`` of an ``ndim``-d tensor."""
    return t.reshape([-1 if i == d else 1 for i in range(ndim)])


def _grad_dim(x, d, h, edge_order):
    n = x.shape[d]
    sl = lambda a, b: narrow(x, d, a, b - a)  # x[a:b] along d
    if isinstance(h, float):
        inner = (sl(2, n) - sl(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / h
            last = (sl(n - 1, n) - sl(n - 2, n - 1)) / h
        else:
            first = (-1.5 * sl(0, 1) + 2 * sl(1, 2) - 0.5 * sl(2, 3)) / h
            last = (0.5 * sl(n - 3, n - 2) - 2 * sl(n - 2, n - 1) + 1.5 * sl(n - 1, n)) / h
        return cat([first, inner, last], d)
    c = h.to(dtype=x.dtype)
    dx = c[1:] - c[:-1]  # steps, length n - 1
    hs, hd = _along(dx[:-1], d, x.ndim), _along(dx[1:], d, x.ndim)
    inner = (-hd / (hs * (hd + hs)) * sl(0, n - 2) + (hd - hs) / (hd * hs) * sl(1, n - 1)
             + hs / (hd * (hd + hs)) * sl(2, n))
    if edge_order == 1:
        first = (sl(1, 2) - sl(0, 1)) / dx[0]
        last = (sl(n - 1, n) - sl(n - 2, n - 1)) / dx[-1]
    else:
        a, b = dx[0], dx[1]
        first = (-(2 * a + b) / (a * (a + b)) * sl(0, 1) + (a + b) / (a * b) * sl(1, 2)
                 - a / (b * (a + b)) * sl(2, 3))
        a, b = dx[-2], dx[-1]
        last = (b / (a * (a + b)) * sl(n - 3, n - 2) - (a + b) / (a * b) * sl(n - 2, n - 1)
                + (a + 2 * b) / (b * (a + b)) * sl(n - 1, n))
    return cat([first, inner, last], d)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Estimate the derivative of a function sampled in ``input`` along each of ``dim``
    (every dim when None): central differences inside, one-sided differences of order
    ``edge_order`` (1 or 2) at the ends.

    Args:
        spacing: a number (uniform step for every dim), a sequence of numbers (one per dim)
            or a sequence of 1-D coordinate tensors (one per dim).
        dim: an int, a sequence of ints, or None.

    Returns:
        A tuple with one tensor per dim, each of the input's shape (integer inputs give the
        default float dtype).
    """
    x = input
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims = list(range(x.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [_wrap_dim(d, x.ndim) for d in dims]
    for d in dims:
        if x.shape[d] < edge_order + 1:
            raise RuntimeError(
                "torch.gradient expected each dimension size to be at least edge_order+1")
    if x.array.dtype.kind != "f":
        from ._util import float_of

        x = float_of(x)
    return tuple(_grad_dim(x, d, h, edge_order) for d, h in zip(dims, _coords(spacing, dims, x)))


__all__ = ["diff", "gradient"]
METHODS = ["diff"]
