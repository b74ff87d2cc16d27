"""``torch.autocast``: regions where matrix products run in a lower precision.

The state and the op lists live in the core (``minigrad._autocast``), which the ops consult;
this module holds the public context manager and the ``torch.*autocast*`` functions.
"""
from __future__ import annotations

import functools
import warnings

from .. import _autocast as _ac
from .. import dtypes as _dt

_DEVICE_TYPES = ("cpu", "cuda")


def _check_device_type(device_type):
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if device_type not in _DEVICE_TYPES:
        raise RuntimeError(f"User specified an unsupported autocast device_type "
                           f"'{device_type}' (minigrad has 'cpu' and 'cuda')")


def get_autocast_dtype(device_type: str):
    """The dtype autocast regions of ``device_type`` use (bfloat16 on CPU, float16 on CUDA,
    unless set); CPU's bfloat16 needs the optional ml_dtypes package."""
    _check_device_type(device_type)
    d = _ac._tls.dtype.get(device_type)
    return d if d is not None else _dt.as_dtype(_ac.DEFAULT_DTYPE[device_type])


def set_autocast_dtype(device_type: str, dtype) -> None:
    _check_device_type(device_type)
    _ac._tls.dtype[device_type] = _dt.as_dtype(dtype)


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` (CUDA when omitted, as in PyTorch)."""
    return bool(_ac._tls.enabled.get("cuda" if device_type is None else device_type, False))


def set_autocast_enabled(device_type, enabled=None) -> None:
    """``set_autocast_enabled(device_type, enabled)`` (or the legacy CUDA-only
    ``set_autocast_enabled(enabled)``)."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    _check_device_type(device_type)
    was = bool(_ac._tls.enabled.get(device_type, False))
    _ac._tls.enabled[device_type] = bool(enabled)
    _ac._set_active(int(bool(enabled)) - int(was))


def is_autocast_cache_enabled() -> bool:
    return _ac._tls.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    _ac._tls.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    _ac._tls.cache.clear()


def autocast_increment_nesting() -> int:
    _ac._tls.nesting += 1
    return _ac._tls.nesting


def autocast_decrement_nesting() -> int:
    _ac._tls.nesting -= 1
    return _ac._tls.nesting


class autocast:
    """Context manager and decorator: inside, the ops of ``device_type`` follow autocast's
    policy (``minigrad._autocast.POLICY``).

    Args:
        device_type: ``"cpu"`` or ``"cuda"``.
        dtype: the lower precision; default bfloat16 on CPU (needs ``ml_dtypes``, extra
            ``bfloat16``), float16 on CUDA. CPU accepts bfloat16 and float16 only.
        enabled: False makes the region a no-op (and disables an enclosing one).
        cache_enabled: cache the casts of parameters within the region (default True).
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        _check_device_type(device_type)
        self.device = device_type
        self._enabled = bool(enabled)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)
        self.fast_dtype = None
        if dtype is not None:
            self.fast_dtype = _dt.as_dtype(dtype)
        elif self._enabled:
            self.fast_dtype = get_autocast_dtype(device_type)
        if not self._enabled:
            return
        if device_type == "cuda":
            from .. import cuda
            if not cuda.is_available():
                warnings.warn("User provided device_type of 'cuda', but CUDA is not available. "
                              "Disabling", UserWarning, stacklevel=2)
                self._enabled = False
            elif self.fast_dtype.name == "bfloat16":
                raise RuntimeError("Current CUDA Device does not support bfloat16. Please "
                                   "switch dtype to float16.")
        if self._enabled and self.fast_dtype.name not in ("bfloat16", "float16"):
            what = "CPU" if device_type == "cpu" else "CUDA"
            warnings.warn(f"In {what} autocast, but the target dtype is not supported. "
                          f"Disabling autocast.\n{what} Autocast only supports dtypes of "
                          "minigrad.bfloat16, minigrad.float16 currently.", UserWarning,
                          stacklevel=2)
            self._enabled = False

    def __enter__(self):
        tls = _ac._tls
        self._prev = (tls.enabled.get(self.device, False), tls.dtype.get(self.device),
                      tls.cache_enabled)
        tls.enabled[self.device] = self._enabled
        if self.fast_dtype is not None:
            tls.dtype[self.device] = self.fast_dtype
        tls.cache_enabled = self._cache_enabled
        tls.nesting += 1
        _ac._set_active(int(self._enabled) - int(bool(self._prev[0])))
        return self

    def __exit__(self, *exc):
        tls = _ac._tls
        tls.nesting -= 1
        if tls.nesting == 0:
            tls.cache.clear()  # the cached parameter casts live for the outermost region
        _ac._set_active(int(bool(self._prev[0])) - int(self._enabled))
        tls.enabled[self.device] = self._prev[0]
        if self._prev[1] is None:
            tls.dtype.pop(self.device, None)
        else:
            tls.dtype[self.device] = self._prev[1]
        tls.cache_enabled = self._prev[2]
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return func(*args, **kwargs)
        return decorated


def _legacy(device_type):
    class _Autocast(autocast):
        __doc__ = (f"``torch.{device_type}.amp.autocast``: deprecated alias of "
                   f"``torch.amp.autocast('{device_type}', ...)``.")

        def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True):
            warnings.warn(f"`torch.{device_type}.amp.autocast(args...)` is deprecated. Please "
                          f"use `torch.amp.autocast('{device_type}', args...)` instead.",
                          FutureWarning, stacklevel=2)
            if dtype is None:
                dtype = _dt.float16 if device_type == "cuda" else None
            super().__init__(device_type, dtype, enabled, cache_enabled)

    _Autocast.__name__ = _Autocast.__qualname__ = "autocast"
    return _Autocast


# the legacy per-device spellings PyTorch still exports at top level
def get_autocast_cpu_dtype():
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype():
    return get_autocast_dtype("cuda")


def is_autocast_cpu_enabled() -> bool:
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled: bool) -> None:
    set_autocast_enabled("cpu", enabled)


def set_autocast_cpu_dtype(dtype) -> None:
    set_autocast_dtype("cpu", dtype)


def set_autocast_gpu_dtype(dtype) -> None:
    set_autocast_dtype("cuda", dtype)


def is_autocast_available(device_type: str) -> bool:
    return device_type in _DEVICE_TYPES


def custom_fwd(fwd=None, *, device_type: str = "cuda", cast_inputs=None):
    """Decorator for a custom ``Function.forward``: with ``cast_inputs`` and autocast on,
    floating Tensor arguments are cast to it and the body runs with autocast off."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        if cast_inputs is None or not is_autocast_enabled(device_type):
            return fwd(*args, **kwargs)
        d = _dt.as_dtype(cast_inputs)

        def conv(a):
            from ..tensor import Tensor
            if isinstance(a, Tensor) and a.is_floating_point() and a.device.type == device_type:
                return a.to(dtype=d)
            return a
        with autocast(device_type, enabled=False):
            return fwd(*(conv(a) for a in args), **{k: conv(v) for k, v in kwargs.items()})
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str = "cuda"):
    """Decorator for a custom ``Function.backward``; minigrad runs backward outside autocast
    regions already, so it returns ``bwd`` unchanged in behaviour."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
