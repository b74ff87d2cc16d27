"""NAdam: Adam with Nesterov momentum (Dozat, 2016), with momentum decay."""
from __future__ import annotations

from .optimizer import Optimizer, array_module, check_betas, check_hparam, init_state, step_counter

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam``.

    With ``g = grad (+ weight_decay * p)`` (negated when ``maximize``) at step ``t``, and the
    momentum schedule ``mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))``::

        P  = P * mu_t                         (the product of the mu's, kept in state)
        m  = beta1 * m + (1 - beta1) * g
        v  = beta2 * v + (1 - beta2) * g**2
        d  = sqrt(v / (1 - beta2**t)) + eps
        p  = p - lr * (1 - mu_t) / (1 - P) * g / d
               - lr * mu_{t+1} / (1 - P * mu_{t+1}) * m / d

    With ``decoupled_weight_decay=True`` (NAdamW) the weights are shrunk by
    ``1 - lr * weight_decay`` instead of adding the L2 term to ``g``.

    Args:
        params: tensors or param groups to optimize.
        lr: learning rate (default 2e-3).
        betas: decay rates of the moment averages (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay (default 0).
        momentum_decay: speed of the momentum schedule (default 4e-3).
        decoupled_weight_decay: decay the weights directly, as AdamW.
        foreach, capturable: PyTorch's implementation selectors; accepted, no effect.
        maximize: ascend the objective instead of descending it.
        differentiable: must be False (autograd through the step is not supported).
    """

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                        weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hparam("eps", group["eps"], label="epsilon value")
        check_betas(group["betas"])
        check_hparam("weight_decay", group["weight_decay"], label="weight_decay value")
        check_hparam("momentum_decay", group["momentum_decay"], label="momentum_decay value")

    def _step_group(self, group):
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        psi = group["momentum_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                init_state(state, p, "exp_avg", "exp_avg_sq", mu_product=1.0)
            t = step_counter(state)
            x, m, v = p.array, state["exp_avg"].array, state["exp_avg_sq"].array
            xp = array_module(x)
            g = -p.grad.array if group["maximize"] else p.grad.array
            if wd != 0:
                if group["decoupled_weight_decay"]:
                    x *= 1 - lr * wd
                else:
                    g = g + wd * x
            mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
            mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
            prod = state["mu_product"].array
            prod *= mu  # a float32 product, as PyTorch keeps it
            mu_prod = float(prod)
            m += (1 - b1) * (g - m)
            v *= b2
            v += (1 - b2) * g * g
            denom = xp.sqrt(v / (1 - b2**t)) + eps
            x -= (lr * (1 - mu) / (1 - mu_prod)) * (g / denom)
            x -= (lr * mu_next / (1 - mu_prod * mu_next)) * (m / denom)
