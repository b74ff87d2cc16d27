"""Rprop: resilient backpropagation (Riedmiller & Braun, 1993)."""
from __future__ import annotations

from ..creation import full_like
from .optimizer import Optimizer, array_module, init_state, step_counter

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop, as ``torch.optim.Rprop``: each weight has its own step size, grown by
    ``etaplus`` while the gradient keeps its sign and shrunk by ``etaminus`` when it flips.

    With ``g`` the gradient (negated when ``maximize``) and ``s = sign(g * prev)``::

        step_size = clamp(step_size * (etaplus if s > 0 else etaminus if s < 0 else 1),
                          *step_sizes)
        g = 0 where s < 0          (no move right after a sign change)
        p = p - sign(g) * step_size;  prev = g

    Args:
        params: tensors or param groups to optimize.
        lr: initial step size (default 1e-2).
        etas: ``(etaminus, etaplus)``, with ``0 < etaminus < 1 < etaplus`` (default (0.5, 1.2)).
        step_sizes: ``(min, max)`` bounds of the step sizes (default (1e-6, 50)).
        capturable, foreach: PyTorch's implementation selectors; accepted, no effect.
        maximize: ascend the objective instead of descending it.
        differentiable: must be False (autograd through the step is not supported).
    """

    def __init__(self, params, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        super()._check_group(group)
        etaminus, etaplus = group["etas"]
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Invalid eta values: {etaminus}, {etaplus}")

    def _step_group(self, group):
        (etaminus, etaplus), (lo, hi) = group["etas"], group["step_sizes"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                init_state(state, p, "prev")
                state["step_size"] = full_like(p, group["lr"])
            step_counter(state)
            x, prev, size = p.array, state["prev"].array, state["step_size"].array
            xp = array_module(x)
            g = -p.grad.array if group["maximize"] else p.grad.array
            s = xp.sign(g * prev)
            factor = xp.ones_like(size)  # in the parameter's dtype, as PyTorch's sign tensor
            factor[s > 0] = etaplus
            factor[s < 0] = etaminus
            size *= factor
            xp.clip(size, lo, hi, out=size)
            g = xp.where(s < 0, 0, g)
            x -= xp.sign(g) * size
            prev[...] = g
