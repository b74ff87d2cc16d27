"""``Tensor``: an n-d array (NumPy on CPU, CuPy on CUDA) that records ops for autograd.

The class holds state and the public method surface; each method is a thin wrapper
over a function in ``minigrad.ops`` where the op (forward and backward) lives.
"""
from __future__ import annotations

import builtins
import weakref

import numpy as np

from .dtypes import is_floating_np as _isfloat
from . import backend
from . import _parser
from . import dtypes as _dt
from .autograd.grad_mode import _State

_new = object.__new__


def _rebuild_tensor(cls, data: bytes, dtype: str, shape: tuple, requires_grad: bool,
                    device: str):
    """Unpickle a Tensor (or a subclass, a Parameter) written by ``Tensor.__reduce_ex__``.

    Every argument is checked (it may come from an untrusted file): a Tensor class, a known
    dtype, a shape of non-negative ints whose size matches the bytes given.
    """
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"_rebuild_tensor: {cls!r} is not a Tensor class")
    if not isinstance(dtype, str) or dtype not in _dt._NAMES:
        raise ValueError(f"_rebuild_tensor: unknown dtype {dtype!r}")
    if not isinstance(shape, tuple) or not all(
            type(n) is builtins.int and n >= 0 for n in shape):
        raise ValueError(f"_rebuild_tensor: invalid shape {shape!r}")
    npd = np.dtype(_dt._NAMES[dtype].np)
    n = 1
    for d in shape:
        n *= d
    if not isinstance(data, (bytes, bytearray)) or len(data) != n * npd.itemsize:
        raise ValueError(f"_rebuild_tensor: {len(data)} bytes don't hold shape {shape} of "
                         f"{dtype}")
    arr = np.frombuffer(data, dtype=npd).reshape(shape).copy()
    t = _new(cls)
    t.array, t.grad, t._ctx, t._vc, t._base, t._hooks = (
        backend.to_device(arr, backend.device(device)), None, None, [0], None, None)
    t.requires_grad = bool(requires_grad) and _isfloat(npd)
    return t
_ndarray = np.ndarray


class Tensor:
    """A multi-dimensional array with autograd.

    Attributes:
        array: the underlying NumPy/CuPy array (``data`` is a detached Tensor view of it).
        grad: accumulated gradient (a Tensor) after ``backward()``, or None.
        requires_grad: whether ops on this tensor are recorded.
        grad_fn: the node that produced this tensor (None for leaves).
    """

    __slots__ = ("array", "grad", "requires_grad", "_ctx", "_vc", "_base", "_hooks", "__weakref__")
    __array_priority__ = 1000  # so ndarray op Tensor defers to Tensor's reflected op
    _is_tensor = True  # graph edges point at Functions or at leaf Tensors

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        """``Tensor(data)`` as ``tensor(data)`` (minigrad keeps the data's dtype; PyTorch's
        legacy constructor makes it the default float dtype), or PyTorch's size form
        ``Tensor(2, 3)`` / ``Tensor(n)`` / ``Tensor(torch.Size([...]))``: a zero-filled
        tensor of the default float dtype (PyTorch leaves the memory uninitialised)."""
        if args and (len(args) > 1 or type(args[0]) is builtins.int or
                     isinstance(args[0], Size)):
            sizes = tuple(args[0]) if isinstance(args[0], Size) else args
            if not all(type(n) is builtins.int and n >= 0 for n in sizes):
                raise TypeError(f"Tensor(): expected sizes as non-negative ints or one "
                                f"data argument, got {args!r}")
            arr = _to_array(np.zeros(sizes, (dtype and _dt.as_dtype(dtype).np) or
                                     _dt.get_default_dtype().np), None, device)
        else:
            arr = _to_array([] if not args or args[0] is None else args[0], dtype, device)
        self.array = arr
        self.grad = None
        self._ctx = None
        self._vc = [0]
        self._base = None
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _from_data(data, dtype=None, device=None, requires_grad=False):
        """A tensor holding ``data`` (a scalar, sequence or array; its dtype kept), never
        the size form of ``Tensor(n)``: what library code uses instead of ``Tensor(x)``."""
        if type(data) is builtins.int:  # a 0-d value, not a size
            data = np.asarray(data)
        return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)

    @staticmethod
    def _wrap(array, ctx=None):
        """Fast constructor from an array already of a supported dtype and device."""
        t = _new(Tensor)
        t.array = array
        t.grad = None
        t._ctx = ctx
        t.requires_grad = ctx is not None
        t._vc = [0]
        t._base = None
        t._hooks = None
        return t

    @staticmethod
    def _dtype_of(np_dtype):
        return _dt.from_numpy_dtype(np_dtype)

    # ---- data: PyTorch's detached alias ------------------------------------------
    @property
    def data(self):
        """A Tensor sharing storage with self, detached from the graph (as ``torch``'s).

        Unlike ``detach()``, it has its own version counter, so in-place changes through
        ``.data`` are invisible to autograd's saved-tensor checks, as in PyTorch. The raw
        NumPy/CuPy array is ``.array``.
        """
        return Tensor._wrap(self.array)

    @data.setter
    def data(self, value):
        """``t.data = other``: t now holds other's storage (shape and dtype may change)."""
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, but got {type(value).__name__}")
        self.array = value.array

    # ---- metadata ----------------------------------------------------------------
    @property
    def shape(self):
        return Size(self.array.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self.array.shape)
        return self.array.shape[_wrap_dim(dim, self.array.ndim)]

    @property
    def ndim(self):
        return self.array.ndim

    def dim(self):
        return self.array.ndim

    def numel(self):
        return int(self.array.size)

    def nelement(self):
        return int(self.array.size)

    def element_size(self):
        return self.array.itemsize

    @property
    def dtype(self):
        return _dt.from_numpy_dtype(self.array.dtype)

    @property
    def device(self):
        return backend.device_of(self.array)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def xp(self):
        """The array module (numpy or cupy) holding this tensor's data."""
        return np if type(self.array) is _ndarray else backend.get_array_module(self.array)

    def is_floating_point(self):
        return _isfloat(self.array.dtype)

    def is_contiguous(self):
        return bool(self.array.flags.c_contiguous)

    def stride(self, dim=None):
        st = tuple(s // self.array.itemsize for s in self.array.strides)
        return st if dim is None else st[_wrap_dim(dim, self.array.ndim)]

    def data_ptr(self):
        return self.array.__array_interface__["data"][0] if self.xp is np else self.array.data.ptr

    @property
    def _version(self):
        return self._vc[0]

    # ---- autograd state ---------------------------------------------------------
    @property
    def grad_fn(self):
        return self._ctx

    @property
    def is_leaf(self):
        return self._ctx is None

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place (leaves only); returns self."""
        if requires_grad and not _isfloat(self.array.dtype):
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.dtype} "
                "(convert first, e.g. x.float())"
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._ctx is not None:
            self._ctx._retained = weakref.ref(self)
            self._ctx._slow = True

    @property
    def retains_grad(self):
        return self._ctx is not None and self._ctx._retained is not None

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return
        replaces the gradient. Returns a handle with ``remove()``."""
        from .autograd.function import _RemovableHandle

        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._ctx is not None:
            return self._ctx.register_hook(hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` once backward has accumulated this leaf's ``.grad`` (as soon
        as its gradient is complete, while the rest of the backward goes on). Returns a
        handle with ``remove()``."""
        from .autograd.engine import register_post_accumulate_grad_hook

        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._ctx is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        return register_post_accumulate_grad_hook(self, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        Args:
            gradient: d(loss)/d(self); required unless self has one element.
            retain_graph: keep the graph's saved buffers (defaults to create_graph).
            create_graph: record the backward, for higher-order derivatives.
            inputs: accumulate only into these tensors.
        """
        from .autograd.engine import backward

        backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self):
        """A new leaf sharing data (and version counter) with self, outside the graph."""
        t = Tensor._wrap(self.array)
        t._vc = self._vc
        return t

    def detach_(self):
        """Detach self from the graph in place, making it a leaf."""
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._ctx = None
        self.requires_grad = False
        return self

    # ---- conversion ------------------------------------------------------------------
    def numpy(self, *, force=False):
        """The data as a NumPy array (shared memory on CPU)."""
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        if type(self.array) is not _ndarray:
            if force:
                return backend.as_numpy(self.array)
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first."
            )
        return self.array

    def __array__(self, dtype=None, copy=None):
        if type(self.array) is not _ndarray:  # no implicit device->host copy (as PyTorch)
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first."
            )
        a = self.array
        if dtype is not None and np.dtype(dtype) != a.dtype:
            if copy is False:
                raise ValueError(f"Unable to avoid copy while converting {self.dtype} to {dtype}")
            return a.astype(dtype)
        return a.copy() if copy else a  # np.array(t) copies; np.asarray(t) shares, as in PyTorch

    # ---- DLPack (zero-copy exchange with NumPy, PyTorch, JAX, CuPy) ----------------------
    def __dlpack__(self, stream=None, *, max_version=None, dl_device=None, copy=None):
        """Export this tensor's memory as a DLPack capsule (the array's own exporter:
        NumPy on CPU, CuPy on CUDA). Raises BufferError for tensors that require grad
        (detach first, as in PyTorch) and wherever the array library cannot export."""
        if self.requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        a = self.array
        if any(st < 0 for st in a.strides):  # consumers such as PyTorch reject negative strides
            if copy is False:
                raise BufferError("Cannot export an array with negative strides without a copy")
            a = a.copy()
        kw = {k: v for k, v in (("max_version", max_version), ("dl_device", dl_device),
                                 ("copy", copy)) if v is not None}
        if stream is not None or type(a) is not _ndarray:
            kw["stream"] = stream
        return a.__dlpack__(**kw)

    def __dlpack_device__(self):
        """(DLPack device type, index): (1, 0) on CPU, (2, i) on CUDA device i."""
        return self.array.__dlpack_device__()

    def item(self):
        if self.array.size != 1:
            raise RuntimeError(
                f"a Tensor with {self.array.size} elements cannot be converted to Scalar"
            )
        return self.array.reshape(()).item() if self.xp is np else backend.as_numpy(self.array).item()

    def tolist(self):
        return backend.as_numpy(self.array).tolist()

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self.array.size} elements is ambiguous"
            )
        return builtins.bool(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iub" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    __hash__ = object.__hash__  # identity (C-level: tensors key the engine's dicts)

    def __repr__(self):
        return _format.tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self.array.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        """Pickle the values (raw bytes, dtype, shape), ``requires_grad``, device and class;
        not ``.grad`` or the graph (as PyTorch). The bytes need no NumPy globals to load,
        so ``load(weights_only=True)`` can rebuild tensors pickled this way."""
        arr = backend.as_numpy(self.array)
        return (_rebuild_tensor, (type(self), arr.tobytes("C"), self.dtype.name, tuple(arr.shape),
                                  bool(self.requires_grad), str(self.device)))

    def __deepcopy__(self, memo):
        """``copy.deepcopy(t)``: an independent leaf with copied data (and grad), the same
        ``requires_grad`` and class (a Parameter stays one). Leaves only, as in PyTorch."""
        if self._ctx is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user support the deepcopy protocol "
                f"(graph leaves); this one has grad_fn={type(self._ctx).__name__}: deep-copy "
                "t.detach() instead"
            )
        if id(self) in memo:
            return memo[id(self)]
        t = _new(type(self))
        t.array, t.requires_grad, t._ctx, t._vc, t._base, t._hooks = (
            self.array.copy(), self.requires_grad, None, [0], None, None)
        t.grad = None if self.grad is None else Tensor._wrap(self.grad.array.copy())
        memo[id(self)] = t
        return t

    # ---- device and dtype --------------------------------------------------------------
    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False,
           memory_format=None):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(other_tensor)``;
        ``non_blocking`` and ``memory_format`` are accepted (copies are synchronous and
        arrays row-major here)."""
        _parser.check_option("memory_format", memory_format)
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (_dt.DType, type)) or (isinstance(a, str) and a in _dt._NAMES):
                dtype = a
            else:
                device = a
        return _ops.to(self, device=device, dtype=dtype, copy=copy)

    def cpu(self, memory_format=None):
        _parser.check_option("memory_format", memory_format)
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        _parser.check_option("memory_format", memory_format)
        return self.to("cuda" if device is None else backend.device(device if not isinstance(device, int) else f"cuda:{device}"))

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """``'torch.FloatTensor'`` (PyTorch's name, so that programs comparing it run
        unchanged) without ``dtype``; else a cast to a dtype, a legacy class
        (``torch.LongTensor``) or its name."""
        if dtype is None:
            return f"torch.{_TYPE_NAMES[self.dtype.name]}Tensor"
        from .legacy_tensors import resolve

        return self.to(dtype=resolve(dtype) or dtype)

    def type_as(self, other):
        return self.to(dtype=other.dtype)

    def float(self):
        return self.to(dtype=_dt.float32)

    def double(self):
        return self.to(dtype=_dt.float64)

    def half(self):
        return self.to(dtype=_dt.float16)

    def bfloat16(self):
        return self.to(dtype=_dt.bfloat16_dtype())

    def int(self):
        return self.to(dtype=_dt.int32)

    def long(self):
        return self.to(dtype=_dt.int64)

    def bool(self):
        return self.to(dtype=_dt.bool_)

    # ---- arithmetic dunders -----------------------------------------------------------
    # The hot binary ops take a shortcut when both operands are Tensors of one dtype on one
    # device: straight to the Function, or, when nothing is recorded (e.g. inside a
    # backward pass), straight to the array op. Anything else (scalars, promotion, errors)
    # goes through minigrad.ops.
    def __add__(self, other):
        if type(other) is Tensor:
            a, b = self.array, other.array
            if a.dtype is b.dtype and type(a) is type(b):
                try:
                    if _State.enabled and (self.requires_grad or other.requires_grad):
                        if self._base is None and other._base is None and not _State.anomaly:
                            return _Add._record_binary(self, other, a + b, False)
                        return _Add.apply(self, other)  # views and anomaly mode: full checks
                    y = a + b
                    return _wrap(y) if type(y) is _ndarray else _wrap_result(y)
                except ValueError:
                    pass  # not broadcastable: minigrad.ops raises the proper error
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        if type(other) is Tensor:
            a, b = self.array, other.array
            if a.dtype is b.dtype and type(a) is type(b) and a.dtype.kind != "b":
                try:
                    if _State.enabled and (self.requires_grad or other.requires_grad):
                        if self._base is None and other._base is None and not _State.anomaly:
                            return _Sub._record_binary(self, other, a - b, False)
                        return _Sub.apply(self, other)  # views and anomaly mode: full checks
                    y = a - b
                    return _wrap(y) if type(y) is _ndarray else _wrap_result(y)
                except ValueError:
                    pass
        return _ops.sub(self, other)

    def __rsub__(self, other):  # other - self
        return _ops.sub(other, self)

    def __mul__(self, other):
        if type(other) is Tensor:
            a, b = self.array, other.array
            if a.dtype is b.dtype and type(a) is type(b):
                try:
                    if _State.enabled and (self.requires_grad or other.requires_grad):
                        if self._base is None and other._base is None and not _State.anomaly:
                            return _Mul._record_binary(self, other, a * b, True)
                        return _Mul.apply(self, other)  # views and anomaly mode: full checks
                    y = a * b
                    return _wrap(y) if type(y) is _ndarray else _wrap_result(y)
                except ValueError:
                    pass
        elif type(other) in _NUM and _isfloat(self.array.dtype) and not (
                self.requires_grad and _State.enabled):
            return _scaled(self.array, other)  # e.g. ``lr * p.grad`` in an optimizer step
        return _ops.mul(self, other)

    def __rmul__(self, other):
        if type(other) in _NUM and _isfloat(self.array.dtype) and not (
                self.requires_grad and _State.enabled):
            return _scaled(self.array, other)
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):  # other / self
        return _ops.div(other, self)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        return _ops.remainder(other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):  # other ** self
        return _ops.pow(other, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __invert__(self):
        return _ops.logical_not(self) if self.array.dtype.kind == "b" else _ops.bitwise_not(self)

    def __and__(self, other):
        if type(other) is Tensor and self.array.dtype.kind == "b" == other.array.dtype.kind:
            return _ops.logical_and(self, other)  # the same values; a capture records it
        return _ops.bitwise_and(self, other)  # bool ^ 3 is int64, as in PyTorch

    def __or__(self, other):
        if type(other) is Tensor and self.array.dtype.kind == "b" == other.array.dtype.kind:
            return _ops.logical_or(self, other)  # the same values; a capture records it
        return _ops.bitwise_or(self, other)  # bool ^ 3 is int64, as in PyTorch

    def __xor__(self, other):
        if type(other) is Tensor and self.array.dtype.kind == "b" == other.array.dtype.kind:
            return _ops.logical_xor(self, other)  # the same values; a capture records it
        return _ops.bitwise_xor(self, other)  # bool ^ 3 is int64, as in PyTorch

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __lshift__(self, other):
        return _ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return _ops.bitwise_left_shift(other, self)

    def __rshift__(self, other):
        return _ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return _ops.bitwise_right_shift(other, self)

    def __eq__(self, other):
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    # in-place dunders: x += y is x.add_(y)
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    def __ifloordiv__(self, other):
        return self.floor_divide_(other)

    def __imod__(self, other):
        return self.remainder_(other)

    def __iand__(self, other):
        return _inplace.apply_(self, "__iand__", lambda s: s & other, other)

    def __ior__(self, other):
        return _inplace.apply_(self, "__ior__", lambda s: s | other, other)

    def __ixor__(self, other):
        return _inplace.apply_(self, "__ixor__", lambda s: s ^ other, other)

    def __ilshift__(self, other):
        return _inplace.apply_(self, "__ilshift__", lambda s: s << other, other)

    def __irshift__(self, other):
        return _inplace.apply_(self, "__irshift__", lambda s: s >> other, other)

    # no __imatmul__: as in PyTorch, ``a @= b`` rebinds a to the new tensor ``a @ b``

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _ops.setitem(self, index, value)

    # ---- named arithmetic -------------------------------------------------------------
    def add(self, other, *, alpha=1):
        return _ops.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return _ops.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other):
        return _ops.mul(self, other)

    multiply = mul

    def div(self, other, *, rounding_mode=None):
        return _ops.div(self, other, rounding_mode=rounding_mode)

    divide = true_divide = div

    def floor_divide(self, other):
        return _ops.floor_divide(self, other)

    def remainder(self, other):
        return _ops.remainder(self, other)

    def fmod(self, other):
        return _ops.fmod(self, other)

    def pow(self, exponent):
        return _ops.pow(self, exponent)

    def neg(self):
        return _ops.neg(self)

    negative = neg

    def matmul(self, other):
        return _ops.matmul(self, other)

    def mm(self, other):
        return _ops.mm(self, other)

    def bmm(self, other):
        return _ops.bmm(self, other)

    def dot(self, other):
        return _ops.dot(self, other)

    def outer(self, other):
        return _ops.outer(self, other)

    def eq(self, other):
        return _ops.eq(self, other)

    def ne(self, other):
        return _ops.ne(self, other)

    def lt(self, other):
        return _ops.lt(self, other)

    def le(self, other):
        return _ops.le(self, other)

    def gt(self, other):
        return _ops.gt(self, other)

    def ge(self, other):
        return _ops.ge(self, other)

    def equal(self, other):
        return _ops.equal(self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _ops.allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _ops.isclose(self, other, rtol, atol, equal_nan)

    def logical_and(self, other):
        return _ops.logical_and(self, other)

    def logical_or(self, other):
        return _ops.logical_or(self, other)

    def logical_xor(self, other):
        return _ops.logical_xor(self, other)

    def logical_not(self):
        return _ops.logical_not(self)

    def bitwise_and(self, other):
        return _ops.bitwise_and(self, other)

    def bitwise_or(self, other):
        return _ops.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return _ops.bitwise_xor(self, other)

    def bitwise_not(self):
        return _ops.bitwise_not(self)

    def isnan(self):
        return _ops.isnan(self)

    def isinf(self):
        return _ops.isinf(self)

    def isfinite(self):
        return _ops.isfinite(self)

    def maximum(self, other):
        return _ops.maximum(self, other)

    def minimum(self, other):
        return _ops.minimum(self, other)

    def clamp(self, min=None, max=None):
        return _ops.clamp(self, min, max)

    clip = clamp

    def lerp(self, end, weight):
        return _ops.lerp(self, end, weight)

    def where(self, condition, other):
        return _ops.where(condition, self, other)

    def atan2(self, other):
        return _ops.atan2(self, other)

    arctan2 = atan2

    # ---- unary math (one line each; the ops live in minigrad/ops) ----------------------
    def exp(self): return _ops.exp(self)  # noqa: E704
    def exp2(self): return _ops.exp2(self)  # noqa: E704
    def log(self): return _ops.log(self)  # noqa: E704
    def log2(self): return _ops.log2(self)  # noqa: E704
    def log10(self): return _ops.log10(self)  # noqa: E704
    def log1p(self): return _ops.log1p(self)  # noqa: E704
    def expm1(self): return _ops.expm1(self)  # noqa: E704
    def sqrt(self): return _ops.sqrt(self)  # noqa: E704
    def rsqrt(self): return _ops.rsqrt(self)  # noqa: E704
    def square(self): return _ops.square(self)  # noqa: E704
    def reciprocal(self): return _ops.reciprocal(self)  # noqa: E704
    def sin(self): return _ops.sin(self)  # noqa: E704
    def cos(self): return _ops.cos(self)  # noqa: E704
    def tan(self): return _ops.tan(self)  # noqa: E704
    def asin(self): return _ops.asin(self)  # noqa: E704
    def acos(self): return _ops.acos(self)  # noqa: E704
    def atan(self): return _ops.atan(self)  # noqa: E704
    def sinh(self): return _ops.sinh(self)  # noqa: E704
    def cosh(self): return _ops.cosh(self)  # noqa: E704
    def tanh(self): return _ops.tanh(self)  # noqa: E704
    def sigmoid(self): return _ops.sigmoid(self)  # noqa: E704
    def erf(self): return _ops.erf(self)  # noqa: E704
    def erfc(self): return _ops.erfc(self)  # noqa: E704
    def relu(self): return _ops.relu(self)  # noqa: E704
    def abs(self): return _ops.abs(self)  # noqa: E704
    def sign(self): return _ops.sign(self)  # noqa: E704
    def floor(self): return _ops.floor(self)  # noqa: E704
    def ceil(self): return _ops.ceil(self)  # noqa: E704
    def trunc(self): return _ops.trunc(self)  # noqa: E704
    def frac(self): return self - _ops.trunc(self)  # noqa: E704

    arcsin, arccos, arctan, absolute = asin, acos, atan, abs

    def round(self, decimals=0):
        return _ops.round(self, decimals=decimals)

    def softmax(self, dim, dtype=None):
        return _ops.softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return _ops.log_softmax(self, dim, dtype)

    # ---- reductions ---------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return _ops.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return _ops.mean(self, dim, keepdim, dtype=dtype)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return _ops.prod(self, dim, keepdim, dtype=dtype)

    def max(self, dim=None, keepdim=False):
        return _ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _ops.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return _ops.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return _ops.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _ops.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _ops.argmin(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim, keepdim=False):
        return _ops.logsumexp(self, dim, keepdim)

    def cumsum(self, dim, *, dtype=None):
        return _ops.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim, *, dtype=None):
        return _ops.cumprod(self, dim, dtype=dtype)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return _ops.norm(self, p, dim, keepdim, dtype=dtype)

    def all(self, dim=None, keepdim=False):
        return _ops.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return _ops.any(self, dim, keepdim)

    # ---- shape and movement -----------------------------------------------------------
    def reshape(self, *shape):
        return _ops.reshape(self, *shape)

    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (builtins.int, tuple, list, Size)):
            from .ops.views import view_dtype

            return view_dtype(self, shape[0])
        return _ops.view(self, *shape)

    def view_as(self, other):
        return _ops.view(self, other.shape)

    def reshape_as(self, other):
        return _ops.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return _ops.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return _ops.unflatten(self, dim, sizes)

    def squeeze(self, dim=None):
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim):
        return _ops.unsqueeze(self, dim)

    def transpose(self, dim0, dim1):
        return _ops.transpose(self, dim0, dim1)

    swapaxes = swapdims = transpose

    def t(self):
        if self.array.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.array.ndim}D")
        return _ops.transpose(self, 0, 1) if self.array.ndim == 2 else self

    @property
    def T(self):
        return _ops.permute(self, *reversed(range(self.array.ndim)))

    @property
    def mT(self):
        return _ops.transpose(self, -2, -1)

    def permute(self, *args, dims=None):
        return _ops.permute(self, *args, dims=dims)

    def movedim(self, source, destination):
        return _ops.movedim(self, source, destination)

    moveaxis = movedim

    def expand(self, *sizes):
        return _ops.expand(self, *sizes)

    def expand_as(self, other):
        return _ops.expand(self, other.shape)

    def broadcast_to(self, shape):
        return _ops.broadcast_to(self, shape)

    def repeat(self, *sizes):
        return _ops.repeat(self, *sizes)

    def tile(self, *dims):
        return _ops.tile(self, *dims)

    def split(self, split_size, dim=0):
        return _ops.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _ops.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return _ops.unbind(self, dim)

    def flip(self, *args, dims=None):
        return _ops.flip(self, *args, dims=dims)

    def roll(self, shifts, dims=None):
        return _ops.roll(self, shifts, dims)

    def tril(self, diagonal=0):
        return _ops.tril(self, diagonal)

    def triu(self, diagonal=0):
        return _ops.triu(self, diagonal)

    def contiguous(self, memory_format=None):
        _parser.check_option("memory_format", memory_format)
        return _ops.contiguous(self)

    def clone(self, *, memory_format=None):
        _parser.check_option("memory_format", memory_format)
        return _ops.clone(self)

    # ---- indexing ---------------------------------------------------------------------
    def gather(self, dim, index):
        return _ops.gather(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return _ops.scatter(self, dim, index, src if src is not None else value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return _ops.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        return _ops.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        return _ops.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return _ops.masked_select(self, mask)

    def take_along_dim(self, indices, dim=None):
        return _ops.take_along_dim(self, indices, dim)

    def nonzero(self, *, as_tuple=False):
        return _ops.nonzero(self, as_tuple=as_tuple)

    # ---- in-place ---------------------------------------------------------------------
    def add_(self, other, *, alpha=1):
        return _inplace.add_(self, other, alpha)

    def sub_(self, other, *, alpha=1):
        return _inplace.sub_(self, other, alpha)

    def mul_(self, other):
        return _inplace.mul_(self, other)

    def div_(self, other):
        return _inplace.div_(self, other)

    def pow_(self, exponent):
        return _inplace.apply_(self, "pow_", lambda s: _ops.pow(s, exponent), exponent)

    def floor_divide_(self, other):
        return _inplace.apply_(self, "floor_divide_", lambda s: _ops.floor_divide(s, other), other)

    def remainder_(self, other):
        return _inplace.apply_(self, "remainder_", lambda s: _ops.remainder(s, other), other)

    def fmod_(self, other):
        return _inplace.apply_(self, "fmod_", lambda s: _ops.fmod(s, other), other)

    def bitwise_and_(self, other):
        return _inplace.apply_(self, "bitwise_and_", lambda s: _ops.bitwise_and(s, other), other)

    def bitwise_or_(self, other):
        return _inplace.apply_(self, "bitwise_or_", lambda s: _ops.bitwise_or(s, other), other)

    def bitwise_xor_(self, other):
        return _inplace.apply_(self, "bitwise_xor_", lambda s: _ops.bitwise_xor(s, other), other)

    def clamp_(self, min=None, max=None):
        return _inplace.apply_(self, "clamp_", lambda s: _ops.clamp(s, min, max), min, max)

    clip_ = clamp_

    def zero_(self):
        return _inplace.fill_(self, 0)

    def fill_(self, value):
        return _inplace.fill_(self, value)

    def copy_(self, src, non_blocking=False):
        return _inplace.copy_(self, src)

    def masked_fill_(self, mask, value):
        return _inplace.apply_(self, "masked_fill_", lambda s: _ops.masked_fill(s, mask, value), mask, value)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return _inplace.addcmul_(self, tensor1, tensor2, value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return _inplace.addcdiv_(self, tensor1, tensor2, value)

    def lerp_(self, end, weight):
        return _inplace.apply_(self, "lerp_", lambda s: _ops.lerp(s, end, weight), end, weight)

    def exp_(self):
        return _inplace.apply_(self, "exp_", _ops.exp)

    def sqrt_(self):
        return _inplace.apply_(self, "sqrt_", _ops.sqrt)

    def neg_(self):
        return _inplace.apply_(self, "neg_", _ops.neg)

    def abs_(self):
        return _inplace.apply_(self, "abs_", _ops.abs)

    def relu_(self):
        return _inplace.apply_(self, "relu_", _ops.relu)

    def sigmoid_(self):
        return _inplace.apply_(self, "sigmoid_", _ops.sigmoid)

    def tanh_(self):
        return _inplace.apply_(self, "tanh_", _ops.tanh)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        return _inplace.random_(self, "uniform", a, b, generator)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return _inplace.random_(self, "normal", mean, std, generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        return _inplace.random_(self, "bernoulli", p, None, generator)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from . import creation

        return creation.zeros(*size, dtype=dtype or self.dtype, device=device or self.device,
                              requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from . import creation

        return creation.ones(*size, dtype=dtype or self.dtype, device=device or self.device,
                             requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        from . import creation

        return creation.full(size, fill_value, dtype=dtype or self.dtype,
                             device=device or self.device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        return Tensor._from_data(data, dtype=dtype or self.dtype, device=device or self.device,
                      requires_grad=requires_grad)


class Size(tuple):
    """``tensor.shape``: a tuple with PyTorch's repr and ``numel()``."""

    __slots__ = ()

    def __repr__(self):
        return f"minigrad.Size([{', '.join(map(str, self))}])"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
               "bfloat16": "BFloat16"}


def _wrap_dim(dim, ndim):
    """Normalise a possibly negative dim; IndexError naming the valid range."""
    n = ndim if ndim > 0 else 1
    try:
        ok = -n <= dim < n
    except TypeError:
        raise TypeError(f"dim must be an int, got {type(dim).__name__} {dim!r}") from None
    if not ok:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def _to_array(data, dtype=None, device=None):
    """Build a backend array from Python data / NumPy / CuPy / Tensor with PyTorch's defaults."""
    dev = backend.device(device) if device is not None else None
    if isinstance(data, Tensor):
        data = data.array
    npdt = _dt.as_dtype(dtype).np if dtype is not None else None
    xp_in = backend.get_array_module(data) if not isinstance(data, (list, tuple)) else np
    if dev is None:
        dev = backend.device_of(data) if xp_in is not np else backend.default_device()
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat_first(data)):
        data = _nested_tensors_to_numpy(data)
    if xp_in is np:
        if npdt is not None and isinstance(data, (list, tuple, int, float)) and npdt.kind in "iuf":
            from ._scalars import checked_array  # PyTorch's overflow checks

            arr = checked_array(data, npdt)
        else:
            arr = np.array(data, dtype=npdt, copy=True) if not isinstance(data, np.ndarray) else np.array(data, dtype=npdt)
        if npdt is None:
            arr = _default_cast(arr, data)
    else:
        arr = data.astype(npdt) if npdt is not None else data.copy()
    if arr.dtype not in _dt._FROM_NP:
        raise TypeError(
            f"can't convert data of dtype {arr.dtype} to a Tensor: supported dtypes are "
            + ", ".join(d.name for d in _dt._ALL)
        )
    return backend.to_device(arr, dev) if dev is not None else arr


def _flat_first(data):
    while isinstance(data, (list, tuple)) and data:
        yield data[0]
        data = data[0]


def _nested_tensors_to_numpy(data):
    if isinstance(data, Tensor):
        return backend.as_numpy(data.array)
    if isinstance(data, (list, tuple)):
        return [_nested_tensors_to_numpy(x) for x in data]
    return data


def _default_cast(arr, data):
    """PyTorch's defaults: Python floats -> float32, ints -> int64; NumPy keeps its dtype."""
    k = arr.dtype.kind
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        if arr.dtype == np.float64 or arr.dtype in _dt._FROM_NP:
            return arr
    if k == "f" and not isinstance(data, (np.ndarray, np.generic)):
        return arr.astype(_dt.get_default_dtype().np, copy=False)
    if k in "iu" and arr.dtype not in _dt._FROM_NP:
        return arr.astype(np.int64)
    if k == "i" and not isinstance(data, (np.ndarray, np.generic)):
        return arr.astype(np.int64, copy=False)
    if k == "c":
        raise TypeError("complex tensors are not supported by minigrad")
    return arr


_wrap = Tensor._wrap


_NUM = (float, int)  # exact types: bool is not a multiplier here


def _scaled(a, s):
    """A float array times a Python number, as a Tensor with no graph (dtype kept)."""
    if not -65504.0 <= s <= 65504.0 and a.dtype.itemsize < 8:
        from ._scalars import wrapped

        s = wrapped(s, a.dtype)  # beyond float16/float32: inf, without NumPy's warning
    y = a * s
    return Tensor._wrap(y) if type(y) is _ndarray else _wrap_result(y)


def _wrap_result(y):
    """Tensor._wrap for the result of an array op (NumPy gives scalars for 0-d results)."""
    if not isinstance(y, _ndarray) and not hasattr(y, "__cuda_array_interface__"):
        y = np.asarray(y)  # (isinstance: ndarray subclasses, like a recorder's, are kept)
    return Tensor._wrap(y)


from . import _format  # noqa: E402
from . import ops as _ops  # noqa: E402
from .ops import inplace as _inplace  # noqa: E402
from .ops.elementwise import Add as _Add  # noqa: E402
from .ops.elementwise import Mul as _Mul  # noqa: E402
from .ops.elementwise import Sub as _Sub  # noqa: E402


def _forwarding(name, fn):
    """``x.name(*args)`` as ``fn(x, *args)``."""
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    sig = _parser.inspect.signature(fn)
    method.__signature__ = sig.replace(parameters=[
        p.replace(name="self") if i == 0 else p for i, p in enumerate(sig.parameters.values())])
    return method


def _inplace_form(name, fn):
    """``x.name_(*args)``: ``fn(x, *args)`` written into x (recorded for autograd)."""
    def method(self, *args, **kwargs):
        others = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        return _inplace.apply_(self, name + "_", lambda s: fn(s, *args, **kwargs), *others)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place :meth:`{name}`; returns self."
    return method


def _bind_methods():
    """Generate the Tensor methods that only forward to an op from the op families' tables
    (``METHODS``, ``INPLACE_METHODS``), as PyTorch binds its methods from one table.
    A method written out in the class body takes precedence."""
    for fam in _ops.METHOD_FAMILIES:
        for name in getattr(fam, "METHODS", ()):
            if name not in Tensor.__dict__:
                setattr(Tensor, name, _forwarding(name, getattr(fam, name)))
        for name in getattr(fam, "INPLACE_METHODS", ()):
            if name + "_" not in Tensor.__dict__:
                setattr(Tensor, name + "_", _inplace_form(name, getattr(fam, name)))


_bind_methods()
from . import _tensor_attrs  # noqa: E402

_tensor_attrs.bind(Tensor)  # is_cpu, nbytes, byte(), is_nonzero(), ... (see _tensor_attrs.py)
_parser.dim_aliases(Tensor)  # x.sum(axis=0, keepdims=True), as PyTorch's parser accepts
