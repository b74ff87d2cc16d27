"""Activations that are also Tensor methods (``x.hardshrink()``, ``x.prelu(w)``), as in
PyTorch; ``F.hardshrink`` and ``F.prelu`` are these functions. Composites: gradients (and
second derivatives) come from ``where`` and the arithmetic ops."""
from __future__ import annotations

from .._autocast import autocast_op
from .compare import where

METHODS = ("hardshrink", "prelu")


def hardshrink(input, lambd: float = 0.5):
    """x where |x| > lambd, 0 elsewhere. Shape: any; output like input."""
    return where(input.abs() > lambd, input, 0.0)


@autocast_op("prelu")
def prelu(input, weight):
    """x if x >= 0 else weight * x, with one slope (``weight.numel() == 1``) or one per
    channel (dim 1).

    Shape:
        input (N, C, *) or (C,)-less shapes with a single slope; weight (1,) or (C,).
    """
    n = weight.numel()
    channels = input.shape[1] if input.ndim >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {channels}.")
    w = weight.reshape(()) if n == 1 else weight.reshape((n,) + (1,) * (input.ndim - 2))
    return where(input >= 0, input, input * w)
