"""Gradient clipping, in place on ``p.grad`` (as ``torch.nn.utils.clip_grad``)."""
from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """The ``norm_type``-norm of the norms of ``tensors`` (as if concatenated into one
    vector); pass the gradients, e.g. ``[p.grad for p in params if p.grad is not None]``.

    Returns:
        A 0-d Tensor (0 for no tensors).
    """
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = [t for t in tensors if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        from ...creation import tensor

        return tensor(0.0)
    xp = tensors[0].xp
    with no_grad():
        if math.isinf(norm_type):
            norms = [xp.abs(g.array).max() if g.array.size else xp.zeros((), g.array.dtype)
                     for g in tensors]
            total = xp.max(xp.stack(norms))
        else:
            norms = [xp.sum(xp.abs(g.array) ** norm_type) ** (1.0 / norm_type) for g in tensors]
            total = xp.sum(xp.stack(norms) ** norm_type) ** (1.0 / norm_type)
        total = xp.asarray(total, dtype=tensors[0].array.dtype)
        if error_if_nonfinite and not bool(xp.isfinite(total)):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
            )
    return Tensor._wrap(total)


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor, foreach=None) -> None:
    """Scale every gradient in place by ``min(1, max_norm / (total_norm + 1e-6))``, given
    the total norm (``get_total_norm``) computed beforehand."""
    grads = _grads(parameters)
    if not grads:
        return
    xp = grads[0].xp
    total = total_norm.array if isinstance(total_norm, Tensor) else xp.asarray(total_norm)
    with no_grad():
        # always applied, min(1, .) on the device (as PyTorch): reading ``total`` back to
        # decide would synchronise the GPU on every step
        coef = Tensor._wrap(xp.asarray(xp.minimum(float(max_norm) / (total + 1e-6), 1.0)))
        for g in grads:
            g.mul_(coef)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None) -> Tensor:
    """Scale all gradients together so their joint ``norm_type``-norm is at most ``max_norm``.

    The joint norm is the norm of the vector of per-gradient norms (as if all gradients
    were concatenated). Gradients are scaled by ``min(1, max_norm / (total + 1e-6))``.

    Returns:
        The total norm before clipping, a 0-d Tensor.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    total = get_total_norm(_grads(parameters), norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: Tensor | Iterable[Tensor], max_norm: float,
                   norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_` (FutureWarning, as PyTorch)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach=None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
