"""RAdam: Adam with a rectified adaptive learning rate (Liu et al., 2020)."""
from __future__ import annotations

import math

from .optimizer import Optimizer, array_module, check_betas, check_hparam, init_state, step_counter

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam, as ``torch.optim.RAdam``.

    With ``g = grad (+ weight_decay * p)`` (negated when ``maximize``) at step ``t``,
    ``rho_inf = 2 / (1 - beta2) - 1`` and ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``::

        m = beta1 * m + (1 - beta1) * g;  m_hat = m / (1 - beta1**t)
        v = beta2 * v + (1 - beta2) * g**2
        if rho_t > 5:   # the variance of the adaptive rate is tractable
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p = p - lr * m_hat * r * sqrt(1 - beta2**t) / (sqrt(v) + eps)
        else:           # SGD with momentum
            p = p - lr * m_hat

    With ``decoupled_weight_decay=True`` the weights are shrunk by ``1 - lr * weight_decay``
    instead of adding the L2 term to ``g``.

    Args:
        params: tensors or param groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the moment averages (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0).
        decoupled_weight_decay: decay the weights directly, as AdamW.
        foreach, capturable: PyTorch's implementation selectors; accepted, no effect.
        maximize: ascend the objective instead of descending it.
        differentiable: must be False (autograd through the step is not supported).
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                        weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hparam("eps", group["eps"], label="epsilon value")
        check_betas(group["betas"])
        check_hparam("weight_decay", group["weight_decay"], label="weight_decay value")

    def _step_group(self, group):
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        rho_inf = 2 / (1 - b2) - 1
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                init_state(state, p, "exp_avg", "exp_avg_sq")
            t = step_counter(state)
            x, m, v = p.array, state["exp_avg"].array, state["exp_avg_sq"].array
            xp = array_module(x)
            g = -p.grad.array if group["maximize"] else p.grad.array
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    x *= 1 - lr * wd
                else:
                    g = g + wd * x
            m += (1 - b1) * (g - m)
            v *= b2
            v += (1 - b2) * g * g
            bc1, bc2 = 1 - b1**t, 1 - b2**t
            m_hat = m / bc1
            rho_t = rho_inf - 2 * t * (b2**t) / bc2
            if rho_t > 5:
                rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                 / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                x -= m_hat * lr * (math.sqrt(bc2) / (xp.sqrt(v) + eps)) * rect
            else:
                x -= m_hat * lr
