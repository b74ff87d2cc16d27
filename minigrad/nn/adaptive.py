"""``nn.AdaptiveLogSoftmaxWithLoss`` (Grave et al., 2016, "Efficient softmax approximation
for GPUs"): frequent classes share a head softmax with one entry per rarer cluster; each
cluster's classes get their own softmax behind a smaller (div_value-shrunk) projection."""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from .. import ops as _ops
from ..tensor import Tensor
from . import functional as F
from .containers import ModuleList, Sequential
from .layers import Linear
from .module import Module

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


def _host_ints(t: Tensor) -> np.ndarray:
    """The class indices of ``t`` on the host, flat int64 (they choose the clusters)."""
    return np.asarray(t.detach().cpu().numpy()).astype(np.int64).reshape(-1)


def _rows_in(tgt: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.flatnonzero((tgt >= lo) & (tgt < hi))


def _index(like: Tensor, a) -> Tensor:
    """Host integers as an int64 index tensor on ``like``'s device."""
    return Tensor._wrap(like.xp.asarray(a, dtype=like.xp.int64))


class AdaptiveLogSoftmaxWithLoss(Module):
    """Log-probabilities of targets under an adaptive softmax, and their mean negative.

    Args:
        in_features: size of each input row.
        n_classes: number of classes (sorted by decreasing frequency).
        cutoffs: increasing class boundaries of the clusters, each in [1, n_classes - 1].
        div_value: each cluster's hidden size is in_features // div_value ** (i + 1).
        head_bias: whether the head Linear has a bias.

    ``forward(input (N, in_features) or (in_features,), target (N,) or ())`` returns
    ``(output, loss)``: the target log-probabilities (N,) and their mean negative.
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device=None,
                 dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        kw = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw),
                                        Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        if target_.ndim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch "
                                   "dimension.")
            if input_.ndim != 2:
                raise RuntimeError("1D target tensor expects 2D input tensors, but found "
                                   f"inputs with size {input_.shape}")
        elif target_.ndim == 0:
            if input_.ndim != 1:
                raise RuntimeError("0D target tensor expects 1D input tensors, but found "
                                   f"inputs with size {input_.shape}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = target_.ndim > 0
        input = input_ if batched else input_.unsqueeze(0)
        tgt = _host_ints(target_)
        if tgt.size and (tgt.min() < 0 or tgt.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{tgt.min()}, {tgt.max()}] were found. ")
        head_index = tgt.copy()  # the head entry each row reads: its class or its cluster
        output = None
        for i in range(self.n_clusters):
            lo, hi = self.cutoffs[i], self.cutoffs[i + 1]
            rows = _rows_in(tgt, lo, hi)
            if rows.size == 0:
                continue
            head_index[rows] = self.shortlist_size + i
            logp = F.log_softmax(self.tail[i](_ops.index_select(input, 0, _index(input, rows))),
                                 1)
            local = _ops.gather(logp, 1, _index(input, tgt[rows] - lo)[:, None])[:, 0]
            zeros = input.new_zeros((tgt.size,))
            part = _ops.index_add(zeros, 0, _index(input, rows), local)
            output = part if output is None else output + part
        head_logp = F.log_softmax(self.head(input), 1)
        head = _ops.gather(head_logp, 1, _index(input, head_index)[:, None])[:, 0]
        output = head if output is None else output + head
        loss = (-output).mean()
        return _ASMoutput(output if batched else output[0], loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head_logp = F.log_softmax(head_output, 1)
        parts = [head_logp[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = F.log_softmax(self.tail[i](input), 1)
            parts.append(cluster + head_logp[:, self.shortlist_size + i].unsqueeze(1))
        return _ops.cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of all classes: (N, in_features) -> (N, n_classes)."""
        return self._full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:
        """The most probable class of each row: (N, in_features) -> (N,)."""
        head_output = self.head(input)
        out = head_output.argmax(1)
        if bool((out < self.shortlist_size).all()):
            return out
        return self._full_log_prob(input, head_output).argmax(1)


__all__ = ["AdaptiveLogSoftmaxWithLoss"]
