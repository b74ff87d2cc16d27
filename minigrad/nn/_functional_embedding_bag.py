"""``F.embedding_bag``: sums, means or maxima of bags of embedding rows, without building
the (bags, bag length, dim) tensor. A composite: the bag structure is worked out on the host
from the indices and offsets, the rows are gathered once (``index_select``) and reduced per
bag with ``index_add`` (sum, mean) or gathered at each bag's first maximum (max), so the
dense gradient reaches ``weight`` and ``per_sample_weights``."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from ..tensor import Tensor
from ._embedding_common import renorm_rows_, scale_grad_by_freq_


def _host(t: Tensor) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy())


def _bags(input: Tensor, offsets, include_last_offset: bool):
    """(flat indices, bag of each index, number of bags), checked as PyTorch checks them."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        b, n = input.shape
        return _host(input).reshape(-1), np.repeat(np.arange(b), n), b
    if input.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim}")
    if offsets is None or offsets.ndim != 1:
        raise ValueError(f"offsets has to be a 1D Tensor but got "
                         f"{None if offsets is None else offsets.ndim}")
    idx, off = _host(input), _host(offsets).astype(np.int64)
    if off.size and off[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {off[0]}")
    if off.size and off[-1] > idx.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {idx.size} but "
                           f"got offsets[-1] of {off[-1]}")
    if np.any(np.diff(off) < 0):
        raise RuntimeError("offsets must be non-decreasing")
    nbags = max(off.size - 1, 0) if include_last_offset else off.size
    # the last bag runs to the end of input (PyTorch's CPU kernel ignores the final offset
    # beyond checking it)
    bag = np.searchsorted(off[:nbags], np.arange(idx.size), side="right") - 1
    if nbags == 0:
        return idx[:0], bag[:0], 0
    return idx, bag, nbags


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Reduce bags of rows of ``weight`` (``mode`` 'sum', 'mean' or 'max').

    Args:
        input: int64 indices: (B, N) for B bags of N, or (L,) with ``offsets`` (B,) giving
            where each bag starts (B + 1 entries, the last the end, with
            ``include_last_offset``).
        weight: (num_embeddings, D).
        per_sample_weights: a weight per index (shape of ``input``), mode 'sum' only.
        padding_idx: indices equal to it are left out of their bag (and of its count).
        max_norm: rows used are first renormalized in place to at most this norm.
        scale_grad_by_freq: each row's gradient is divided by its index's count in
            ``input`` (modes 'sum' and 'mean').

    Returns:
        (B, D); an empty bag gives zeros.
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if sparse:
        raise NotImplementedError("embedding_bag: sparse=True (sparse gradients) is not "
                                  "supported by minigrad: arrays are dense; use sparse=False")
    if scale_grad_by_freq and mode == "max":
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if input.array.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input.dtype} instead "
                           "(while checking arguments for embedding_bag)")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                "on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}"
                             f") is not None, then it must have the same shape as the input "
                             f"({input.shape})")
    num, dim = weight.shape
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} "
                               f"through {num - 1}, but got {padding_idx}")
        padding_idx %= num
    idx, bag, nbags = _bags(input, offsets, include_last_offset)
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        bad = int(np.flatnonzero((idx < 0) | (idx >= num))[0])
        raise RuntimeError(f"Index {bad} of input takes value {idx[bad]} which is not in the "
                           f"valid range [0, {num})")
    if max_norm is not None:
        renorm_rows_(weight, idx, max_norm, norm_type)
    pos = np.arange(idx.size)
    if padding_idx is not None:
        pos = pos[idx != padding_idx]
    xp = weight.xp
    rows = _ops.index_select(weight, 0, Tensor._wrap(xp.asarray(idx[pos], dtype=np.int64)))
    if scale_grad_by_freq:
        scale_grad_by_freq_(rows, idx[pos], idx)
    if per_sample_weights is not None:
        psw = per_sample_weights.reshape(-1)[:idx.size]
        rows = rows * _ops.index_select(psw, 0, Tensor._wrap(xp.asarray(pos))).unsqueeze(1)
    bag = bag[pos]
    if mode == "max":
        return _bag_max(rows, bag, nbags)
    out = _ops.index_add(rows.new_zeros((nbags, dim)), 0, Tensor._wrap(xp.asarray(bag)), rows)
    if mode == "mean":
        counts = np.maximum(np.bincount(bag, minlength=nbags), 1).astype(np.float64)
        out = out / Tensor._wrap(xp.asarray(counts[:, None], dtype=out.array.dtype))
    return out


def _bag_max(rows: Tensor, bag: np.ndarray, nbags: int) -> Tensor:
    """Per bag and feature, the first maximal row (NaN wins, as in PyTorch); zeros for an
    empty bag. Bags are contiguous runs of ``bag`` (sorted)."""
    n, dim = rows.shape
    vals = np.asarray(rows.detach().cpu().numpy())
    first = np.full((nbags, dim), n, dtype=np.int64)  # n: the appended zero row
    if n:
        starts = np.flatnonzero(np.r_[True, bag[1:] != bag[:-1]])
        key = np.where(np.isnan(vals), np.inf, vals)
        best = np.maximum.reduceat(key, starts, axis=0)
        hit = key == best[np.searchsorted(starts, np.arange(n), side="right") - 1]
        cand = np.where(hit, np.arange(n)[:, None], n)
        first[bag[starts]] = np.minimum.reduceat(cand, starts, axis=0)
    padded = _ops.cat([rows, rows.new_zeros((1, dim))], 0)
    return _ops.gather(padded, 0, Tensor._wrap(rows.xp.asarray(first)))


__all__ = ["embedding_bag"]
