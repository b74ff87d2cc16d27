"""RMSprop (Hinton's lecture 6e), with momentum, centering, weight decay and maximize."""
from __future__ import annotations

from .. import _threads, dtypes
from ..creation import zeros, zeros_like
from .optimizer import Optimizer, array_module, axpy, check_hparam, direction, step_counter

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    With ``g = grad (+ weight_decay * p)`` (negated when ``maximize``)::

        v = alpha * v + (1 - alpha) * g**2
        avg = sqrt(v - g_avg**2) + eps,  g_avg = alpha * g_avg + (1 - alpha) * g  (centered)
        avg = sqrt(v) + eps                                                       (otherwise)
        buf = momentum * buf + g / avg;  p = p - lr * buf     (momentum > 0)
        p = p - lr * g / avg                                  (otherwise)

    Args:
        params: tensors or param groups to optimize.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the squared-gradient average (default 0.99).
        eps: added to the denominator for stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalise by an estimate of the gradient's variance.
        maximize: ascend the objective instead of descending it.
        capturable, foreach: PyTorch's implementation selectors; accepted, no effect.
        differentiable: must be False (autograd through the step is not supported).
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        check_hparam("eps", group["eps"], label="epsilon value")
        check_hparam("momentum", group["momentum"], label="momentum value")
        check_hparam("weight_decay", group["weight_decay"], label="weight_decay value")
        check_hparam("alpha", group["alpha"], 0.0, 1.0, high_open=False, label="alpha value")

    def _step_group(self, group):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        wd, mom, centered = group["weight_decay"], group["momentum"], group["centered"]
        work = []
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = zeros((), dtype=dtypes.float32, device="cpu")
                state["square_avg"] = zeros_like(p)
                if mom > 0:
                    state["momentum_buffer"] = zeros_like(p)
                if centered:
                    state["grad_avg"] = zeros_like(p)
            step_counter(state)
            arrays = (p.array, p.grad.array, state["square_avg"].array)
            arrays += (state["momentum_buffer"].array,) if mom > 0 else (None,)
            arrays += (state["grad_avg"].array,) if centered else (None,)
            work.append((arrays, (lr, alpha, eps, wd, mom, group["maximize"])))
        self._run_blocked(_rmsprop_block, work)


def _rmsprop_block(arrays, coefs):
    """One RMSprop update of a block of a parameter, in place (see ``RMSprop``)."""
    lr, alpha, eps, wd, mom, maximize = coefs
    x, g, v, buf, ga = arrays
    xp = array_module(x)
    tmp, tg = _threads.scratch(x, 2)
    g, s = direction(xp, x, g, wd, maximize, tg)
    xp.multiply(v, alpha, out=v)
    xp.multiply(g, 1 - alpha, out=tmp)
    xp.multiply(tmp, g, out=tmp)
    xp.add(v, tmp, out=v)
    if ga is not None:  # centered
        xp.multiply(ga, alpha, out=ga)
        axpy(xp, ga, (1 - alpha) * s, g, tmp)
        xp.multiply(ga, ga, out=tmp)
        xp.subtract(v, tmp, out=tmp)
        xp.sqrt(tmp, out=tmp)
    else:
        xp.sqrt(v, out=tmp)
    xp.add(tmp, eps, out=tmp)
    xp.divide(g, tmp, out=tmp)  # tmp = g / avg, the step direction is s * tmp
    if buf is not None:  # momentum
        xp.multiply(buf, mom, out=buf)
        axpy(xp, buf, s, tmp, tmp)
        axpy(xp, x, -lr, buf, tmp)
    else:
        axpy(xp, x, -lr * s, tmp, tmp)
