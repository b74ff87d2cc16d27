"""Adam and AdamW (decoupled weight decay), with amsgrad and maximize."""
from __future__ import annotations

import math

from .. import _threads, cuda_kernels
from .optimizer import (
    Optimizer,
    array_module,
    axpy,
    check_betas,
    check_hparam,
    direction,
    init_state,
    step_counter,
)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``.

    With ``g = grad (+ weight_decay * p)`` (negated when ``maximize``) at step ``t``::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_hat = max(v_hat, v) if amsgrad else v
        p = p - lr / (1 - beta1**t) * m / (sqrt(v_hat) / sqrt(1 - beta2**t) + eps)

    With ``decoupled_weight_decay=True`` (AdamW) the decay is instead applied to the
    weights: ``p = p * (1 - lr * weight_decay)`` before the update, and not added to g.

    Args:
        params: tensors or param groups to optimize.
        lr: learning rate (default 1e-3).
        betas: decay rates of the first and second moment averages (default (0.9, 0.999)).
        eps: added to the denominator for stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        amsgrad: use the maximum of past second moments (AMSGrad).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: decay the weights directly (AdamW).
        foreach, capturable, fused: PyTorch's implementation selectors; accepted, no effect
            (see ``optimizer.impl_flags``).
        differentiable: must be False (autograd through the step is not supported).
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False):
        defaults = dict(lr=lr, betas=tuple(betas) if isinstance(betas, list) else betas, eps=eps,
                        weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hparam("eps", group["eps"], label="epsilon value")
        check_betas(group["betas"])
        check_hparam("weight_decay", group["weight_decay"], label="weight_decay value")

    def _step_group(self, group):
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        work = []
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                init_state(state, p, "exp_avg", "exp_avg_sq", *["max_exp_avg_sq"] * amsgrad)
            t = step_counter(state)
            # lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
            #   == (lr*sqrt(bc2)/bc1) * m / (sqrt(v) + eps*sqrt(bc2)): one pass fewer
            bc2_sqrt = math.sqrt(1 - b2**t)
            coefs = (b1, b2, 0 if decoupled else wd, maximize,
                     1 - lr * wd if wd != 0 and decoupled else None,
                     eps * bc2_sqrt, -lr * bc2_sqrt / (1 - b1**t))
            arrays = (p.array, p.grad.array, state["exp_avg"].array, state["exp_avg_sq"].array)
            if amsgrad:
                arrays += (state["max_exp_avg_sq"].array,)
            work.append((arrays, coefs))
        self._run_blocked(_adam_block, work)


def _adam_block(arrays, coefs):
    """One Adam update of a block of a parameter, in place (see ``Adam``)."""
    b1, b2, wd, maximize, shrink, eps_hat, step = coefs
    x, g, m, v = arrays[:4]
    fused = cuda_kernels.get("adam" if len(arrays) == 4 else "adam_amsgrad", x, g)
    if fused is not None:  # on a GPU: the whole update in one kernel launch
        fused(g, 1.0 if shrink is None else shrink, wd, -1.0 if maximize else 1.0, b1, b2,
              eps_hat, step, x, *arrays[2:])  # outputs: x, m, v (, vmax)
        return
    xp = array_module(x)
    tmp, tg = _threads.scratch(x, 2)
    if shrink is not None:  # AdamW's decoupled decay
        xp.multiply(x, shrink, out=x)
    g, s = direction(xp, x, g, wd, maximize, tg)
    xp.multiply(m, b1, out=m)
    axpy(xp, m, (1 - b1) * s, g, tmp)
    xp.multiply(v, b2, out=v)
    xp.multiply(g, 1 - b2, out=tmp)
    xp.multiply(tmp, g, out=tmp)
    xp.add(v, tmp, out=v)
    if len(arrays) == 5:  # amsgrad
        vmax = arrays[4]
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    xp.sqrt(v, out=tmp)
    xp.add(tmp, eps_hat, out=tmp)
    xp.divide(m, tmp, out=tmp)
    axpy(xp, x, step, tmp, tmp)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Same arguments as ``Adam``; ``weight_decay`` defaults to 1e-2 and shrinks the weights
    (``p *= 1 - lr * weight_decay``) instead of being added to the gradient.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
