"""Channel-wise and SELU-preserving dropout: ``dropout1d/2d/3d``, ``alpha_dropout``,
``feature_alpha_dropout`` (plain ``dropout`` lives in ``_functional_layers``)."""
from __future__ import annotations

import math
import warnings

from .. import random as _random
from ..ops import inplace as _inplace
from ..tensor import Tensor

# -scale * alpha of SELU: the value SELU saturates to for very negative inputs
_SELU_SAT = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, p: float, shape) -> Tensor:
    """A 0/1 array of ``shape`` (broadcastable to the input), 1 with probability 1 - p."""
    if p == 1.0:
        keep = input.xp.zeros(shape, dtype=input.array.dtype)
    else:
        keep = _random.sample("bernoulli", shape, input.array.dtype, input.device, 1.0 - p)
    return keep.astype(input.array.dtype, copy=False)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool, batched: bool):
    """Zero whole channels (dim 1, or dim 0 when unbatched) and scale the rest."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    lead = 2 if batched else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    keep = _keep_mask(input, p, shape)
    m = Tensor._wrap(keep * (0.0 if p == 1.0 else 1.0 / (1.0 - p)))
    return _inplace.mul_(input, m) if inplace else input * m


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero each channel of (N, C, L) or (C, L) input with probability ``p``."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, input.ndim == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero each channel of (N, C, H, W) or (C, H, W) input with probability ``p``.

    As in PyTorch, 3-D input is taken as (N, C, L) (channel-wise 1-D dropout), with a
    warning; other ranks warn that they are deprecated."""
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change in "
                      "a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, input.ndim >= 3)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero each channel of (N, C, D, H, W) or (C, D, H, W) input with probability ``p``."""
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 4D or 5D inputs).", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, input.ndim == 5)


def _alpha(input: Tensor, p: float, training: bool, inplace: bool, shape) -> Tensor:
    """Dropped values become SELU's saturation value; an affine map a * x + b then restores
    zero mean and unit variance (Klambauer et al., 2017)."""
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        out = input * 0.0
        return _inplace.copy_(input, out) if inplace else out
    keep = _keep_mask(input, p, shape)
    a = 1.0 / math.sqrt((1.0 - p) * (1.0 + p * _SELU_SAT * _SELU_SAT))
    b = -a * _SELU_SAT * p
    scale = Tensor._wrap((keep * a).astype(input.array.dtype, copy=False))
    shift = Tensor._wrap(((1.0 - keep) * (a * _SELU_SAT) + b).astype(input.array.dtype,
                                                                       copy=False))
    out = input * scale + shift
    return _inplace.copy_(input, out) if inplace else out


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: keeps the input's mean and variance."""
    return _alpha(input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (dim 1)."""
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _alpha(input, p, training, inplace, shape)


__all__ = ["alpha_dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout"]
