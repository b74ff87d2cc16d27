"""Turning what users log (Tensors, NumPy arrays, Python numbers) into NumPy arrays."""
from __future__ import annotations

import math

import numpy as np

from ... import backend
from ...tensor import Tensor


def make_np(x) -> np.ndarray:
    """A NumPy array holding ``x``'s values (a host copy for CUDA tensors).

    Args:
        x: a minigrad Tensor (any device, grad or not), a NumPy array or scalar, a Python
            number or a (nested) list of numbers.
    """
    if isinstance(x, Tensor):
        return backend.as_numpy(x.array)
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, (bool, int, float, np.generic)):
        return np.asarray(x)
    if isinstance(x, (list, tuple)):
        return np.asarray([make_np(v) for v in x])
    if hasattr(x, "__cuda_array_interface__") and hasattr(x, "get"):
        return x.get()  # a CuPy array
    if hasattr(x, "__array__"):
        return np.asarray(x)
    raise NotImplementedError(
        f"Got {type(x).__name__}, but expected a minigrad Tensor, a NumPy array or a number"
    )


def make_scalar(x, what: str = "scalar_value") -> float:
    """One Python float from a one-element Tensor/array or a number."""
    a = make_np(x)
    if a.size != 1:
        raise ValueError(f"{what} should be a scalar (one element), got shape {a.shape}")
    return float(a.reshape(()))


def to_hwc(img: np.ndarray, dataformats: str) -> np.ndarray:
    """An image (or batch, laid out as a grid) as HWC with 3 (or 4) channels.

    Args:
        img: array whose layout is named by ``dataformats``.
        dataformats: a permutation of ``HW``, ``CHW`` or ``NCHW`` (e.g. ``HWC``, ``NHWC``).
    """
    fmt = dataformats.upper()
    if sorted(fmt) not in (sorted("HW"), sorted("CHW"), sorted("NCHW")) or len(set(fmt)) != len(fmt):
        raise ValueError(
            f"dataformats must be a permutation of HW, CHW or NCHW (e.g. 'HWC'), got {dataformats!r}"
        )
    if img.ndim != len(fmt):
        raise ValueError(
            f"size of input tensor and input format are different: tensor shape {img.shape}, "
            f"input_format {dataformats!r}"
        )
    if len(fmt) == 4:
        grid = _grid(img.transpose([fmt.index(c) for c in "NCHW"]))
        return grid.transpose(1, 2, 0)
    if len(fmt) == 2:
        img = img.transpose([fmt.index(c) for c in "HW"])[..., None]
    else:
        img = img.transpose([fmt.index(c) for c in "HWC"])
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    return img


def _grid(batch: np.ndarray, ncols: int = 8) -> np.ndarray:
    """Tile an NCHW batch into one CHW image, ``ncols`` images a row (single channel -> RGB)."""
    if batch.shape[1] == 1:
        batch = np.repeat(batch, 3, axis=1)
    n, c, h, w = batch.shape
    ncols = max(1, min(n, ncols))
    nrows = math.ceil(n / ncols) if n else 1
    canvas = np.zeros((c, h * nrows, w * ncols), dtype=batch.dtype)
    for i in range(n):
        r, k = divmod(i, ncols)
        canvas[:, r * h:(r + 1) * h, k * w:(k + 1) * w] = batch[i]
    return canvas


def to_uint8(img: np.ndarray) -> np.ndarray:
    """uint8 images pass through; floats are taken to lie in [0, 1] and scaled to [0, 255]."""
    if img.dtype == np.uint8:
        return img
    if img.dtype.kind not in "fiub":
        raise TypeError(f"images must hold numbers, got dtype {img.dtype}")
    # truncation, as PyTorch does
    return np.clip(img.astype(np.float32) * 255.0, 0, 255).astype(np.uint8)
