"""Adagrad (Duchi et al., 2011) with learning-rate decay, weight decay and maximize."""
from __future__ import annotations

from .. import _threads, dtypes
from ..creation import full_like, zeros
from .optimizer import Optimizer, array_module, axpy, check_hparam, direction, step_counter

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    With ``g = grad (+ weight_decay * p)`` (negated when ``maximize``) at step ``t``::

        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g**2                  (sum starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(sum) + eps)

    Args:
        params: tensors or param groups to optimize.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: starting value of the squared-gradient sums (default 0).
        eps: added to the denominator for stability (default 1e-10).
        maximize: ascend the objective instead of descending it.
        foreach, fused: PyTorch's implementation selectors; accepted, no effect.
        differentiable: must be False (autograd through the step is not supported).
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None):
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        if not state:
            state["step"] = zeros((), dtype=dtypes.float32, device="cpu")
            init = group["initial_accumulator_value"]
            state["sum"] = full_like(p, init)
        return state

    def add_param_group(self, param_group):
        # PyTorch creates Adagrad's state eagerly, so state_dict() is complete before step 1
        super().add_param_group(param_group)
        for p in self.param_groups[-1]["params"]:
            self._init_state(p, self.param_groups[-1])

    def _check_group(self, group):
        super()._check_group(group)
        check_hparam("lr_decay", group["lr_decay"], label="lr_decay value")
        check_hparam("weight_decay", group["weight_decay"], label="weight_decay value")
        check_hparam("initial_accumulator_value", group["initial_accumulator_value"],
                     label="initial_accumulator_value")
        check_hparam("eps", group["eps"], label="epsilon value")

    def _step_group(self, group):
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        wd, maximize = group["weight_decay"], group["maximize"]
        work = []
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._init_state(p, group)
            t = step_counter(state)
            clr = lr / (1 + (t - 1) * lr_decay)
            work.append(((p.array, p.grad.array, state["sum"].array), (clr, eps, wd, maximize)))
        self._run_blocked(_adagrad_block, work)


def _adagrad_block(arrays, coefs):
    """One Adagrad update of a block of a parameter, in place (see ``Adagrad``)."""
    clr, eps, wd, maximize = coefs
    x, g, acc = arrays
    xp = array_module(x)
    tmp, tg = _threads.scratch(x, 2)
    g, s = direction(xp, x, g, wd, maximize, tg)
    xp.multiply(g, g, out=tmp)
    xp.add(acc, tmp, out=acc)
    xp.sqrt(acc, out=tmp)
    xp.add(tmp, eps, out=tmp)
    xp.divide(g, tmp, out=tmp)
    axpy(xp, x, -clr * s, tmp, tmp)
