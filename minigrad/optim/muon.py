"""Muon: momentum orthogonalized by Newton-Schulz (Jordan et al., 2024), for 2-D weights."""
from __future__ import annotations

import math

from ..creation import zeros_like
from .optimizer import Optimizer, array_module, lerp_

__all__ = ["Muon"]

EPS = 1e-7
DEFAULT_A, DEFAULT_B, DEFAULT_C = 3.4445, -4.7750, 2.0315
DEFAULT_NS_STEPS = 5


class Muon(Optimizer):
    """Muon, as ``torch.optim.Muon``; only for 2-D parameters (use AdamW for the others).

    With ``g`` the gradient::

        B = momentum * B + (1 - momentum) * g            (a lerp, as PyTorch writes it)
        U = g + momentum * (B - g) if nesterov else B
        O = NS(U)          (ns_steps Newton-Schulz iterations, in bfloat16 as in PyTorch)
        p = p * (1 - lr * weight_decay) - adjusted_lr * O

    ``NS`` scales ``U`` (transposed to be wide) by its norm, then repeats
    ``X = a X + (b G + c G G) X`` with ``G = X X^T``. ``adjusted_lr`` is
    ``lr * sqrt(max(1, rows / cols))`` (``adjust_lr_fn`` None or ``'original'``) or
    ``0.2 * lr * sqrt(max(rows, cols))`` (``'match_rms_adamw'``). The bfloat16 arithmetic is
    emulated by rounding float32 results to bfloat16 after each operation (each matrix
    product accumulates in float32, as PyTorch's CPU kernels do).

    Args:
        params: 2-D tensors or param groups to optimize.
        lr: learning rate (default 1e-3).
        weight_decay: decoupled weight decay (default 0.1).
        momentum: momentum factor (default 0.95).
        nesterov: use Nesterov momentum (default True).
        ns_coefficients: ``(a, b, c)`` of the quintic iteration (default (3.4445, -4.775,
            2.0315)).
        eps: floor of the norm that scales ``U`` (default 1e-7).
        ns_steps: number of Newton-Schulz iterations, < 100 (default 5).
        adjust_lr_fn: None, ``'original'`` or ``'match_rms_adamw'``.
    """

    def __init__(self, params, lr: float = 1e-3, weight_decay: float = 0.1,
                 momentum: float = 0.95, nesterov: bool = True,
                 ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B, DEFAULT_C),
                 eps: float = EPS, ns_steps: int = DEFAULT_NS_STEPS,
                 adjust_lr_fn: str | None = None):
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                        adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)

    def _check_group(self, group):
        for bad, what, value in [(group["lr"] < 0, "Learning rate", group["lr"]),
                                 (group["momentum"] < 0, "momentum", group["momentum"]),
                                 (group["weight_decay"] < 0, "weight decay",
                                  group["weight_decay"])]:
            if bad:  # PyTorch's messages
                raise ValueError(f"{what} should be >= 0 but is: {value}")
        if group["adjust_lr_fn"] not in (None, "original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {group['adjust_lr_fn']} is not "
                             "supported")
        super()._check_group(group)
        for p in group["params"]:
            if p.dim() != 2:
                raise ValueError("Muon only supports 2D parameters whereas we found a parameter "
                                 f"with size: {_size(p.shape)}")

    def _step_group(self, group):
        lr, mom, wd = group["lr"], group["momentum"], group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = zeros_like(p.grad)
            x, g, buf = p.array, p.grad.array, state["momentum_buffer"].array
            xp = array_module(x)
            if g.ndim != 2:
                raise ValueError("Param gradient must be a 2D matrix")
            lerp_(xp, buf, g, 1 - mom)
            if group["nesterov"]:
                u = g.copy()
                lerp_(xp, u, buf, mom)
            else:
                u = buf
            o = zeropower_via_newtonschulz(u, group["ns_coefficients"], group["ns_steps"],
                                           group["eps"])
            x *= 1 - lr * wd
            x -= _adjust_lr(lr, group["adjust_lr_fn"], x.shape) * o.astype(x.dtype)


def zeropower_via_newtonschulz(g, ns_coefficients, ns_steps: int, eps: float):
    """The approximate orthogonalization ``U S' V^T`` of a 2-D array ``g = U S V^T``
    (``S'`` roughly uniform in [0.5, 1.5]), computed in emulated bfloat16 as PyTorch does;
    returned as float32 holding bfloat16 values."""
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if g.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    xp = array_module(g)
    a, b, c = ns_coefficients
    bf = _bfloat16_round
    x = bf(xp, g.astype(xp.float32))
    tall = g.shape[0] > g.shape[1]
    if tall:
        x = x.T
    norm = bf(xp, xp.asarray(xp.sqrt((x * x).sum(dtype=xp.float32)), dtype=xp.float32))
    x = bf(xp, x / xp.maximum(norm, bf(xp, xp.asarray(eps, dtype=xp.float32))))
    for _ in range(ns_steps):
        gram = bf(xp, x @ x.T)
        update = bf(xp, b * gram + c * (gram @ gram))
        x = bf(xp, a * x + update @ x)
    return x.T if tall else x


def _bfloat16_round(xp, x):
    """float32 ``x`` rounded to the nearest bfloat16 (ties to even), kept as float32."""
    bits = xp.ascontiguousarray(x, dtype=xp.float32).view(xp.uint32)
    bits = (bits + ((bits >> 16) & 1) + 0x7FFF) & 0xFFFF0000
    return bits.astype(xp.uint32).view(xp.float32)


def _adjust_lr(lr: float, adjust_lr_fn: str | None, shape) -> float:
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr


def _size(shape) -> str:
    return f"torch.Size({list(shape)})"
