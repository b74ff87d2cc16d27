"""``torch.version``: minigrad's version, the CUDA version CuPy runs on, the git commit.

``cuda`` is the CUDA runtime version of CuPy, minigrad's GPU backend (``'12.4'``), or None
when CuPy is not usable; ``git_version`` is the commit of a git checkout of minigrad, or
``'unknown'``. Both are computed on first access (CuPy is imported lazily).
"""
from __future__ import annotations

import functools
import os
import subprocess

hip = None
rocm = None
xpu = None
debug = False


@functools.lru_cache(maxsize=None)
def _cuda_version():
    from . import backend

    if not backend.cupy_available():
        return None
    v = int(backend._cupy.cuda.runtime.runtimeGetVersion())  # e.g. 12040
    return f"{v // 1000}.{v % 1000 // 10}"


@functools.lru_cache(maxsize=None)
def _git_version() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        out = subprocess.run(["git", "-C", here, "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"


def __getattr__(name):
    if name == "__version__":
        from . import __version__ as v

        return v
    if name == "cuda":
        return _cuda_version()
    if name == "git_version":
        return _git_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
