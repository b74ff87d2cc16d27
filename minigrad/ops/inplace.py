"""In-place ops: ``add_``, ``mul_``, ``fill_``, ``copy_``, ... and their autograd rules.

Every in-place op bumps the tensor's version counter, so a node that saved the
tensor for backward notices (``Function.saved_tensors`` raises).

* Outside autograd (no_grad, or nothing requires grad) the array is updated with
  ufuncs writing into it (``out=``): one pass over memory, no allocation.
* When the result must be recorded, the old value is copied into a stand-in
  tensor that takes over the old history, the op is run out of place on it, and
  the result is written back into ``self``'s array; ``self`` takes the new node.
* In-place on a leaf that requires grad raises, as in PyTorch. In-place on a view of a
  tensor in a graph rebases the view and its base (``ops/copyslices.py``, PyTorch's
  CopySlices).
"""
from __future__ import annotations

from .._scalars import wrapped
from ..autograd.grad_mode import _State
from ..tensor import _TYPE_NAMES, Tensor
from ._util import _LIMITS

_LEAF_MSG = (
    "a leaf Variable that requires grad is being used in an in-place operation ({op}). "
    "Wrap the update in `with minigrad.no_grad():` (as optimizers do) or use an out-of-place op."
)


def _records(self, *others) -> bool:
    if not _State.enabled:
        return False
    return self.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)


def _check(self, op, *others):
    """Raise for in-place ops autograd cannot express; return whether to record."""
    rec = _records(self, *others)
    if rec:
        if self._ctx is None and self.requires_grad:
            raise RuntimeError(_LEAF_MSG.format(op=op))
    return rec


def _bump(self):
    self._vc[0] += 1
    return self


def apply_(self, op, fn, *others):
    """Generic in-place: ``self <- fn(self)``, recorded when needed."""
    if _check(self, op, *others):
        if self._base is not None:  # rebase the view and its base (PyTorch's CopySlices)
            from .copyslices import inplace_on_view

            return inplace_on_view(self, op, fn, _write)
        stand_in = Tensor._wrap(self.array.copy(), ctx=self._ctx)
        stand_in.requires_grad = self.requires_grad
        r = fn(stand_in)
        _write(self, r, op)
        self._ctx = r._ctx
        self.requires_grad = r.requires_grad
        return _bump(self)
    prev = _State.enabled
    _State.enabled = False
    try:
        r = fn(self)
    finally:
        _State.enabled = prev
    _write(self, r, op)
    return _bump(self)


def _write(self, r, op):
    rd = r.array
    if rd.shape != self.array.shape:
        raise RuntimeError(
            f"{op}: output with shape {list(self.array.shape)} doesn't match the broadcast shape "
            f"{list(rd.shape)}"
        )
    if rd.dtype != self.array.dtype and not _can_cast(rd.dtype, self.array.dtype):
        names = {"b": "Bool", "i": "Long", "u": "Byte", "f": "Float"}
        raise RuntimeError(
            f"result type {names[rd.dtype.kind]} can't be cast to the desired output type "
            f"{_TYPE_NAMES.get(self.array.dtype.name, self.array.dtype.name)} (in {op}, "
            f"result dtype {rd.dtype})"
        )
    if rd is not self.array:
        self.array[...] = rd


def _can_cast(src, dst):
    kinds = "biuf"
    return kinds.index(src.kind) <= kinds.index(dst.kind)


def _operand(self, other):
    t = type(other)
    if t is float or t is int:  # wrapped to the dtype, as PyTorch's in-place arithmetic
        lim = _LIMITS.get(self.array.dtype)
        if lim is not None and not lim[0] <= other <= lim[1]:
            return wrapped(other, self.array.dtype)
        return other
    return other.array if isinstance(other, Tensor) else other


def _ufunc_(self, op, ufunc, other, fallback):
    if _check(self, op, other):
        return apply_(self, op, fallback, other)
    o = _operand(self, other)
    if isinstance(other, Tensor) and type(o) is not type(self.array):
        raise RuntimeError(
            f"{op}: expected all tensors to be on the same device, but found {self.device} and "
            f"{other.device}"
        )
    try:
        ufunc(self.array, o, out=self.array, casting="same_kind")
    except ValueError as e:
        raise RuntimeError(
            f"{op}: output with shape {list(self.array.shape)} doesn't match the broadcast shape "
            f"of the operands ({e})"
        ) from None
    except TypeError as e:  # numpy's UFuncTypeError
        raise RuntimeError(f"{op}: {e}") from None
    return _bump(self)


def add_(self, other, alpha=1):
    from .elementwise import add

    if alpha != 1:
        if _check(self, "add_", other):
            return apply_(self, "add_", lambda s: add(s, other, alpha=alpha), other)
        o = _operand(self, other)
        other = o * alpha if not isinstance(o, (int, float)) else o * alpha
        return _ufunc_(self, "add_", self.xp.add, other, None)
    return _ufunc_(self, "add_", self.xp.add, other, lambda s: add(s, other))


def sub_(self, other, alpha=1):
    from .elementwise import _BOOL_SUB_MSG, sub

    if self.array.dtype.kind == "b" and (type(other) is bool or (
            isinstance(other, Tensor) and other.array.dtype.kind == "b")):
        raise RuntimeError(_BOOL_SUB_MSG)
    if alpha != 1:
        return add_(self, other, -alpha)
    # one subtract pass (not add_ with alpha=-1: that scales a copy of ``other`` first)
    return _ufunc_(self, "sub_", self.xp.subtract, other, lambda s: sub(s, other))


def mul_(self, other):
    from .elementwise import mul

    return _ufunc_(self, "mul_", self.xp.multiply, other, lambda s: mul(s, other))


def div_(self, other):
    from .elementwise import div

    if self.array.dtype.kind != "f":
        raise RuntimeError(
            f"div_: result type Float can't be cast to the desired output type {self.dtype}"
        )
    return _ufunc_(self, "div_", self.xp.true_divide, other, lambda s: div(s, other))


def addcmul_(self, t1, t2, value=1):
    from .elementwise import add

    if _check(self, "addcmul_", t1, t2):
        return apply_(self, "addcmul_", lambda s: add(s, t1 * t2 * value), t1, t2)
    prod = _operand(self, t1) * _operand(self, t2)
    if value != 1:
        prod *= value
    return _ufunc_(self, "addcmul_", self.xp.add, prod, None)


def addcdiv_(self, t1, t2, value=1):
    from .elementwise import add

    if _check(self, "addcdiv_", t1, t2):
        return apply_(self, "addcdiv_", lambda s: add(s, t1 / t2 * value), t1, t2)
    q = _operand(self, t1) / _operand(self, t2)
    if value != 1:
        q *= value
    return _ufunc_(self, "addcdiv_", self.xp.add, q, None)


def fill_(self, value):
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        if _check(self, "fill_", value):
            return apply_(self, "fill_", lambda s: s * 0 + value.reshape(()), value)
        if type(value.array) is type(self.array):  # same device: no read-back (a GPU sync)
            self.array[...] = value.array.reshape(())
            return _bump(self)
        value = value.item()
    from .._scalars import stored

    value = stored(value, self.array.dtype, fill=True)
    if _check(self, "fill_"):
        return apply_(self, "fill_", lambda s: s * 0 + value)
    self.array.fill(value)
    return _bump(self)


def copy_(self, src):
    from .elementwise import to
    from .movement import broadcast_to

    if not isinstance(src, Tensor):
        src = Tensor._from_data(src)
    if _check(self, "copy_", src):
        def fn(s):
            return s * 0 + broadcast_to(to(src, dtype=self.dtype, device=self.device), tuple(self.shape))

        return apply_(self, "copy_", fn, src)
    from .. import backend

    data = src.array
    if type(data) is not type(self.array):
        data = backend.to_device(data, self.device)
    try:
        self.array[...] = data
    except ValueError:
        raise RuntimeError(
            f"copy_: the source of shape {list(src.shape)} can't be broadcast to the destination "
            f"of shape {list(self.shape)}"
        ) from None
    return _bump(self)


def random_(self, kind, a, b, generator):
    from .. import random as _random

    if _check(self, f"{kind}_"):
        raise RuntimeError(_LEAF_MSG.format(op=f"{kind}_"))
    vals = _random.sample(kind, self.shape, self.array.dtype, self.device, a, b, generator)
    self.array[...] = vals
    return _bump(self)
