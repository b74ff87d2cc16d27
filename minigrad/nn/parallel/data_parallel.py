"""``nn.DataParallel`` with PyTorch's signature, for programs written for it.

PyTorch's DataParallel splits each batch over the GPUs of one process, running a replica
per GPU. minigrad never replicates: without CUDA (as PyTorch on a machine without GPUs) it
just calls the module; with CUDA it moves the inputs to ``device_ids[0]``, runs the module
there and moves the output to ``output_device`` (PyTorch's behaviour with one device id),
whatever the number of ids. Use ``nn.parallel.DistributedDataParallel`` to use several
devices. The wrapped module is ``.module``, so state-dict keys carry PyTorch's ``module.``
prefix.
"""
from __future__ import annotations

from ... import backend
from ...tensor import Tensor
from ..module import Module

__all__ = ["DataParallel", "data_parallel"]


def _index(d) -> int:
    if isinstance(d, int):
        return d
    dev = backend.device(d)
    return dev.index or 0


def _move(obj, device):
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # namedtuple
        return type(obj)(*(_move(o, device) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(_move(o, device) for o in obj)
    if isinstance(obj, dict):
        return type(obj)((k, _move(v, device)) for k, v in obj.items())
    return obj


class DataParallel(Module):
    """Call ``module`` on the first of ``device_ids`` (see the module docstring).

    Args:
        module: the module to wrap.
        device_ids: CUDA devices (ints or devices); default all; ignored without CUDA.
        output_device: where the output goes (default ``device_ids[0]``).
        dim: the batch dim PyTorch would scatter along (kept as ``.dim``).

    Attributes:
        module: the wrapped module.
        device_ids: the CUDA device indices, ``[]`` without CUDA.
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        from ... import cuda

        self.module = module
        self.dim = dim
        if not cuda.is_available():
            self.device_ids, self.output_device = [], None
            return
        if device_ids is None:
            device_ids = list(range(cuda.device_count()))
        if output_device is None:
            output_device = device_ids[0]
        self.device_ids = [_index(d) for d in device_ids]
        self.output_device = _index(output_device)
        self.src_device_obj = backend.device(f"cuda:{self.device_ids[0]}")
        if len(self.device_ids) == 1:
            self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            if t.device != self.src_device_obj:
                raise RuntimeError(
                    f"module must have its parameters and buffers on device "
                    f"{self.src_device_obj} (device_ids[0]) but found one of them on "
                    f"device: {t.device}")
        out = self.module(*_move(inputs, self.src_device_obj),
                          **_move(kwargs, self.src_device_obj))
        return _move(out, backend.device(f"cuda:{self.output_device}"))


def data_parallel(module: Module, inputs, device_ids=None, output_device=None, dim: int = 0,
                  module_kwargs=None):
    """The functional form: ``DataParallel(module, device_ids, output_device, dim)(*inputs,
    **module_kwargs)`` (without registering anything)."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    dp = DataParallel(module, device_ids, output_device, dim)
    return dp(*inputs, **(module_kwargs or {}))
