"""Tensor attributes and small conversions PyTorch programs query: ``is_cpu``, ``itemsize``,
``nbytes``, ``layout``, ``output_nr`` (properties); ``byte``/``char``/``short``,
``ndimension``, ``get_device``, ``is_signed``, ``is_neg``/``resolve_neg``, ``is_inference``,
``is_nonzero``, ``is_same_size``, ``dim_order``, ``apply_``/``map_``/``map2_`` and
``as_subclass`` (methods); and their top-level forms (``torch.is_nonzero(x)``, ...) with
``is_floating_point``, ``is_signed``, ``promote_types``, ``result_type``, ``can_cast``,
``scalar_tensor`` and ``typename``.

``bind(Tensor)`` (called once from tensor.py) adds the Tensor members; nothing here has
autograd state of its own.
"""
from __future__ import annotations

import numpy as np

from . import dtypes as _dt

# ---- properties ---------------------------------------------------------------------


def _is_cpu(self) -> bool:
    return self.device.type == "cpu"


def _itemsize(self) -> int:
    return int(self.array.itemsize)


def _nbytes(self) -> int:
    return int(self.array.nbytes)


def _layout(self):
    from ._parser import strided

    return strided  # dense arrays only (sparse layouts are left out)


def _output_nr(self) -> int:
    # every minigrad node has one output (multi-output ops return views of one result,
    # each with a node of its own), so a tensor is always output 0 of its grad_fn
    return 0


PROPERTIES = {"is_cpu": _is_cpu, "itemsize": _itemsize, "nbytes": _nbytes,
              "layout": _layout, "output_nr": _output_nr}

# ---- methods --------------------------------------------------------------------------


def byte(self, memory_format=None):
    """``self.to(torch.uint8)``."""
    return self.to(dtype=_dt.uint8, memory_format=memory_format)


def char(self, memory_format=None):
    """``self.to(torch.int8)``."""
    return self.to(dtype=_dt.int8, memory_format=memory_format)


def short(self, memory_format=None):
    """``self.to(torch.int16)``."""
    return self.to(dtype=_dt.int16, memory_format=memory_format)


def ndimension(self) -> int:
    """The number of dims (``dim()``)."""
    return self.array.ndim


def get_device(self) -> int:
    """The CUDA device index, or -1 on the CPU."""
    d = self.device
    return -1 if d.type == "cpu" else (d.index or 0)


def is_signed(self) -> bool:
    """Whether the dtype is signed (floating and signed integer types)."""
    return self.dtype.is_signed


def is_neg(self) -> bool:
    """False: minigrad has no lazy negation bit (values are always materialized)."""
    return False


def resolve_neg(self):
    """``self`` (no lazy negation bit to resolve)."""
    return self


def is_inference(self) -> bool:
    """False: ``inference_mode`` works as ``no_grad`` here and makes no inference tensors."""
    return False


def is_nonzero(self) -> bool:
    """The truth of a one-element tensor; RuntimeError for none or several elements."""
    n = self.array.size
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(self.array.reshape(()).item())


def is_same_size(self, other) -> bool:
    """Whether ``self`` and ``other`` have the same shape."""
    return tuple(self.shape) == tuple(other.shape)


def dim_order(self, *, ambiguity_check=False) -> tuple:
    """The dims from outermost to innermost in memory (by decreasing stride; ties keep the
    logical order), e.g. ``(0, 1, 2)`` for a contiguous tensor."""
    if not isinstance(ambiguity_check, (bool, list, tuple)):
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory "
                        "formats.")
    st = self.stride()
    return tuple(sorted(range(len(st)), key=lambda d: -st[d]))


def share_memory_(self):
    """Move the values into shared memory in place (CPU tensors; a CUDA tensor is left as
    it is), so that processes of ``minigrad.multiprocessing`` see the same memory; returns
    self. Views taken before keep the old memory, so share a tensor before viewing it (a
    view itself cannot be moved)."""
    from . import _shared_memory

    if self.device.type != "cpu" or _shared_memory.segment_of(self.array) is not None:
        return self
    if self._base is not None:
        raise RuntimeError("share_memory_(): this tensor is a view of another one; share "
                           "the tensor it views (before taking views) instead")
    _shared_memory.init_reductions()
    self.array = _shared_memory.to_shared(self.array)
    return self


def is_shared(self) -> bool:
    """Whether the values are in shared memory (``share_memory_``); CUDA tensors: True."""
    from . import _shared_memory

    return self.device.type == "cuda" or _shared_memory.segment_of(self.array) is not None


def _elementwise_py(self, name, others, fn):
    if self.requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    if self.device.type != "cpu" or any(o.device.type != "cpu" for o in others):
        raise TypeError(f"{name} is only implemented on CPU tensors")
    arrays = [np.broadcast_to(o.array, self.array.shape) if o.array.shape != self.array.shape
              else o.array for o in others]
    out = self.array
    for idx in np.ndindex(out.shape):
        out[idx] = fn(out[idx].item(), *(a[idx].item() for a in arrays))
    self._vc[0] += 1
    return self


def apply_(self, callable):
    """Replace every element ``v`` by ``callable(v)`` (a Python function; CPU only, slow:
    for tests and quick scripts, as in PyTorch). Returns self."""
    return _elementwise_py(self, "apply_", (), callable)


def map_(self, tensor, callable):
    """``self[i] = callable(self[i], tensor[i])`` for every element (``tensor`` broadcast to
    self's shape; CPU only). Returns self."""
    _check_expand(tensor, self)
    return _elementwise_py(self, "map_", (tensor,), callable)


def map2_(self, x, y, callable):
    """``self[i] = callable(self[i], x[i], y[i])`` for every element (CPU only). Returns
    self."""
    _check_expand(x, self, "map2_", "x")
    _check_expand(y, self, "map2_", "y")
    return _elementwise_py(self, "map2_", (x, y), callable)


def _check_expand(t, self, name="map_", arg="other"):
    from .ops.movement import broadcast_to

    if t.dtype != self.dtype:
        raise TypeError(f"{name}: expected {self.type()} for '{arg}' (got {t.type()})")

    broadcast_to(t.detach(), tuple(self.shape))  # PyTorch's expand error for a bad shape


def as_subclass(self, cls):
    """``self`` as an instance of the Tensor subclass ``cls``: same data and version
    counter, attached to the same graph (an alias node)."""
    from .tensor import Tensor, _new

    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"as_subclass: expected a subclass of Tensor, got {cls!r}")

    r = self[...] if self.requires_grad else self.detach()  # an alias node, as PyTorch
    t = _new(cls)
    for slot in ("array", "grad", "requires_grad", "_ctx", "_vc", "_base", "_hooks"):
        setattr(t, slot, getattr(r, slot))
    return t


def is_distributed(self) -> bool:
    """False: a minigrad tensor lives whole on one device."""
    return False


def is_set_to(self, tensor) -> bool:
    """Whether ``tensor`` views exactly the same memory (address, shape, strides, dtype)."""
    a, b = self.array, tensor.array
    if type(a) is not type(b) or a.dtype != b.dtype or a.shape != b.shape:
        return False
    return a.strides == b.strides and self.data_ptr() == tensor.data_ptr()


def module_load(self, other, assign=False):
    """How ``load_state_dict`` turns the state-dict value ``other`` into this parameter's
    new value: ``other.detach()`` when ``assign``, else ``self.copy_(other).detach()``."""
    if assign:
        return other.detach()
    return self.copy_(other).detach()


def new_empty_strided(self, size, stride, dtype=None, device=None, requires_grad=False,
                      layout=None, pin_memory=False):
    """A new tensor of ``size`` with element strides ``stride`` over fresh memory (zeros
    here; PyTorch leaves it uninitialized), self's dtype and device by default."""
    from . import backend
    from ._parser import check_option
    from .tensor import Tensor

    check_option("layout", layout)
    from .creation_alias import strided_zeros

    dt = _dt.as_dtype(dtype).np if dtype is not None else self.array.dtype
    dev = backend.device(device) if device is not None else self.device
    out = strided_zeros(size, stride, dt, dev)
    t = Tensor._wrap(out)
    if requires_grad:
        t.requires_grad_(True)
    return t


METHODS = ["byte", "char", "short", "ndimension", "get_device", "is_signed", "is_neg",
           "resolve_neg", "is_inference", "is_nonzero", "is_same_size", "dim_order", "apply_",
           "map_", "map2_", "as_subclass", "is_distributed", "is_set_to", "module_load",
           "new_empty_strided", "share_memory_", "is_shared"]


def bind(cls):
    """Add the members above to ``cls`` (the Tensor class); ones written in its body win."""
    for name, fget in PROPERTIES.items():
        if name not in cls.__dict__:
            fget.__name__ = name
            setattr(cls, name, property(fget, doc=fget.__doc__))
    g = globals()
    for name in METHODS:
        if name not in cls.__dict__:
            setattr(cls, name, g[name])


# ---- top-level forms --------------------------------------------------------------------


def is_floating_point(input) -> bool:
    """Whether ``input``'s dtype is a floating type."""
    return input.is_floating_point()


def _tensor_only(name, input):
    from .tensor import Tensor

    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _top(name):
    def fn(input, *args, **kwargs):
        _tensor_only(name, input)
        return globals()[name](input, *args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = globals()[name].__doc__
    return fn


def promote_types(type1, type2):
    """The dtype PyTorch's promotion gives two dtypes (``promote_types(int32, float16)`` is
    float16)."""
    a, b = _dt.as_dtype(type1), _dt.as_dtype(type2)
    return _dt.from_numpy_dtype(_dt._promote_np(a.np, b.np))


def result_type(tensor1, tensor2):
    """The dtype of an arithmetic op on ``tensor1`` and ``tensor2`` (tensors or Python
    numbers), with PyTorch's priority of dimensioned tensors over 0-d ones over scalars."""
    return _dt.from_numpy_dtype(_dt.result_type(tensor1, tensor2))


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` in an op's output: never
    to a lower category (float to integer, integer to bool)."""
    a, b = _dt.as_dtype(from_), _dt.as_dtype(to)
    return a._cat <= b._cat


def scalar_tensor(s, *, dtype=None, layout=None, device=None, pin_memory=False,
                  requires_grad=False):
    """A 0-d tensor holding ``s`` (default dtype: the default float dtype)."""
    from ._parser import check_option
    from .tensor import Tensor

    check_option("layout", layout)
    dt = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return Tensor._from_data(float(s) if dt.is_floating_point else s, dtype=dt, device=device,
                  requires_grad=requires_grad)


def typename(obj) -> str:
    """PyTorch's name for ``obj``'s type: ``'torch.FloatTensor'`` for a float32 tensor,
    else the module-qualified class name."""
    from .tensor import Tensor

    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(type(obj), "__module__", "")
    qual = type(obj).__qualname__
    return qual if module in ("builtins", "", None) else f"{module}.{qual}"


_TOP_NAMES = ("is_signed", "is_neg", "resolve_neg", "is_inference", "is_nonzero",
              "is_same_size", "get_device")
TOP_LEVEL = {n: _top(n) for n in _TOP_NAMES}
def set_flush_denormal(mode) -> bool:
    """False: NumPy offers no flush-to-zero mode for denormal numbers, so nothing is set
    (PyTorch returns False too where the CPU does not support it)."""
    return False


TOP_LEVEL.update(set_flush_denormal=set_flush_denormal, is_floating_point=is_floating_point, promote_types=promote_types,
                 result_type=result_type, can_cast=can_cast, scalar_tensor=scalar_tensor,
                 typename=typename)
