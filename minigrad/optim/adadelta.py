"""Adadelta (Zeiler, 2012)."""
from __future__ import annotations

from .optimizer import Optimizer, array_module, check_hparam, init_state, step_counter

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``.

    With ``g = grad (+ weight_decay * p)`` (negated when ``maximize``)::

        v  = rho * v + (1 - rho) * g**2
        dx = sqrt(u + eps) / sqrt(v + eps) * g
        u  = rho * u + (1 - rho) * dx**2
        p  = p - lr * dx

    Args:
        params: tensors or param groups to optimize.
        lr: scale of the update (default 1.0).
        rho: decay of the running averages (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty (default 0).
        foreach, capturable: PyTorch's implementation selectors; accepted, no effect.
        maximize: ascend the objective instead of descending it.
        differentiable: must be False (autograd through the step is not supported).
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False, differentiable: bool = False):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hparam("rho", group["rho"], 0.0, 1.0, high_open=False, label="rho value")
        check_hparam("eps", group["eps"], label="epsilon value")
        check_hparam("weight_decay", group["weight_decay"], label="weight_decay value")

    def _step_group(self, group):
        lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                init_state(state, p, "square_avg", "acc_delta")
            step_counter(state)
            x, v, u = p.array, state["square_avg"].array, state["acc_delta"].array
            xp = array_module(x)
            g = -p.grad.array if group["maximize"] else p.grad.array
            if wd != 0:
                g = g + wd * x
            v *= rho
            v += (1 - rho) * g * g
            dx = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g
            u *= rho
            u += (1 - rho) * dx * dx
            x -= lr * dx
