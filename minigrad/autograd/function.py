"""``Function``: the base of every differentiable op (the node type of the tape).

Two ways to write one:

* internal ops (``minigrad/ops``): ``forward(self, *arrays, **attrs)`` works on raw
  NumPy/CuPy arrays through ``self.xp``; ``backward(self, gy)`` receives and returns
  Tensors, built from minigrad ops, so the same formula serves first and higher
  order derivatives. ``self`` is the ctx.
* user ops, PyTorch style: ``@staticmethod forward(ctx, *tensors)`` and
  ``@staticmethod backward(ctx, *grads)``, both on Tensors, with
  ``ctx.save_for_backward``/``ctx.saved_tensors``/``ctx.needs_input_grad``.

Either way ``Op.apply(*args)`` runs forward and, when grad mode is on and an input
requires grad, records the node on the output: ``out.grad_fn``.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import backend
from .grad_mode import _State

_seq = itertools.count()

_IN, _OUT, _BUF = 0, 1, 2
_new = object.__new__
_ndarray = np.ndarray
_FALSE = (False,)
_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class Function:
    """A node on the tape: one op application, holding what its backward needs.

    Attributes set by ``apply`` when the op is recorded:
        parents: per input, the node its gradient flows to: the input's ``grad_fn``,
            the input itself if it is a leaf that requires grad, or None.
        needs_input_grad: per input, whether it requires grad.
        seq: sequence number on the tape (later ops have larger numbers).
        shape, dtype: the output's shape and NumPy dtype (the engine checks grads
            against them).
    """

    once_differentiable = False  # True: backward is not itself differentiable
    _is_tensor = False  # graph edges point at Functions or at leaf Tensors
    seq = 0  # a freed node keeps only this default (it is then walked last, and raises)
    _user = False  # PyTorch-style static forward/backward on Tensors
    _hooks = None
    _retained = None
    # True when the engine must take the slow path for this node: a user Function, or a
    # node with hooks / retain_grad (one class-level flag keeps the common case to one read)
    _slow = False
    _trace = None
    # True for ops with ``backward_into(gy)``: a first-order backward that may overwrite
    # gy's array, called by the engine when it holds the only reference to gy
    _reuses_gy = False
    _base_ctx = None  # for a view: its base's grad_fn when the view was taken
    parents = None
    _saved = None
    _outputs = None  # a multi-output custom Function: per output (span, shape, dtype)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            cls._user = True
            cls._slow = True
        bw = cls.__dict__.get("backward")
        if getattr(bw, "_once_differentiable", False) or \
                getattr(getattr(bw, "__func__", None), "_once_differentiable", False):
            cls.once_differentiable = True

    # ---- forward -------------------------------------------------------------
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op on Tensors and record it on the tape if needed."""
        if cls._user:
            return _apply_user(cls, args, kwargs)
        # Plain loops, no comprehensions: on CPython 3.11 each comprehension is a function
        # call, and at small sizes this bookkeeping costs more than the array op itself.
        record = False
        xp = np
        data = []
        for t in args:
            d = t.array
            data.append(d)
            if type(d) is not _ndarray:
                xp = None
            if t.requires_grad:
                record = True
        if xp is None:
            xp = _check_devices(cls, args, data)
        ctx = _new(cls)
        ctx.xp = xp
        if record and _State.enabled:
            nig = []
            for t in args:
                nig.append(t.requires_grad)
            ctx.needs_input_grad = tuple(nig)
        else:
            record = False
            ctx.needs_input_grad = _FALSE * len(args)  # any number of inputs
        ctx._saved = ()
        try:
            y = ctx.forward(*data, **kwargs) if kwargs else ctx.forward(*data)
        except ValueError as e:  # NumPy's broadcast error: PyTorch's RuntimeError, both shapes
            _raise_broadcast(cls, args, e)
            raise
        if type(y) is not _ndarray and xp is np and not isinstance(y, _ndarray) and \
                backend.device_of(y).type == "cpu":
            # NumPy returns scalars for 0-d results (a CPU->CUDA ``To`` returns a device array)
            y0, y = y, np.asarray(y)
            if ctx._saved:
                ctx._saved = tuple([y if s is y0 else s for s in ctx._saved])
        out = _wrap(y)
        if y.base is not None:  # a view: share the aliased input's version counter
            _alias(ctx, out, args, y, record)
        if not record:
            return out
        # record the node (Function._record, inlined: this is the hottest path in minigrad)
        parents = []
        for t in args:
            c = t._ctx
            if c is not None:
                if t._base is not None and c._base_ctx is not None and c._base_ctx is not t._base._ctx:
                    c = _refresh_view(t)  # its base was changed in place: PyTorch's rebase
                parents.append(c)
            else:
                parents.append(t if t.requires_grad else None)
        ctx.parents = tuple(parents)
        ctx.seq = next(_seq)
        ctx.shape = y.shape
        ctx.dtype = y.dtype
        saved = ctx._saved
        if saved:
            resolved = []
            for item in saved:
                for t in args:
                    if item is t.array:
                        resolved.append((_IN, t, t._vc[0]))
                        break
                else:
                    resolved.append(_resolve(item, args, out))
            ctx._saved = tuple(resolved)
        out._ctx = ctx
        out.requires_grad = True
        rec = _State.recorder
        if rec is not None:  # an op-level capture (minigrad.compile) sees each recorded op
            rec.function(ctx, args, kwargs, out)
        if _State.anomaly:
            import traceback

            ctx._trace = traceback.extract_stack()[:-1]
        return out

    @classmethod
    def _record_binary(cls, a, b, y, save_inputs):
        """Record ``y = op(a, b)`` for a hot binary op whose forward already ran on the
        arrays (Tensor.__add__/__sub__/__mul__): the bookkeeping of ``apply`` without the
        generic argument handling. Inputs are plain, same-dtype, same-device tensors that
        are not views (views need apply's stale-view checks), outside anomaly mode."""
        if type(y) is not _ndarray and type(a.array) is _ndarray:
            y = np.asarray(y)
        ctx = _new(cls)
        ctx.xp = np if type(y) is _ndarray else backend.get_array_module(y)
        ra, rb = a.requires_grad, b.requires_grad
        ctx.needs_input_grad = (ra, rb)
        ca, cb = a._ctx, b._ctx
        ctx.parents = (ca if ca is not None else (a if ra else None),
                       cb if cb is not None else (b if rb else None))
        ctx.seq = next(_seq)
        ctx.shape = y.shape
        ctx.dtype = y.dtype
        ctx._saved = ((_IN, a, a._vc[0]), (_IN, b, b._vc[0])) if save_inputs else ()
        out = _wrap(y)
        out._ctx = ctx
        out.requires_grad = True
        rec = _State.recorder
        if rec is not None:
            rec.function(ctx, (a, b), {}, out)
        return out

    def _record(self, inputs, out):
        for t in inputs:
            if t._base is not None and t._ctx is not None:
                bc = t._ctx._base_ctx
                if bc is not None and bc is not t._base._ctx:
                    _refresh_view(t)
        self.parents = tuple([
            t._ctx if t._ctx is not None else (t if t.requires_grad else None) for t in inputs
        ])
        self.seq = next(_seq)
        y = out.array
        self.shape = y.shape
        self.dtype = y.dtype
        if self._saved:
            self._saved = tuple(_resolve(s, inputs, out) for s in self._saved)
        out._ctx = self
        out.requires_grad = True
        if _State.anomaly:
            import traceback

            self._trace = traceback.extract_stack()[:-2]

    def forward(self, *arrays, **attrs):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, gy):
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    # ---- saved tensors -------------------------------------------------------
    def save_for_backward(self, *items):
        """Save arrays (in ``forward``) or Tensors (in a user ``forward``) for backward.

        An item that is one of the inputs is saved as that input Tensor and its
        version is checked at backward; the output likewise; anything else is a
        constant buffer.
        """
        self._saved = items

    def mark_non_differentiable(self, *tensors):
        """(custom Functions, in forward) Outputs that get no gradient: they do not require
        grad and nothing is recorded for them."""
        self._non_diff = tensors

    def mark_dirty(self, *tensors):
        """(custom Functions, in forward) Inputs that forward modified in place and returns:
        their version is bumped and they take this node as their history."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool):
        """(custom Functions, in forward) With False, ``backward`` receives None (instead of
        zeros) for the outputs that got no gradient."""
        self._materialize = bool(value)

    @property
    def saved_tensors(self):
        """The saved items as Tensors, after checking no in-place op changed them."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED_MSG)
        out = []
        for i, s in enumerate(saved):
            kind = s[0]
            if kind == _IN:
                t = s[1]
                if t._vc[0] != s[2]:
                    self._raise_version(i, t.shape, t._vc[0], s[2])
                out.append(t)
            elif kind == _OUT:
                if s[2][0] != s[3]:
                    self._raise_version(i, s[1].shape, s[2][0], s[3])
                out.append(Tensor._wrap(s[1], ctx=s[4]() if len(s) > 4 else self))
            else:
                out.append(Tensor._wrap(s[1]) if s[1] is not None else None)
        return tuple(out)

    def _raise_version(self, i, shape, now, expected):
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: saved tensor {i} of {self.name()} (shape {tuple(shape)}) is at "
            f"version {now}; expected version {expected} instead. Use out-of-place ops "
            "(x = x * 2 rather than x *= 2) on tensors that an earlier op needs for backward."
        )

    # ---- introspection -------------------------------------------------------
    def name(self) -> str:
        return f"{type(self).__name__}Backward0"

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self):
        return tuple((p, 0) for p in (self.parents or ()))

    def register_hook(self, hook):
        """Call ``hook(grad_output)`` when this node's output gradient is computed."""
        if self._hooks is None:
            self._hooks = []
        self._slow = True
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def _run_backward(self, gy):
        """Call backward; return one gradient (or None) per recorded input."""
        if not self._user:
            return self.backward(gy)
        if self._outputs is not None:
            gxs = type(self).backward(self, *_split_grads(self, gy))
        else:
            gxs = type(self).backward(self, gy)
        if not isinstance(gxs, tuple):
            gxs = (gxs,)
        mask = self._arg_is_tensor  # PyTorch returns None for non-Tensor args; drop those
        if len(gxs) == len(mask):
            gxs = tuple(g for g, m in zip(gxs, mask) if m)
        return gxs

    @property
    def freed(self) -> bool:
        return not self.__dict__  # the engine empties a node's dict when it frees it


def _resolve(item, inputs, out):
    """Turn one saved item into (_IN, tensor, version) / (_OUT, array, vc, version) / (_BUF, array)."""
    if isinstance(item, Tensor):
        if item is out:
            return (_OUT, out.array, out._vc, out._vc[0])
        return (_IN, item, item._vc[0])
    if item is None:
        return (_BUF, None)
    for t in inputs:
        if item is t.array:
            return (_IN, t, t._vc[0])
    if item is out.array:
        return (_OUT, out.array, out._vc, out._vc[0])
    return (_BUF, item)


def _alias(ctx, out, inputs, y, record):
    """``y`` is a view of an input: share its version counter and base (as PyTorch), so an
    in-place change through either alias is seen by every node that saved the other."""
    may_share = ctx.xp.may_share_memory
    for t in inputs:
        if may_share(y, t.array):
            base = t._base if t._base is not None else t
            out._vc, out._base = t._vc, base
            if record:
                ctx._base_ctx = base._ctx
            return


def _refresh_view(t):
    """A view whose base's history changed since it was taken gets a new history from the
    base's current one (PyTorch regenerates a view's grad_fn the same way)."""
    from ..ops.copyslices import refresh

    return refresh(t)


def _raise_broadcast(cls, tensors, err):
    """Re-raise a failed broadcast of the inputs as RuntimeError naming the clashing sizes."""
    if "operands could not be broadcast" not in str(err):
        return
    shapes = [tuple(t.shape) for t in tensors]
    n = max(len(s) for s in shapes)
    for d in range(1, n + 1):
        sizes = [s[-d] for s in shapes if len(s) >= d and s[-d] != 1]
        if any(x != sizes[0] for x in sizes):
            b = next(x for x in sizes if x != sizes[0])
            raise RuntimeError(
                f"The size of tensor a ({sizes[0]}) must match the size of tensor b ({b}) at "
                f"non-singleton dimension {n - d} (in {getattr(cls, '__name__', cls)}, shapes "
                f"{', '.join(map(str, shapes))})"
            ) from None


def _check_devices(cls, tensors, data):
    devs = [backend.device_of(d) for d in data]
    for t, d in zip(tensors[1:], devs[1:]):
        if d != devs[0]:
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but found at least two devices, "
                f"{devs[0]} and {d}! (in {cls.__name__}, shapes {tuple(tensors[0].shape)} and "
                f"{tuple(t.shape)})"
            )
    return backend.get_array_module(*data)


def once_differentiable(backward):
    """Mark a custom Function's ``backward`` as not differentiable (PyTorch's decorator).

    The backward then runs under ``no_grad`` and, under ``create_graph=True``, its results
    raise a clear error when differentiated again instead of giving a wrong answer.
    Same as setting the class attribute ``once_differentiable = True``.
    """
    backward._once_differentiable = True
    return backward


class _RemovableHandle:
    """Returned by register_hook; ``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        try:
            self._hooks.remove(self._hook)
        except ValueError:
            pass


class DelayedError(Function):
    """Stands in for a once-differentiable backward under create_graph: differentiating
    through its output raises instead of returning a wrong answer."""

    def forward(self, x, op_name=""):
        self.op_name = op_name
        return x

    def backward(self, gy):
        raise RuntimeError(
            f"{self.op_name} is not twice differentiable in minigrad: its backward is "
            "implemented directly on arrays. Higher-order gradients through it are not supported."
        )


from ..tensor import Tensor  # noqa: E402  (circular: tensor.py imports ops which import us)

_wrap = Tensor._wrap
from .custom_function import apply_user as _apply_user  # noqa: E402
from .custom_function import split_grads as _split_grads  # noqa: E402
