"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize."""
from __future__ import annotations

from ..creation import empty_like
from .optimizer import Optimizer, axpy, check_hparam, effective_grad

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (as ``torch.optim.SGD``).

    With ``d = grad (+ weight_decay * p)`` (negated when ``maximize``)::

        buf = d                                   (first step)
        buf = momentum * buf + (1 - dampening) * d (later steps)
        d   = d + momentum * buf  if nesterov else buf      (when momentum != 0)
        p   = p - lr * d

    Args:
        params: tensors or param groups to optimize.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening of the momentum (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend the objective instead of descending it.
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hparam("momentum", group["momentum"], label="momentum value")
        check_hparam("dampening", group["dampening"], label="dampening value")
        check_hparam("weight_decay", group["weight_decay"], label="weight_decay value")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _step_group(self, group):
        lr, mom, damp = group["lr"], group["momentum"], group["dampening"]
        wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            x = p.data
            xp = p.xp
            t0, t1 = self._buffers(x, 2)
            g, s = effective_grad(xp, p, wd, maximize, t1)  # direction d = s * g
            if mom == 0:
                axpy(xp, x, -lr * s, g, t0)
                continue
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = empty_like(p)
                xp.multiply(g, s, out=buf.data)
                state["momentum_buffer"] = buf
            else:
                b = buf.data
                xp.multiply(b, mom, out=b)
                axpy(xp, b, (1 - damp) * s, g, t0)
            if nesterov:  # p -= lr * (d + mom * buf)
                axpy(xp, x, -lr * s, g, t0)
                axpy(xp, x, -lr * mom, buf.data, t0)
            else:
                axpy(xp, x, -lr, buf.data, t0)
