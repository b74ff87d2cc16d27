"""The one place that chooses the array module (NumPy on CPU, CuPy on CUDA).

Nothing else in minigrad imports CuPy: everything asks this module for ``xp``.
CuPy is imported lazily, the first time a CUDA device is asked for, so CPU-only
machines never need it.
"""
from __future__ import annotations

import os

import numpy as np

_cupy = None
_cupy_error: str | None = None

_INSTALL_HINT = 'install CuPy with: pip install "minigrad[cuda12]" (or "minigrad[cuda13]")'


def _load_cupy():
    """Import cupy once; return it or None (remembering why it failed)."""
    global _cupy, _cupy_error
    if _cupy is None and _cupy_error is None:
        try:
            import cupy  # noqa: PLC0415 - lazy on purpose

            if cupy.cuda.runtime.getDeviceCount() < 1:
                raise RuntimeError("CuPy found no CUDA device")
            _cupy = cupy
        except Exception as e:  # ImportError, CUDA driver errors, ...
            _cupy_error = f"{type(e).__name__}: {e}"
    return _cupy


def cupy_available() -> bool:
    """True when CuPy imports and sees at least one GPU."""
    return _load_cupy() is not None


class Device:
    """A device, as in ``torch.device``: ``Device('cpu')``, ``Device('cuda:1')``."""

    __slots__ = ("type", "index")

    def __init__(self, type: "str | Device", index: int | None = None):
        if isinstance(type, Device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {type!r}")
        if ":" in type:
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"invalid device string: '{type}:{idx}'")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(f"unknown device type '{type}': expected 'cpu' or 'cuda'")
        if type == "cpu":
            index = None
        self.type = type
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None else ")")

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = Device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, Device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))

    def __reduce__(self):
        return (Device, (str(self),))


CPU = Device("cpu")


def device(spec=None) -> Device:
    """Parse a device spec (str, Device, int index of a GPU, or None -> default device)."""
    if spec is None:
        return default_device()
    if isinstance(spec, Device):
        return spec
    if isinstance(spec, int):
        return Device("cuda", spec)
    return Device(spec)


_default: Device | None = None  # set_default_device's choice; None: the environment's


def default_device() -> Device:
    """The device factories use when none is given: ``set_default_device``'s choice, else
    ``MINIGRAD_DEVICE``, else cpu."""
    if _default is not None:
        return _default
    return Device(os.environ.get("MINIGRAD_DEVICE", "cpu"))


def set_default_device(spec) -> None:
    """Make ``spec`` the device of tensors created without ``device=`` (None: back to the
    ``MINIGRAD_DEVICE``/cpu default), as ``torch.set_default_device``."""
    global _default
    _default = None if spec is None else device(spec)


def require_cuda():
    """Return the cupy module or raise a RuntimeError saying what is missing."""
    cp = _load_cupy()
    if cp is None:
        raise RuntimeError(
            f"CUDA is not available ({_cupy_error}); minigrad runs on NVIDIA GPUs through CuPy: "
            f"{_INSTALL_HINT}"
        )
    return cp


def get_array_module(*arrays):
    """NumPy or CuPy, from the arrays' type (``xp`` idiom of Chainer/DeZero)."""
    for a in arrays:
        if type(a) is np.ndarray:
            continue
        if _cupy is not None and isinstance(a, _cupy.ndarray):
            return _cupy
    return np


def xp_for(dev: Device):
    """The array module that holds arrays on ``dev``."""
    return np if dev.type == "cpu" else require_cuda()


def device_of(array) -> Device:
    """The Device an array lives on."""
    if type(array) is np.ndarray or _cupy is None or not isinstance(array, _cupy.ndarray):
        return CPU
    return Device("cuda", array.device.id)


_special_modules: dict = {}


def special_functions(xp):
    """The optional special-function module (erf, erfc) for array module ``xp``: CuPy's
    ``cupyx.scipy.special`` on a GPU; None for NumPy (minigrad's own float32 path beats
    SciPy's) or when it is missing."""
    if xp is np or _cupy is None or xp is not _cupy:
        return None
    if "cupy" not in _special_modules:
        try:
            import cupyx.scipy.special as sp  # noqa: PLC0415 - lazy on purpose
        except ImportError:
            sp = None
        _special_modules["cupy"] = sp
    return _special_modules["cupy"]


def to_device(array, dev: Device):
    """Copy ``array`` to ``dev`` (no copy when it is already there)."""
    src = device_of(array)
    if src == dev:
        return array
    if dev.type == "cpu":
        return array.get()
    cp = require_cuda()
    with cp.cuda.Device(dev.index or 0):
        return cp.asarray(array)


def as_numpy(array) -> np.ndarray:
    """A NumPy array for ``array`` (copying from the GPU when needed)."""
    if type(array) is np.ndarray:
        return array
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return array.get()
    return np.asarray(array)


_DL_HOST = (1, 3, 13)  # kDLCPU, kDLCUDAHost, kDLCUDAManaged: memory NumPy can address
_DL_CUDA = 2  # kDLCUDA


class _Capsule:
    """Lets ``from_dlpack`` consumers, which take objects, read a bare DLPack capsule."""

    def __init__(self, capsule, dev):
        self.capsule, self.dev = capsule, dev

    def __dlpack__(self, stream=None, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return self.dev


def from_dlpack(obj, copy=None):
    """A NumPy (host memory) or CuPy (CUDA memory) array viewing ``obj``'s memory.

    ``obj`` has ``__dlpack__``/``__dlpack_device__`` (NumPy, PyTorch, JAX, CuPy arrays...)
    or is a DLPack capsule (``torch.utils.dlpack.to_dlpack``'s result), read as host memory
    unless only CuPy can read it.
    """
    kw = {} if copy is None else {"copy": copy}
    if type(obj).__name__ == "PyCapsule":
        try:
            return np.from_dlpack(_Capsule(obj, (1, 0)), **kw)
        except (BufferError, RuntimeError, ValueError):
            cp = _load_cupy()
            if cp is None:
                raise
            return cp.from_dlpack(_Capsule(obj, (_DL_CUDA, cp.cuda.Device().id)), **kw)
    if not hasattr(obj, "__dlpack__"):
        raise TypeError(f"from_dlpack expects an object with __dlpack__ (a NumPy, PyTorch, JAX "
                        f"or CuPy array) or a DLPack capsule, got {type(obj).__name__}")
    kind = int(obj.__dlpack_device__()[0])
    if kind in _DL_HOST:
        return np.from_dlpack(obj, **kw)
    if kind == _DL_CUDA:
        return require_cuda().from_dlpack(obj, **kw)
    raise BufferError(f"from_dlpack: DLPack device type {kind} is not supported (minigrad reads "
                      "CPU memory with NumPy and CUDA memory with CuPy)")


def tune_malloc() -> bool:
    """Keep freed NumPy buffers in glibc's heap instead of unmapping them (Linux/glibc).

    glibc serves large allocations (above M_MMAP_THRESHOLD, 128 KiB until it adapts) with
    fresh ``mmap`` pages and unmaps them on free, so every big temporary of a training step
    (im2col matrices, activations, gradients) is page-faulted in again, zeroed by the
    kernel, on every step. Raising the mmap threshold to its maximum (32 MiB on 64-bit) and
    the trim threshold to twice that lets those buffers be reused: measured on LeNet, 60k
    page faults and ~45% of the time in the first 20 steps disappeared, at the same peak
    RSS. Called once at import; set ``MINIGRAD_MALLOC_TUNE=0`` to leave malloc alone (it
    is also skipped when glibc's own MALLOC_*_/GLIBC_TUNABLES settings are present).
    Returns whether the settings were applied.
    """
    if os.environ.get("MINIGRAD_MALLOC_TUNE", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if any(k in os.environ for k in ("GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_",
                                     "MALLOC_TRIM_THRESHOLD_")):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return False
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        mmap_max = 4 * 1024 * 1024 * ctypes.sizeof(ctypes.c_long)  # glibc's upper bound
        return bool(libc.mallopt(m_mmap_threshold, mmap_max)) and \
            bool(libc.mallopt(m_trim_threshold, 2 * mmap_max))
    except (AttributeError, OSError, ValueError):  # not glibc, no confstr name, no libc.so.6
        return False


malloc_tuned = tune_malloc()


def on_device(dev: Device):
    """Context manager selecting the CUDA device for allocations (no-op on CPU)."""
    import contextlib

    if dev.type == "cpu":
        return contextlib.nullcontext()
    return require_cuda().cuda.Device(dev.index or 0)
