"""``torch.backends.cuda``: CUDA switches (``matmul.allow_tf32``, attention kernels).

``is_built()`` says whether CuPy, minigrad's CUDA backend, can be used. The attention
switches are recorded; minigrad has one attention implementation (math), always enabled.
"""
from __future__ import annotations


class _MatmulSettings:
    """``torch.backends.cuda.matmul``: precision switches for CUDA matrix products."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True

    def __repr__(self):
        return (f"matmul(allow_tf32={self.allow_tf32}, allow_fp16_reduced_precision_reduction="
                f"{self.allow_fp16_reduced_precision_reduction})")


matmul = _MatmulSettings()
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built() -> bool:
    """True when CuPy imports and sees a GPU (minigrad's CUDA support is CuPy)."""
    from .. import backend

    return backend.cupy_available()


def enable_flash_sdp(enabled: bool) -> None:
    _sdp["flash"] = bool(enabled)


def flash_sdp_enabled() -> bool:
    return _sdp["flash"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    _sdp["mem_efficient"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    return _sdp["mem_efficient"]


def enable_math_sdp(enabled: bool) -> None:
    _sdp["math"] = bool(enabled)


def math_sdp_enabled() -> bool:
    return _sdp["math"]


def enable_cudnn_sdp(enabled: bool) -> None:
    _sdp["cudnn"] = bool(enabled)


def cudnn_sdp_enabled() -> bool:
    return _sdp["cudnn"]


def preferred_linalg_library(backend=None) -> str:
    """CuPy chooses its own (cuSOLVER): answers ``'default'``."""
    return "default"
