"""Flatten parameters into one vector and back (as ``torch.nn.utils``)."""
from __future__ import annotations

from collections.abc import Iterable

from ... import ops as _ops
from ...tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor: every parameter flattened and concatenated (differentiable)."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    dev = params[0].device if params else None
    for p in params:
        if p.device != dev:
            raise TypeError(f"Found two parameters on different devices, this is currently not "
                            f"supported: {dev} and {p.device}")
    return _ops.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each parameter's data the matching slice of ``vec`` (the inverse of
    ``parameters_to_vector``; like PyTorch, the parameters then share memory with ``vec``)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected minigrad.Tensor, but got: {type(vec).__name__}")
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters: vec of shape {tuple(vec.shape)} doesn't match "
                           f"the parameters' {total} elements")
    ptr = 0
    for p in params:
        n = p.numel()
        if vec.device != p.device:
            raise TypeError(f"Found two parameters on different devices, this is currently not "
                            f"supported: {vec.device} and {p.device}")
        p.array = vec.array[ptr:ptr + n].reshape(p.shape)
        ptr += n
