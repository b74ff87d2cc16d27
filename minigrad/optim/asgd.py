"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992)."""
from __future__ import annotations

from .optimizer import Optimizer, check_hparam, init_state, step_counter

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD, as ``torch.optim.ASGD``.

    With ``g = grad (+ weight_decay * p)`` (negated when ``maximize``) at step ``t``, and the
    step size ``eta`` and averaging rate ``mu`` of the previous step (``eta = lr``, ``mu = 1``
    at first)::

        p  = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax)              (ax = p while mu == 1)
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu  = 1 / max(1, t - t0)

    ``ax``, the running average of the iterates, is kept in ``state[p]['ax']``; ``eta`` and
    ``mu`` are 0-d float32 tensors as in PyTorch.

    Args:
        params: tensors or param groups to optimize.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the ``eta`` update (default 0.75).
        t0: step at which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        foreach, capturable: PyTorch's implementation selectors; accepted, no effect.
        maximize: ascend the objective instead of descending it.
        differentiable: must be False (autograd through the step is not supported).
    """

    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False):
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hparam("weight_decay", group["weight_decay"], label="weight_decay value")

    def _step_group(self, group):
        lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
        wd = group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                init_state(state, p, "ax", eta=lr, mu=1.0)
            t = step_counter(state)
            x, ax = p.array, state["ax"].array
            eta, mu = state["eta"].array, state["mu"].array
            g = -p.grad.array if group["maximize"] else p.grad.array
            if wd != 0:
                g = g + wd * x
            e = float(eta)
            x *= 1 - lambd * e
            x -= e * g
            if float(mu) != 1:
                ax += (x - ax) * float(mu)
            else:
                ax[...] = x
            eta[...] = lr / ((1 + lambd * lr * t) ** alpha)
            mu[...] = 1 / max(1, t - t0)
