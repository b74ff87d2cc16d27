"""Sampling from given probabilities: multinomial (on minigrad's generators)."""
from __future__ import annotations

import numpy as np

from ..dtypes import is_floating_np as _isfloat
from .. import random as _random
from ..tensor import Tensor


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Draw category indices with probabilities proportional to the rows of ``input``.

    Args:
        input: ``(k,)`` or ``(n, k)`` non-negative, finite weights (need not sum to 1).
        num_samples: draws per row.
        replacement: draw with replacement; without it, each category at most once per row
            (so ``num_samples`` may not exceed the number of non-zero weights).
        generator: a ``minigrad.Generator`` (default: the global one; CPU only).

    Returns:
        int64 tensor ``(num_samples,)`` or ``(n, num_samples)``. Not differentiable.
    """
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {input.ndim}")
    if not _isfloat(input.array.dtype):
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    xp = input.xp
    p = input.array.reshape(-1, input.shape[-1]).astype(np.float64)
    k = p.shape[1]
    if not replacement and num_samples > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if p.size and not bool(xp.isfinite(p).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if p.size and bool((p < 0).any()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    total = p.sum(axis=1)
    if k == 0 or bool((total <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rows = p.shape[0]
    u = _random.sample("uniform", (rows, num_samples), np.float64, input.device, 0.0, 1.0,
                       generator)
    if replacement:
        # inverse CDF, all rows in one search: row r's CDF is shifted into [r, r + 1]
        cdf = xp.cumsum(p / total[:, None], axis=1)
        cdf[:, -1] = 1.0
        shift = xp.arange(rows, dtype=np.float64)[:, None]
        flat = (cdf + shift).reshape(-1)
        idx = xp.searchsorted(flat, (u + shift).reshape(-1), side="right").reshape(rows, -1)
        idx = xp.minimum(idx - (shift.astype(np.int64) * k), k - 1)
    else:
        if bool(((p > 0).sum(axis=1) < num_samples).any()):
            raise RuntimeError("invalid multinomial distribution (with replacement=False, not "
                               "enough non-negative category to sample)")
        # exponential races: category i finishes at E_i / p_i; the first num_samples win
        race = _random.sample("uniform", (rows, k), np.float64, input.device, 0.0, 1.0,
                              generator)
        with np.errstate(divide="ignore"):
            keys = -xp.log1p(-race) / p
        idx = xp.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64)
    return Tensor._wrap(idx.reshape(-1) if input.ndim == 1 else idx)


__all__ = ["multinomial"]
METHODS = ["multinomial"]
