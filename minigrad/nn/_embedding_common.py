"""What ``embedding`` and ``embedding_bag`` share: ``max_norm`` (renormalize the rows used,
in place) and ``scale_grad_by_freq`` (divide each looked-up row's gradient by how often its
index occurs in the mini-batch), as PyTorch defines them."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


def host_indices(input: Tensor) -> np.ndarray:
    """The integer indices of ``input`` on the host, int64 (same shape)."""
    return np.asarray(input.detach().cpu().numpy()).astype(np.int64)


def renorm_rows_(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale the referenced rows whose ``norm_type``-norm exceeds ``max_norm`` down to it
    (in place, outside autograd), as PyTorch's ``embedding_renorm_``."""
    rows = np.unique(rows)
    if rows.size == 0:
        return
    with no_grad():
        sel = Tensor._wrap(weight.xp.asarray(rows))
        picked = _ops.index_select(weight, 0, sel)
        norms = _ops.norm(picked, norm_type, 1, keepdim=True)
        scale = _ops.where(norms > max_norm, max_norm / (norms + 1e-7), norms * 0 + 1)
        weight.index_copy_(0, sel, picked * scale)


def scale_grad_by_freq_(looked_up: Tensor, idx: np.ndarray, counted: np.ndarray) -> None:
    """Make the gradient reaching ``looked_up`` (idx.shape + (D,)) 1 / (occurrences of its
    index among ``counted``), through a gradient hook (the values are untouched)."""
    if not looked_up.requires_grad or idx.size == 0:
        return
    uniq, counts = np.unique(counted, return_counts=True)
    freq = counts[np.searchsorted(uniq, idx)].astype(np.float64)
    scale = looked_up.xp.asarray((1.0 / freq)[..., None], dtype=looked_up.array.dtype)
    looked_up.register_hook(lambda g: g * Tensor._wrap(scale))
