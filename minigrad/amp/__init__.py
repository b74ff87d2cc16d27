"""``minigrad.amp``: mixed-precision helpers (as ``torch.amp``): ``GradScaler``.

``torch.cuda.amp.GradScaler`` is the same class with ``device="cuda"`` by default (reached
as ``minigrad.cuda.amp``). ``autocast`` is not provided yet.
"""
import sys as _sys
import types as _types

from .. import cuda as _cuda
from .grad_scaler import GradScaler

__all__ = ["GradScaler"]

# torch.cuda.amp: minigrad.cuda is a module, so its amp namespace is registered here
_cuda_amp = _types.ModuleType("minigrad.cuda.amp", "torch.cuda.amp: GradScaler for CUDA.")
_cuda_amp.GradScaler = GradScaler
_sys.modules.setdefault("minigrad.cuda.amp", _cuda_amp)
_cuda.amp = _sys.modules["minigrad.cuda.amp"]
