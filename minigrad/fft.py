"""``torch.fft``: the real-valued helpers (sample frequencies and shifts).

minigrad's dtypes are real, so the transforms themselves, whose inputs or results are
complex (``fft``, ``rfft``, ``ifft``, ``irfft``, ``hfft``, their 2-D/n-D forms, ...),
raise ``NotImplementedError`` naming the missing complex support. Programs that need them
can transform ``t.numpy()`` with ``numpy.fft``. ``fftshift``/``ifftshift`` are rolls, so
they are differentiable.
"""
from __future__ import annotations

import numpy as np

from . import dtypes as _dt
from .ops.movement import roll as _roll
from .tensor import _wrap_dim


def _freq(values, n, d, dtype, device, requires_grad):
    from .creation import tensor

    dt = _dt.get_default_dtype() if dtype is None else dtype
    if _dt.as_dtype(dt).np.kind != "f":
        raise RuntimeError("fftfreq requires a floating point or complex dtype")
    arr = (np.asarray(values, dtype=np.float64) / (d * n)) if n else np.zeros(0)
    return tensor(arr, dtype=dt, device=device, requires_grad=requires_grad)


def fftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """Sample frequencies of an ``n``-point FFT with sample spacing ``d``:
    ``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)`` (default float dtype)."""
    vals = np.concatenate([np.arange((n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return _out(_freq(vals, n, d, dtype, device, requires_grad), out)


def rfftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False, layout=None, out=None):
    """Sample frequencies of an ``n``-point real FFT: ``[0, 1, ..., n // 2] / (d * n)``."""
    return _out(_freq(np.arange(n // 2 + 1), n, d, dtype, device, requires_grad), out)


def _out(result, out):
    if out is None:
        return result
    from ._parser import write_out

    return write_out(out, result, "fftfreq")


def _shift(input, dim, sign):
    dims = range(input.ndim) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [_wrap_dim(d, input.ndim) for d in dims]
    if not dims:
        return input.clone()
    shifts = [sign * (input.shape[d] // 2) for d in dims]
    return _roll(input, shifts, dims)


def fftshift(input, dim=None):
    """Move the zero frequency to the centre: roll every dim in ``dim`` (all when None) by
    ``size // 2``."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """The inverse of :func:`fftshift` (roll by ``-(size // 2)``)."""
    return _shift(input, dim, -1)


def _complex_only(name):
    def transform(*args, **kwargs):
        raise NotImplementedError(
            f"torch.fft.{name} is not supported: minigrad has no complex dtype, and the "
            f"inputs or results of {name} are complex. Transform t.numpy() with numpy.fft "
            f"instead (see docs/differences-from-pytorch.md).")

    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = "Not supported (complex results): raises NotImplementedError."
    return transform


_COMPLEX = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
            "irfft2", "rfftn", "irfftn", "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn"]
(fft, ifft, fft2, ifft2, fftn, ifftn, rfft, irfft, rfft2, irfft2, rfftn, irfftn, hfft, ihfft,
 hfft2, ihfft2, hfftn, ihfftn) = (_complex_only(_n) for _n in _COMPLEX)

__all__ = ["fft", "fft2", "fftfreq", "fftn", "fftshift", "hfft", "hfft2", "hfftn", "ifft",
           "ifft2", "ifftn", "ifftshift", "ihfft", "ihfft2", "ihfftn", "irfft", "irfft2",
           "irfftn", "rfft", "rfft2", "rfftfreq", "rfftn"]
