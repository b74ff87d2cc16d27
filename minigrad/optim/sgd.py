"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize."""
from __future__ import annotations

from .. import _threads
from ..creation import empty_like
from .optimizer import Optimizer, array_module, axpy, check_hparam, direction

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
        foreach, fused: PyTorch's implementation selectors; accepted, no effect (see
            ``optimizer.impl_flags``).
        differentiable: must be False (autograd through the step is not supported).
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
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
        work = []
        for p in group["params"]:
            if p.grad is None:
                continue
            arrays = (p.array, p.grad.array)
            first = False
            if mom != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = empty_like(p)
                    first = True
                arrays += (buf.array,)
            work.append((arrays, (lr, mom, damp, wd, nesterov, maximize, first)))
        self._run_blocked(_sgd_block, work)


def _sgd_block(arrays, coefs):
    """One SGD update of a block of a parameter, in place (see ``SGD``)."""
    lr, mom, damp, wd, nesterov, maximize, first = coefs
    x, g = arrays[:2]
    xp = array_module(x)
    t0, t1 = _threads.scratch(x, 2)
    g, s = direction(xp, x, g, wd, maximize, t1)  # direction d = s * g
    if mom == 0:
        axpy(xp, x, -lr * s, g, t0)
        return
    b = arrays[2]
    if first:
        xp.multiply(g, s, out=b)
    else:
        xp.multiply(b, mom, out=b)
        axpy(xp, b, (1 - damp) * s, g, t0)
    if nesterov:  # p -= lr * (d + mom * buf)
        axpy(xp, x, -lr * s, g, t0)
        axpy(xp, x, -lr * mom, b, t0)
    else:
        axpy(xp, x, -lr, b, t0)
