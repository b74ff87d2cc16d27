"""``F.ctc_loss``: Connectionist Temporal Classification (Graves et al., 2006).

The forward (alpha) recursion runs in log space over the extended label sequence
(blank, l1, blank, l2, ..., blank), batched over samples of different input and target
lengths, as a composite of minigrad ops; autograd through it gives the gradient (the
alpha-beta backward, computed by the engine) and second derivatives.

One difference from PyTorch, on purpose: PyTorch's kernel returns ``exp(log_probs) - gamma``
as the gradient with respect to ``log_probs`` (the derivative with respect to the logits of
a log_softmax in front of it); minigrad returns the derivative of the loss itself,
``-gamma``. The two give the same gradient for anything before a ``log_softmax``, which is
how CTC is used; the derivative here is the one finite differences confirm.
"""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from ..tensor import Tensor
from ._functional_loss_more import _prep

_NEG_INF = float("-inf")


def _lengths(v, name: str) -> np.ndarray:
    if isinstance(v, Tensor):
        return np.asarray(v.detach().cpu().numpy()).astype(np.int64).reshape(-1)
    return np.asarray(v, dtype=np.int64).reshape(-1)


def _logsumexp(terms, xp) -> Tensor:
    """log(sum(exp(terms))) over a list of equal-shape tensors, exact at -inf: an all -inf
    entry gives -inf with a zero (not NaN) gradient."""
    x = _ops.stack(terms, 0)
    m = x.detach().array.max(0)
    m = xp.where(xp.isneginf(m), 0, m)
    mt = Tensor._wrap(m)
    s = _ops.exp(x - mt).sum(0)
    pos = Tensor._wrap(s.detach().array > 0)
    safe = _ops.where(pos, s, s * 0 + 1)
    return _ops.where(pos, _ops.log(safe) + mt, s * 0 + _NEG_INF)


def _extended(targets: np.ndarray, tlen: np.ndarray, concat: bool, blank: int):
    """(N, 2 S + 1) extended labels (padded with blank) and the (N, 2 S + 1) mask of
    positions that may be reached by skipping the blank before them."""
    n = tlen.size
    s_max = int(tlen.max()) if n else 0
    ext = np.full((n, 2 * s_max + 1), blank, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(tlen)[:-1]]) if concat else None
    for i in range(n):
        lab = targets[starts[i]:starts[i] + tlen[i]] if concat else targets[i, :tlen[i]]
        ext[i, 1:2 * tlen[i]:2] = lab
    skip = np.zeros_like(ext, dtype=bool)  # label positions (odd) after a different label
    skip[:, 3::2] = ext[:, 3::2] != ext[:, 1:-2:2]
    return ext, skip


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The negative log-likelihood of each target sequence under CTC.

    Args:
        log_probs: (T, N, C) or (T, C) log-probabilities (e.g. ``log_softmax(x, 2)``).
        targets: (N, S) padded class indices, or 1-D: the N targets concatenated.
        input_lengths, target_lengths: (N,) tensors or sequences of ints (0-d or ints when
            unbatched).
        blank: the blank class; reduction: 'mean' (each loss divided by its target length,
            then averaged), 'sum' or 'none'.
        zero_infinity: impossible alignments (infinite loss) give 0 and no gradient.

    Returns:
        () or (N,) with reduction='none'.
    """
    reduction = _prep(None, None, reduction)
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        targets = targets.unsqueeze(0)
    if log_probs.ndim != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got "
                           f"{tuple(log_probs.shape)}")
    t_max, n, c = log_probs.shape
    ilen, tlen = _lengths(input_lengths, "input_lengths"), _lengths(target_lengths,
                                                                     "target_lengths")
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    if ilen.size != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tlen.size != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    for name, v in (("input_lengths", ilen), ("target_lengths", tlen)):
        if v.size and v.min() < 0:
            raise RuntimeError(f"Expected {name} to have value at least 0, but got value "
                               f"{int(v.min())} (while checking arguments for ctc_loss)")
    if ilen.size and ilen.max() > t_max:
        raise RuntimeError(f"Expected input_lengths to have value at most {t_max}, but got "
                           f"value {int(ilen.max())} (while checking arguments for ctc_loss)")
    tg = np.asarray(targets.detach().cpu().numpy()).astype(np.int64)
    concat = tg.ndim == 1
    if concat and tg.size < tlen.sum():
        raise RuntimeError(f"Expected tensor to have size at least {int(tlen.sum())} at "
                           f"dimension 0, but got size {tg.size} for argument #2 'targets' "
                           "(while checking arguments for ctc_loss)")
    if not concat and tlen.size and tlen.max() > tg.shape[1]:
        raise RuntimeError(f"Expected tensor to have size at least {int(tlen.max())} at "
                           f"dimension 1, but got size {tg.shape[1]} for argument #2 'targets' "
                           "(while checking arguments for ctc_loss)")
    ext, skip = _extended(tg, tlen, concat, blank)
    nll = _alpha_nll(log_probs, ext, skip, ilen, tlen)
    if zero_infinity:
        xp = log_probs.xp
        finite = Tensor._wrap(xp.isfinite(nll.detach().array))
        nll = _ops.where(finite, nll, Tensor._wrap(xp.zeros(nll.shape, dtype=nll.array.dtype)))
    if reduction == "none":
        return nll[0] if unbatched else nll
    if reduction == "sum":
        return nll.sum()
    den = Tensor._wrap(log_probs.xp.asarray(np.maximum(tlen, 1), dtype=nll.array.dtype))
    return (nll / den).mean()


def _alpha_nll(log_probs: Tensor, ext: np.ndarray, skip: np.ndarray, ilen: np.ndarray,
               tlen: np.ndarray) -> Tensor:
    """-log p(target | input) per sample by the alpha recursion (log space)."""
    xp = log_probs.xp
    t_max, n, _ = log_probs.shape
    width = ext.shape[1]
    dt = log_probs.array.dtype
    index = xp.broadcast_to(xp.asarray(ext)[None], (t_max, n, width))
    lp = _ops.gather(log_probs, 2, Tensor._wrap(xp.ascontiguousarray(index)))  # (T, N, 2S+1)
    neg = Tensor._wrap(xp.full((n, width), _NEG_INF, dtype=dt))
    start = np.zeros((n, width), dtype=bool)
    start[:, :2] = True
    start[:, 1] &= tlen > 0
    alpha = _ops.where(Tensor._wrap(xp.asarray(start)), lp[0], neg)
    skip_t = Tensor._wrap(xp.asarray(skip))
    pad1 = Tensor._wrap(xp.full((n, 1), _NEG_INF, dtype=dt))
    pad2 = Tensor._wrap(xp.full((n, 2), _NEG_INF, dtype=dt))
    for t in range(1, int(ilen.max()) if n else 0):
        prev1 = _ops.cat([pad1, alpha[:, :-1]], 1)
        prev2 = _ops.where(skip_t, _ops.cat([pad2, alpha[:, :-2]], 1), neg)
        new = _logsumexp([alpha, prev1, prev2], xp) + lp[t]
        active = Tensor._wrap(xp.asarray((t < ilen)[:, None]))
        alpha = _ops.where(active, new, alpha)
    last = 2 * tlen  # index of the final blank; the final label sits just before it
    ends = [_ops.gather(alpha, 1, Tensor._wrap(xp.asarray(last[:, None])))]
    ends.append(_ops.where(Tensor._wrap(xp.asarray((tlen > 0)[:, None])),
                           _ops.gather(alpha, 1, Tensor._wrap(xp.asarray(
                               np.maximum(last - 1, 0)[:, None]))), neg[:, :1]))
    ll = _logsumexp(ends, xp)[:, 0]
    empty = Tensor._wrap(xp.asarray(ilen == 0))  # no frames: only the empty target fits
    ll = _ops.where(empty, Tensor._wrap(xp.asarray(np.where(tlen == 0, 0.0, _NEG_INF),
                                                   dtype=dt)), ll)
    return -ll


__all__ = ["ctc_loss"]
