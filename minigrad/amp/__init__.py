"""``minigrad.amp``: mixed precision (as ``torch.amp``): ``autocast`` and ``GradScaler``.

``torch.cuda.amp`` / ``torch.cpu.amp`` hold the deprecated per-device spellings
(``autocast(enabled, dtype, cache_enabled)``, ``GradScaler`` for CUDA), reached as
``minigrad.cuda.amp`` and ``minigrad.cpu.amp``.
"""
import sys as _sys
import types as _types

from .. import cuda as _cuda
from .autocast_mode import (
    _legacy, autocast, custom_bwd, custom_fwd, get_autocast_dtype, is_autocast_available,
)
from .grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd", "get_autocast_dtype",
           "is_autocast_available"]


def _namespace(name, doc, **attrs):
    mod = _types.ModuleType(name, doc)
    mod.__dict__.update(attrs)
    return _sys.modules.setdefault(name, mod)


# torch.cuda.amp / torch.cpu.amp: minigrad.cuda is a module and minigrad.cpu a namespace made
# here, so their amp modules are registered by hand
_cuda.amp = _namespace("minigrad.cuda.amp", "torch.cuda.amp: autocast and GradScaler for CUDA.",
                       GradScaler=GradScaler, autocast=_legacy("cuda"),
                       custom_fwd=custom_fwd, custom_bwd=custom_bwd)
_cpu_amp = _namespace("minigrad.cpu.amp", "torch.cpu.amp: autocast for the CPU.",
                      autocast=_legacy("cpu"), GradScaler=GradScaler)
cpu = _namespace("minigrad.cpu", "torch.cpu: the CPU device module (its amp namespace).",
                 amp=_cpu_amp, is_available=lambda: True, device_count=lambda: 1,
                 synchronize=lambda device=None: None)
