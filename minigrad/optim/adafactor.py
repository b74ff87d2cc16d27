"""Adafactor: Adam-like steps with factored second moments (Shazeer & Stern, 2018)."""
from __future__ import annotations

import math

from ..creation import zeros, zeros_like
from .optimizer import Optimizer, array_module, init_state, lerp_, step_counter

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor, as ``torch.optim.Adafactor``.

    For a parameter with two or more dims the second moment of the gradient is kept as a row
    average ``R`` (shape ``(..., m, 1)``) and a column average ``C`` (``(..., 1, n)``) of
    ``g**2`` over the last two dims, and estimated as ``R @ C / mean(R)``; vectors and scalars
    keep the full average ``V``. At step ``t``, with ``beta2_t = 1 - t**beta2_decay``::

        R, C (or V) = lerp towards the new averages of g**2 with weight t**beta2_decay
        u = g / sqrt(max(estimate, eps1**2))
        rho = min(lr, 1 / sqrt(t));  alpha = max(eps2, rms(p)) * rho
        p = p * (1 - lr * weight_decay) - alpha / max(1, rms(u) / d) * u

    (``rms(p)`` is taken before the weight decay.) No first moment is kept.

    Args:
        params: tensors or param groups to optimize.
        lr: learning rate, the cap of the relative step size ``rho`` (default 1e-2).
        beta2_decay: exponent of the second-moment decay schedule, <= 0 (default -0.8).
        eps: ``(eps1, eps2)``: floor of the second moment (None: the dtype's machine
            epsilon) and floor of the parameter scale (default (None, 1e-3)).
        d: clipping threshold of the update's RMS, >= 1 (default 1.0).
        weight_decay: decoupled weight decay (default 0.0).
        foreach: PyTorch's implementation selector; accepted, no effect.
        maximize: ascend the objective instead of descending it.
    """

    def __init__(self, params, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False):
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        eps1, eps2 = group["eps"]
        for bad, what, value in [(group["lr"] < 0, "Learning rate should be >= 0", group["lr"]),
                                 (group["beta2_decay"] > 0, "beta2_decay should be <= 0",
                                  group["beta2_decay"]),
                                 (eps1 is not None and eps1 < 0, "epsilon1 should be >= 0", eps1),
                                 (eps2 < 0, "epsilon2 should be >= 0", eps2),
                                 (group["d"] < 1, "Clipping threshold d should be >= 1",
                                  group["d"]),
                                 (group["weight_decay"] < 0, "weight_decay should be >= 0",
                                  group["weight_decay"])]:
            if bad:  # PyTorch's messages
                raise ValueError(f"{what} but is: {value}")
        super()._check_group(group)

    def _step_group(self, group):
        lr, decay, d, wd = group["lr"], group["beta2_decay"], group["d"], group["weight_decay"]
        eps1, eps2 = group["eps"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                _init_factored(state, p)
            t = step_counter(state)
            x = p.array
            xp = array_module(x)
            g = -p.grad.array if group["maximize"] else p.grad.array
            e1 = xp.finfo(x.dtype).eps if eps1 is None else eps1
            w = t**decay
            rho = min(lr, 1 / t**0.5)
            alpha = max(eps2, float(xp.linalg.norm(x.ravel())) / x.size**0.5) * rho
            if wd != 0:
                x *= 1 - lr * wd
            if g.ndim > 1:
                row, col = state["row_var"].array, state["col_var"].array
                lerp_(xp, row, (g * g).mean(axis=-1, keepdims=True), w)
                lerp_(xp, col, (g * g).mean(axis=-2, keepdims=True), w)
                est = (row @ col) / xp.maximum(row.mean(axis=-2, keepdims=True), e1)
            else:
                v = state["variance"].array
                lerp_(xp, v, g * g, w)
                est = v.copy()
            u = g / xp.sqrt(xp.maximum(est, e1 * e1))
            denom = max(1.0, float(xp.linalg.norm(u.ravel())) / (math.sqrt(u.size) * d))
            x -= (alpha / denom) * u


def _init_factored(state: dict, p) -> None:
    """Step counter, then row/column averages (2+ dims) or the full average (otherwise)."""
    init_state(state, p)
    if p.dim() > 1:
        shape = list(p.shape)
        state["row_var"] = zeros(*shape[:-1], 1, dtype=p.dtype, device=p.device)
        state["col_var"] = zeros(*shape[:-2], 1, shape[-1], dtype=p.dtype, device=p.device)
    else:
        state["variance"] = zeros_like(p)
