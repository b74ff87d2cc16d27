"""Stochastic weight averaging and EMA of weights, as ``torch.optim.swa_utils``.

``AveragedModel`` keeps a running average (SWA, or an exponential moving average with
``get_ema_multi_avg_fn``) of a model's parameters; ``SWALR`` anneals the learning rate to a
constant SWA rate; ``update_bn`` recomputes BatchNorm statistics for the averaged weights.
"""
from __future__ import annotations

import itertools
import math
from copy import deepcopy
from typing import Any, Callable, Iterable

from .. import dtypes
from ..autograd.grad_mode import no_grad
from ..creation import tensor
from ..nn.module import Module
from ..tensor import Tensor
from .lr_scheduler.basic import LRScheduler, _per_group
from .optimizer import Optimizer

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] "
                         "range.")


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """In-place EMA over lists of tensors: ``ema = lerp(ema, current, 1 - decay)``."""
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _num_averaged) -> None:
        with no_grad():
            if ema_param_list[0].is_floating_point():
                for e, c in zip(ema_param_list, current_param_list):
                    e.lerp_(c, 1 - decay)
            else:
                for e, c in zip(ema_param_list, current_param_list):
                    e.copy_(e * decay + c * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    """In-place running mean over lists of tensors: ``avg += (current - avg) / (n + 1)``."""

    def swa_update(averaged_param_list, current_param_list, num_averaged) -> None:
        with no_grad():
            if averaged_param_list[0].is_floating_point():
                w = 1 / (float(num_averaged) + 1)
                for a, c in zip(averaged_param_list, current_param_list):
                    a.lerp_(c, w)
            else:
                for a, c in zip(averaged_param_list, current_param_list):
                    a.copy_(a + (c - a) / (num_averaged + 1))
    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """EMA of one tensor: returns ``decay * ema + (1 - decay) * current``."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged):
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn() -> Callable:
    """Running mean of one tensor: returns ``avg + (current - avg) / (n + 1)``."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged):
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are the average of the ones it is shown.

    ``update_parameters(model)`` folds ``model``'s current parameters (and buffers with
    ``use_buffers=True``) into the average: the first call copies them, later ones apply
    ``multi_avg_fn`` (lists of tensors, in place) or ``avg_fn`` (one tensor, returns the new
    value), by default the equal-weight running mean. Without ``use_buffers`` the buffers are
    copied from ``model`` each time. ``n_averaged`` counts the updates (a long buffer).

    Args:
        model: the model to average (deep-copied).
        device: where to keep the averaged copy (default: where ``model`` is).
        avg_fn: ``(averaged, current, n_averaged) -> new averaged``, per tensor.
        multi_avg_fn: ``(averaged_list, current_list, n_averaged) -> None``, in place.
        use_buffers: average the buffers too (instead of copying them).
    """

    def __init__(self, model: Module, device=None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=dtypes.long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters into the average (see the class docstring)."""
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        first = int(self.n_averaged) == 0
        averaged, current = [], []
        with no_grad():
            for a, c in zip(mine, theirs):
                a, c = a.detach(), c.detach().to(a.device)
                averaged.append(a)
                current.append(c)
                if first:
                    a.copy_(c)
            if not first and self.multi_avg_fn is not None:
                groups: dict = {}  # one call per (device, dtype), as PyTorch groups them
                for a, c in zip(averaged, current):
                    lists = groups.setdefault((str(a.device), a.dtype), ([], []))
                    lists[0].append(a)
                    lists[1].append(c)
                for (dev, _), (a_list, c_list) in groups.items():
                    self.multi_avg_fn(a_list, c_list, self.n_averaged.to(dev))
            elif not first:  # PyTorch's per-tensor path on the CPU (its default there too)
                fn = self.avg_fn or get_swa_avg_fn()
                for a, c in zip(averaged, current):
                    a.copy_(fn(a, c, self.n_averaged.to(a.device)))
            if not self.use_buffers:
                for b_mine, b_theirs in zip(self.module.buffers(), model.buffers()):
                    b_mine.copy_(b_theirs.detach().to(b_mine.device))
            self.n_averaged += 1


def update_bn(loader: Iterable[Any], model: Module, device=None) -> None:
    """Recompute the running statistics of ``model``'s BatchNorm layers in one pass over
    ``loader`` (a cumulative average over its batches; the first element of list/tuple
    batches is the input), as ``torch.optim.swa_utils.update_bn``."""
    from ..nn.normalization import _BatchNorm

    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for input in loader:
            if isinstance(input, (list, tuple)):
                input = input[0]
            if device is not None:
                input = input.to(device)
            model(input)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's rate to ``swa_lr`` over ``anneal_epochs`` epochs (cosine or linear),
    then hold it, as ``torch.optim.swa_utils.SWALR``.

    Args:
        optimizer: the wrapped optimizer.
        swa_lr: the final rate, or one per param group (stored as ``group['swa_lr']``).
        anneal_epochs: epochs of the annealing phase (default 10; 0 jumps at once).
        anneal_strategy: ``'cos'`` (default) or ``'linear'``.
        last_epoch: index of the last epoch (default -1).
    """

    def __init__(self, optimizer: Optimizer, swa_lr, anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1):
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        # undo the previous step's blend to recover the rate before annealing, then re-blend
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha)
                    for g in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [g["swa_lr"] * alpha + lr * (1 - alpha)
                for g, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" \
            else self._linear_anneal

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
