"""``SyncBatchNorm``: batch normalization whose batch statistics span all ranks.

In training, the per-channel mean and variance are those of the whole global batch (every
rank's samples), computed with differentiable all-reduces, so the output and all
gradients equal those of ``BatchNorm`` on the concatenated batch. In eval mode, or in a
world of one, it is ``BatchNorm``. ``minigrad.distributed`` is imported on first use.
"""
from __future__ import annotations

from ..autograd.grad_mode import no_grad
from ..ops.movement import cat
from ..tensor import Tensor
from .module import Module
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """Batch normalization over (N, C, ...) inputs with statistics synchronised across
    ``process_group`` (default: the world). Arguments as ``BatchNorm``'s.

    Every rank must call forward and backward the same number of times (each holds
    collectives), as with PyTorch's.
    """

    _expected_dims = (2, 3, 4, 5)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, process_group=None,
                 device=None, dtype=None, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(f"expected at least 2D input (got {input.ndim}D input)")

    def forward(self, input: Tensor) -> Tensor:
        from .. import distributed as dist

        self._check_input_dim(input)
        if not self.training or not dist.is_initialized() or \
                dist.get_world_size(self.process_group) == 1:
            return super().forward(input)
        from ..distributed.nn.functional import all_reduce

        c = input.shape[1]
        dims = (0,) + tuple(range(2, input.ndim))
        shape = (1, c) + (1,) * (input.ndim - 2)
        count = input.new_full((1,), input.numel() // c)
        # pass 1: global sum and count; pass 2: global sum of squared deviations (stable)
        s = all_reduce(cat([input.sum(dim=dims), count]), group=self.process_group)
        n = s[c]
        mean = s[:c] / n
        xc = input - mean.reshape(shape)
        var = all_reduce((xc * xc).sum(dim=dims), group=self.process_group) / n
        y = xc / (var + self.eps).sqrt().reshape(shape)
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        if self.track_running_stats:
            self._update_running_stats(mean, var, n)
        return y

    def _update_running_stats(self, mean, var, n):
        with no_grad():
            self.num_batches_tracked.add_(1)
            f = (1.0 / int(self.num_batches_tracked) if self.momentum is None
                 else self.momentum)
            total = float(n.item())
            unbiased = var * (total / max(total - 1.0, 1.0))
            self.running_mean.mul_(1 - f).add_(mean.detach() * f)
            self.running_var.mul_(1 - f).add_(unbiased.detach() * f)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group=None) -> Module:
        """Return ``module`` with every ``BatchNorm*d`` replaced by a SyncBatchNorm holding
        the same parameters and running statistics (in place for submodules)."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            if module.affine:
                out.weight, out.bias = module.weight, module.bias
            if module.track_running_stats:
                out.running_mean = module.running_mean
                out.running_var = module.running_var
                out.num_batches_tracked = module.num_batches_tracked
            out.train(module.training)
        for name, child in module.named_children():
            new = cls.convert_sync_batchnorm(child, process_group)
            if new is not child:
                setattr(out, name, new)
        return out

