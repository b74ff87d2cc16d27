"""``minigrad.cuda``: is CUDA usable, how many GPUs, wait for them (as ``torch.cuda``).

Everything here goes through :mod:`minigrad.backend`, the only module that imports
CuPy (lazily). On a machine without CuPy or without a GPU, ``is_available()`` is
False and nothing else changes.
"""
from __future__ import annotations

from . import backend


def is_available() -> bool:
    """True when CuPy is installed and sees at least one NVIDIA GPU."""
    return backend.cupy_available()


def device_count() -> int:
    """Number of visible GPUs (0 without CuPy)."""
    if not backend.cupy_available():
        return 0
    return int(backend._cupy.cuda.runtime.getDeviceCount())


def current_device() -> int:
    return int(backend.require_cuda().cuda.runtime.getDevice())


def set_device(index: int) -> None:
    backend.require_cuda().cuda.runtime.setDevice(int(index))


def get_device_name(index: int = 0) -> str:
    props = backend.require_cuda().cuda.runtime.getDeviceProperties(int(index))
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device=None) -> None:
    """Wait for all kernels on ``device`` (default: the current one) to finish."""
    cp = backend.require_cuda()
    dev = backend.device(device) if device is not None else None
    with cp.cuda.Device(dev.index or 0 if dev is not None else cp.cuda.runtime.getDevice()):
        cp.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seed CuPy's generator (``minigrad.manual_seed`` already does this too)."""
    if backend.cupy_available():
        backend._cupy.random.seed(int(seed) % (2**32))


manual_seed_all = manual_seed


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: minigrad has no bfloat16 dtype (programs then fall back to float16/float32)."""
    return False


def is_initialized() -> bool:
    """True once CuPy has been loaded and sees a GPU."""
    return backend._cupy is not None


def get_device_capability(device=None) -> tuple[int, int]:
    """The GPU's compute capability, e.g. ``(9, 0)`` on an H100/H200."""
    cp = backend.require_cuda()
    index = _index(device)
    cc = cp.cuda.Device(index).compute_capability  # a string like "90"
    return int(cc[:-1]), int(cc[-1])


# ---- memory: CuPy's memory pool, in PyTorch's vocabulary --------------------------------
#
# CuPy keeps freed device blocks in a pool for reuse, as PyTorch's caching allocator does:
# "allocated" is what live arrays use, "reserved" what the pool holds from the driver.
# CuPy keeps no peaks, so the first call to a peak query or ``reset_peak_memory_stats``
# installs a CuPy memory hook (in the calling thread) that tracks them from then on.

_peaks: dict[int, list[int]] = {}  # device index -> [peak allocated, peak reserved]
_hook = None


def _index(device) -> int:
    cp = backend.require_cuda()
    if device is None:
        return int(cp.cuda.runtime.getDevice())
    if isinstance(device, int):
        return device
    return backend.device(device).index or 0


def _pool_bytes(index: int) -> tuple[int, int]:
    cp = backend._cupy
    with cp.cuda.Device(index):
        pool = cp.get_default_memory_pool()
        return int(pool.used_bytes()), int(pool.total_bytes())


def _track_peaks() -> None:
    global _hook
    if _hook is not None:
        return
    cp = backend._cupy

    class _PeakHook(cp.cuda.memory_hook.MemoryHook):
        name = "minigrad_peak_memory"

        def malloc_postprocess(self, device_id, size, mem_size, mem_ptr, pmem_id):
            used, total = _pool_bytes(device_id)
            peak = _peaks.setdefault(device_id, [0, 0])
            peak[0], peak[1] = max(peak[0], used), max(peak[1], total)

    _hook = _PeakHook()
    _hook.__enter__()


def _peak(device, which: int) -> int:
    if not backend.cupy_available():
        return 0
    _track_peaks()
    index = _index(device)
    now = _pool_bytes(index)
    peak = _peaks.setdefault(index, [0, 0])
    peak[which] = max(peak[which], now[which])
    return peak[which]


def memory_allocated(device=None) -> int:
    """Bytes held by live arrays on ``device`` (0 without CUDA)."""
    return _pool_bytes(_index(device))[0] if backend.cupy_available() else 0


def memory_reserved(device=None) -> int:
    """Bytes CuPy's pool holds from the driver on ``device``, in use or cached."""
    return _pool_bytes(_index(device))[1] if backend.cupy_available() else 0


def max_memory_allocated(device=None) -> int:
    """The peak of :func:`memory_allocated` since tracking began or the last reset."""
    return _peak(device, 0)


def max_memory_reserved(device=None) -> int:
    """The peak of :func:`memory_reserved` since tracking began or the last reset."""
    return _peak(device, 1)


def reset_peak_memory_stats(device=None) -> None:
    """Restart the peaks from the current usage."""
    if not backend.cupy_available():
        return
    _track_peaks()
    index = _index(device)
    _peaks[index] = list(_pool_bytes(index))


reset_max_memory_allocated = reset_peak_memory_stats


def empty_cache() -> None:
    """Give the pool's unused blocks back to the driver (live arrays are untouched)."""
    if backend._cupy is not None:
        backend._cupy.get_default_memory_pool().free_all_blocks()
        backend._cupy.get_default_pinned_memory_pool().free_all_blocks()


def mem_get_info(device=None) -> tuple[int, int]:
    """``(free, total)`` bytes of device memory, as the driver reports them."""
    cp = backend.require_cuda()
    with cp.cuda.Device(_index(device)):
        free, total = cp.cuda.runtime.memGetInfo()
    return int(free), int(total)
