"""``torch.backends``: switches and availability queries programs set at start-up.

minigrad runs on NumPy (CPU) and CuPy (CUDA); it uses no cuDNN, MKL-DNN, OpenMP or MPS of
its own, so those report unavailable. The switches are plain attributes a program may read
and assign (``torch.backends.cudnn.benchmark = True``); they do not change minigrad's
kernels, which are deterministic on the CPU.
"""
from . import cpu, cuda, cudnn, mha, mkl, mkldnn, mps, openmp  # noqa: F401

__all__ = ["cpu", "cuda", "cudnn", "mha", "mkl", "mkldnn", "mps", "openmp"]
