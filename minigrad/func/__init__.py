"""``minigrad.func`` (as ``torch.func``): so far only ``functional_call``.

The function transforms of ``torch.func`` (``grad``, ``vmap``, ``jacrev``, ...) are not
provided; use ``minigrad.autograd.grad`` for gradients.
"""
from __future__ import annotations

from typing import Any

from ..nn.utils.stateless import _functional_call

__all__ = ["functional_call"]


def functional_call(module, parameter_and_buffer_dicts, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False):
    """``module(*args, **kwargs)`` with the given tensors standing in for its parameters and
    buffers (``nn.utils.stateless.functional_call`` without its deprecation warning).

    Args:
        module: the module to call.
        parameter_and_buffer_dicts: ``{dotted_name: tensor}`` or a tuple of such dicts.
        args: one positional argument or a tuple of them.
        kwargs: keyword arguments.
        tie_weights: a value for one name of a shared tensor replaces all its names.
        strict: the names must be exactly the module's parameters and buffers.
    """
    return _functional_call(module, parameter_and_buffer_dicts, args, kwargs,
                            tie_weights=tie_weights, strict=strict)
