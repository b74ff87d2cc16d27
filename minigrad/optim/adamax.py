"""Adamax: Adam with the infinity norm (Kingma & Ba, 2015, section 7.1)."""
from __future__ import annotations

from .optimizer import Optimizer, array_module, check_betas, check_hparam, init_state, step_counter

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax, as ``torch.optim.Adamax``.

    With ``g = grad (+ weight_decay * p)`` (negated when ``maximize``) at step ``t``::

        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    Args:
        params: tensors or param groups to optimize.
        lr: learning rate (default 2e-3).
        betas: decay rates of the mean and of the infinity norm (default (0.9, 0.999)).
        eps: added to ``|g|`` for stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        foreach, capturable: PyTorch's implementation selectors; accepted, no effect.
        maximize: ascend the objective instead of descending it.
        differentiable: must be False (autograd through the step is not supported).
    """

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False):
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                        weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hparam("eps", group["eps"], label="epsilon value")
        check_betas(group["betas"])
        check_hparam("weight_decay", group["weight_decay"], label="weight_decay value")

    def _step_group(self, group):
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                init_state(state, p, "exp_avg", "exp_inf")
            t = step_counter(state)
            x, m, u = p.array, state["exp_avg"].array, state["exp_inf"].array
            xp = array_module(x)
            g = -p.grad.array if group["maximize"] else p.grad.array
            if wd != 0:
                g = g + wd * x
            m += (1 - b1) * (g - m)
            xp.maximum(u * b2, xp.abs(g) + eps, out=u)
            x -= (lr / (1 - b1**t)) * (m / u)
