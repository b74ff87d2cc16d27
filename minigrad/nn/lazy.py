"""Lazy modules: layers whose input size is read from the first input (as ``torch.nn``'s
``LazyLinear``, ``LazyConv2d``, ``LazyBatchNorm1d``, ...).

Until the first forward their parameters are ``UninitializedParameter``s (and buffers
``UninitializedBuffer``s) holding no data. The first call infers the size, materialises
them, initialises them as the ordinary layer would, and turns the module into that layer
(``LazyLinear`` becomes a ``Linear``). Create the optimizer after that first (dry) run.
"""
from __future__ import annotations

from .. import creation, dtypes
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .layers import Linear
from .module import Module
from .normalization import (
    BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
)
from .parameter import Parameter
from .volumetric import Conv3d, ConvTranspose3d


class _Uninitialized:
    """What UninitializedParameter and UninitializedBuffer share: no data until
    ``materialize(shape)`` allocates it and turns the object into ``cls_to_become``."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Allocate ``shape`` (uninitialised values) and become an ordinary tensor."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        t = creation.empty(*shape, device=device if device is not None else self.device,
                           dtype=dtype if dtype is not None else self.dtype)
        self.array = t.array
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape is not known yet (becomes a ``Parameter``)."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        super().__init__(creation.empty(0, device=device, dtype=dtype), requires_grad)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape is not known yet (becomes a ``Tensor``)."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None):
        t = creation.empty(0, device=device, dtype=dtype)
        Tensor.__init__(self, t)
        self.requires_grad = requires_grad


class LazyModuleMixin:
    """Runs ``initialize_parameters(*inputs)`` before the first forward, then becomes
    ``cls_to_become``."""

    cls_to_become: type | None = None

    def has_uninitialized_params(self) -> bool:
        regs = list(self._parameters.values()) + list(self._buffers.values())
        return any(isinstance(t, _Uninitialized) for t in regs)

    def __call__(self, *args, **kwargs):
        if self.has_uninitialized_params():
            with no_grad():
                self.initialize_parameters(*args, **kwargs)
            if self.has_uninitialized_params():
                raise RuntimeError(f"module {type(self).__name__} has not been fully "
                                   "initialized")
            if self.cls_to_become is not None:
                self.__class__ = self.cls_to_become
        return Module.__call__(self, *args, **kwargs)

    def reset_parameters(self) -> None:
        # nothing to initialise before the sizes are known (the placeholder layer built by
        # the base class's __init__ has zero-size weights)
        size = getattr(self, "in_features", getattr(self, "in_channels",
                                                    getattr(self, "num_features", 1)))
        if not self.has_uninitialized_params() and size != 0:
            super().reset_parameters()


def _kw(device, dtype):
    return {"device": device, "dtype": dtype}


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` with ``in_features`` read from the first input's last dim."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(**_kw(device, dtype))
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(**_kw(device, dtype))

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        self.in_features = input.shape[-1]
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    _transposed_lazy = False

    def _lazy_init(self, out_channels, bias, device, dtype):
        self.weight = UninitializedParameter(**_kw(device, dtype))
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(**_kw(device, dtype))

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        nd = self._nd
        if input.ndim not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input "
                               f"to {type(self).__name__}, but got input of size: "
                               f"{list(input.shape)}")
        self.in_channels = input.shape[1] if input.ndim == nd + 2 else input.shape[0]
        if self.in_channels % self.groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups)
        else:
            shape = (self.out_channels, self.in_channels // self.groups)
        self.weight.materialize(shape + tuple(self.kernel_size))
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()


def _lazy_conv(base):
    class LazyConv(_LazyConvMixin, base):
        cls_to_become = base

        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                     groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                     device=None, dtype=None):
            base.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False,
                          padding_mode)
            self._lazy_init(out_channels, bias, device, dtype)

    return LazyConv


def _lazy_conv_transpose(base):
    class LazyConvTranspose(_LazyConvMixin, base):
        cls_to_become = base

        def __init__(self, out_channels: int, kernel_size, stride=1, padding=0,
                     output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                     padding_mode: str = "zeros", device=None, dtype=None):
            base.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups,
                          False, dilation, padding_mode)
            self._lazy_init(out_channels, bias, device, dtype)

    return LazyConvTranspose


class _LazyNormMixin(LazyModuleMixin):
    def _lazy_init(self, affine, track_running_stats, device, dtype, bias=True):
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(**_kw(device, dtype))
            if bias:  # bias=False: affine without a shift (PyTorch 2.13)
                self.bias = UninitializedParameter(**_kw(device, dtype))
        if track_running_stats:
            self.running_mean = UninitializedBuffer(**_kw(device, dtype))
            self.running_var = UninitializedBuffer(**_kw(device, dtype))
            self.num_batches_tracked = creation.tensor(0, dtype=dtypes.int64, device=device)

    _unbatched_ok = False  # InstanceNorm accepts input without the batch dim

    def initialize_parameters(self, input: Tensor, *args, **kwargs) -> None:
        self._check_input_dim(input)
        unbatched = self._unbatched_ok and input.ndim == self._expected_dims[0]
        self.num_features = input.shape[0] if unbatched else input.shape[1]
        for name in ("weight", "bias", "running_mean", "running_var"):
            t = getattr(self, name, None)
            if isinstance(t, _Uninitialized):
                t.materialize((self.num_features,))
        self.reset_parameters()


def _lazy_norm(base, default_affine, default_track, unbatched_ok=False):
    class LazyNorm(_LazyNormMixin, base):
        cls_to_become = base
        _unbatched_ok = unbatched_ok

        def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1,
                     affine: bool = default_affine, track_running_stats: bool = default_track,
                     device=None, dtype=None, *, bias: bool = True):
            base.__init__(self, 0, eps, momentum, False, False)
            self._lazy_init(affine, track_running_stats, device, dtype, bias)

    return LazyNorm


def _named(cls, name, doc):
    cls.__name__ = cls.__qualname__ = name
    cls.__doc__ = doc
    return cls


LazyConv1d = _named(_lazy_conv(Conv1d), "LazyConv1d", "Conv1d with in_channels from the input.")
LazyConv2d = _named(_lazy_conv(Conv2d), "LazyConv2d", "Conv2d with in_channels from the input.")
LazyConv3d = _named(_lazy_conv(Conv3d), "LazyConv3d", "Conv3d with in_channels from the input.")
LazyConvTranspose1d = _named(_lazy_conv_transpose(ConvTranspose1d), "LazyConvTranspose1d",
                             "ConvTranspose1d with in_channels from the input.")
LazyConvTranspose2d = _named(_lazy_conv_transpose(ConvTranspose2d), "LazyConvTranspose2d",
                             "ConvTranspose2d with in_channels from the input.")
LazyConvTranspose3d = _named(_lazy_conv_transpose(ConvTranspose3d), "LazyConvTranspose3d",
                             "ConvTranspose3d with in_channels from the input.")
LazyBatchNorm1d = _named(_lazy_norm(BatchNorm1d, True, True), "LazyBatchNorm1d",
                         "BatchNorm1d with num_features from the input.")
LazyBatchNorm2d = _named(_lazy_norm(BatchNorm2d, True, True), "LazyBatchNorm2d",
                         "BatchNorm2d with num_features from the input.")
LazyBatchNorm3d = _named(_lazy_norm(BatchNorm3d, True, True), "LazyBatchNorm3d",
                         "BatchNorm3d with num_features from the input.")
LazyInstanceNorm1d = _named(_lazy_norm(InstanceNorm1d, True, True, True), "LazyInstanceNorm1d",
                            "InstanceNorm1d with num_features from the input.")
LazyInstanceNorm2d = _named(_lazy_norm(InstanceNorm2d, True, True, True), "LazyInstanceNorm2d",
                            "InstanceNorm2d with num_features from the input.")
LazyInstanceNorm3d = _named(_lazy_norm(InstanceNorm3d, True, True, True), "LazyInstanceNorm3d",
                            "InstanceNorm3d with num_features from the input.")

__all__ = ["LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d",
           "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LazyLinear",
           "LazyModuleMixin", "UninitializedBuffer", "UninitializedParameter"]
