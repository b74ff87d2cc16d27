"""Autocast state and op policy: the core half of ``torch.autocast`` (``minigrad.amp``).

The ops named in ``POLICY`` are decorated with ``autocast_op(name)``. While autocast is enabled
for a device type (``minigrad.amp.autocast``), such an op first casts its floating Tensor
arguments on that device (never float64 ones) to:

- ``"lower"``: the autocast dtype (bfloat16 on CPU, float16 on CUDA by default): the
  matrix products and convolutions, which are fast and accurate enough there;
- ``"fp32"``: float32: losses, softmax, norms and reductions, whose range or accumulation
  needs it.

Ops inside an autocast op see autocast disabled (as PyTorch excludes its dispatch key), so
``cross_entropy`` computes its inner ``log_softmax`` in float32 once.

The lists follow PyTorch's ``autocast_mode.cpp`` for the ops minigrad has (CUDA's float32
list also holds elementwise transcendentals, exp, log, pow, ...: minigrad leaves those in
their input dtype, so their hot path pays no autocast check); an op not listed runs in the
dtype of its inputs (with the usual promotion: float32 + bfloat16 is float32).
Casts of leaf tensors that require grad (the parameters) are cached until the outermost
autocast region exits when ``cache_enabled``.
"""
from __future__ import annotations

import functools
import threading

_LOWER_COMMON = ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "prelu", "matmul", "mm", "bmm", "linear", "addmm",
                 "addbmm", "baddbmm", "scaled_dot_product_attention")
_FP32_LOSSES = ("mse_loss", "nll_loss", "cross_entropy", "l1_loss", "smooth_l1_loss",
                "huber_loss", "kl_div", "binary_cross_entropy_with_logits",
                "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss",
                "multi_margin_loss", "hinge_embedding_loss", "cosine_embedding_loss",
                "poisson_nll_loss", "multilabel_margin_loss", "ctc_loss")

#: device type -> op name -> "lower" | "fp32" (PyTorch's lists, for the ops minigrad has)
POLICY = {
    "cpu": {**dict.fromkeys(_LOWER_COMMON, "lower"),
            **dict.fromkeys(_FP32_LOSSES + (
                "binary_cross_entropy", "prod", "cdist", "max_pool3d", "avg_pool3d",
                "max_unpool2d"), "fp32")},
    "cuda": {**dict.fromkeys(_LOWER_COMMON + ("addmv", "addr", "mv", "einsum"), "lower"),
             **dict.fromkeys(_FP32_LOSSES + (
                 "softmax", "log_softmax", "layer_norm", "group_norm", "rms_norm", "sum",
                 "prod", "cumsum", "cumprod", "logsumexp", "cdist", "cosine_similarity",
                 "softplus", "norm"), "fp32")},
}

#: PyTorch's default autocast dtype per device type (names: bfloat16 needs ml_dtypes)
DEFAULT_DTYPE = {"cpu": "bfloat16", "cuda": "float16"}


class _TLS(threading.local):
    def __init__(self):
        self.enabled = {}        # device type -> bool
        self.dtype = {}          # device type -> DType
        self.cache_enabled = True
        self.nesting = 0
        self.suspended = 0       # >0 while inside an autocast op
        self.cache = {}          # id(tensor) -> (tensor, its cast)


_tls = _TLS()
#: autocast regions enabled in any thread: the one global read on the ops' fast path
_active = 0


def _set_active(delta: int) -> None:
    global _active
    _active += delta


def _cast(t, dtype, name):
    """``t`` cast to ``dtype`` (a DType); parameters' casts are cached."""
    if t.array.dtype == dtype.np:
        return t
    cacheable = (_tls.cache_enabled and t.requires_grad and t.grad_fn is None
                 and t.array.dtype.name == "float32")
    if cacheable:
        hit = _tls.cache.get(id(t))
        if hit is not None and hit[0] is t and hit[1].array.dtype == dtype.np:
            return hit[1]
    y = t.to(dtype=dtype)
    if cacheable:
        _tls.cache[id(t)] = (t, y)
    return y


def _cast_args(name, args, kwargs):
    from .dtypes import float32
    from .tensor import Tensor

    targets = {}
    for dev, on in _tls.enabled.items():
        if on:
            policy = POLICY.get(dev, {}).get(name)
            if policy is not None:
                targets[dev] = _tls.dtype[dev] if policy == "lower" else float32

    def conv(a):
        if isinstance(a, Tensor):
            k = a.array.dtype
            if (k.kind == "f" or k.name == "bfloat16") and k.name != "float64":
                d = targets.get(a.device.type)
                if d is not None:
                    return _cast(a, d, name)
        elif isinstance(a, (list, tuple)) and a and isinstance(a[0], Tensor):
            return type(a)(conv(x) for x in a)
        return a

    if not targets:
        return args, kwargs
    return tuple(conv(a) for a in args), {k: conv(v) for k, v in kwargs.items()}


def autocast_op(name: str):
    """Decorate the public function of the op ``name`` (a key of ``POLICY``) so autocast
    regions cast its inputs; outside them the cost is one global read."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if not _active or _tls.suspended or not any(_tls.enabled.values()):
                return fn(*args, **kwargs)
            args, kwargs = _cast_args(name, args, kwargs)
            _tls.suspended += 1
            try:
                return fn(*args, **kwargs)
            finally:
                _tls.suspended -= 1
        return wrapper
    return deco
