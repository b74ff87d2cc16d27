"""Comparisons and logical ops (no gradient), and selection: where, maximum, minimum,
clamp, lerp."""
from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function, _raise_broadcast
from ..autograd.grad_mode import _State
from ..tensor import Tensor
from .._scalars import checked, stored
from ._util import follows_masks as _follows, promote, scalar
from .elementwise import _arr


class Logic(Function):
    """y = fn(*xs) with ``fn`` a NumPy comparison, logical ufunc or float test (a bool
    result); no gradient. Eager code calls the ufunc directly (see ``_logic``); this node
    is recorded only while an op-level capture (ONNX export) follows masks."""

    def forward(self, *xs, fn):
        return getattr(self.xp, fn)(*xs)

    def backward(self, gy):
        return (None,) * len(self.needs_input_grad)


def _logic(fn, *ts):
    """The bool Tensor ``xp.<fn>(*arrays)``: a recorded ``Logic`` op under a capture that
    follows masks (so an exported graph computes the mask), else the ufunc on the arrays."""
    if _State.recorder is not None and _follows(ts):
        return Logic.apply(*ts, fn=fn)
    xp = ts[0].xp
    return _arr(xp, getattr(xp, fn)(*[t.array for t in ts]))


def _cmp(ufunc_name):
    def op(a, b):
        a, b = promote(a, b)
        try:
            return _logic(ufunc_name, a, b)
        except ValueError as e:
            _raise_broadcast(op, (a, b), e)
            raise

    op.__name__ = ufunc_name
    return op


eq = _cmp("equal")
ne = _cmp("not_equal")
lt = _cmp("less")
le = _cmp("less_equal")
gt = _cmp("greater")
ge = _cmp("greater_equal")


# ---- selection -------------------------------------------------------------------------


class Where(Function):
    """y = c ? x0 : x1; gx0 = c ? gy : 0, gx1 = c ? 0 : gy"""

    def forward(self, c, x0, x1):
        self.save_for_backward(c)
        return self.xp.where(c, x0, x1)

    def backward(self, gy):
        (c,) = self.saved_tensors
        _, n0, n1 = self.needs_input_grad
        zero = Tensor._wrap(gy.xp.zeros((), gy.array.dtype))
        gx0 = where(c, gy, zero) if n0 else None
        gx1 = where(c, zero, gy) if n1 else None
        return None, gx0, gx1


class Maximum(Function):
    """y = max(x0, x1); gx0 = gy where x0 > x1, gy/2 at ties, 0 where x0 < x1 (gx1 mirrored)"""

    def forward(self, x0, x1):
        self.save_for_backward(x0, x1)
        return self.xp.maximum(x0, x1)

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        return _split(gy, x0.array, x1.array, self.needs_input_grad, sign=1)


class Minimum(Function):
    """y = min(x0, x1); gx0 = gy where x0 < x1, gy/2 at ties, 0 where x0 > x1 (gx1 mirrored)"""

    def forward(self, x0, x1):
        self.save_for_backward(x0, x1)
        return self.xp.minimum(x0, x1)

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        return _split(gy, x0.array, x1.array, self.needs_input_grad, sign=-1)


def _split(gy, a, b, needs, sign):
    """PyTorch's rule for maximum/minimum: the winner gets gy, a tie halves it between both
    (a nan in either input passes gy to both)."""
    xp = gy.xp
    half = where(_arr(xp, a == b), gy * 0.5, gy)
    lose0, lose1 = (a < b, a > b) if sign > 0 else (a > b, a < b)
    gx0 = where(_arr(xp, lose0), 0.0, half) if needs[0] else None
    gx1 = where(_arr(xp, lose1), 0.0, half) if needs[1] else None
    return gx0, gx1


class Clamp(Function):
    """y = min(max(x, lo), hi); gx = gy where lo <= x <= hi; glo = gy where x < lo and lo < hi;
    ghi = gy where x > hi or hi < lo (PyTorch's rules; y = hi everywhere when lo > hi)."""

    def forward(self, x, lo, hi):
        self.save_for_backward(x, lo, hi)
        return self.xp.minimum(self.xp.maximum(x, lo), hi)

    def backward(self, gy):
        x, lo, hi = (t.array for t in self.saved_tensors)
        n0, n1, n2 = self.needs_input_grad
        xp = gy.xp
        gx = where(_arr(xp, (x >= lo) & (x <= hi)), gy, 0.0) if n0 else None
        glo = where(_arr(xp, (x < lo) & (lo < hi)), gy, 0.0) if n1 else None
        ghi = where(_arr(xp, (x > hi) | (hi < lo)), gy, 0.0) if n2 else None
        return gx, glo, ghi


class ClampScalar(Function):
    """``Clamp`` with Python-number bounds on a float tensor (lo/hi None when absent): one
    pass forward per bound; gx = gy where lo <= x <= hi, else 0."""

    def forward(self, x, lo=None, hi=None):
        self.lo, self.hi = lo, hi
        self.save_for_backward(x)
        xp = self.xp
        y = x if lo is None else xp.maximum(x, lo)
        return y if hi is None else xp.minimum(y, hi)

    def _mask(self):
        """Where the gradient passes: lo <= x <= hi (a bool array)."""
        (x,) = self.saved_tensors
        x, lo, hi = x.array, self.lo, self.hi
        return x >= lo if hi is None else (x <= hi if lo is None else (x >= lo) & (x <= hi))

    def backward(self, gy):
        mask = self._mask()
        if _State.enabled:  # create_graph: differentiable in gy (the mask is a constant)
            return where(_arr(gy.xp, mask), gy, 0.0)
        # first order: one multiply by the bool mask (np.where is several times slower;
        # unlike PyTorch, a nan/inf gy at a clamped position stays nan; see the docs)
        return _arr(gy.xp, gy.array * mask)

    _reuses_gy = True

    def backward_into(self, gy):
        g = gy.array
        g *= self._mask()  # in place: no new gradient-sized array
        return Tensor._wrap(g)


def where(condition, input=None, other=None):
    """``input`` where ``condition`` else ``other``, elementwise with broadcasting.

    ``input``/``other`` may be Python scalars: ``where(c, x, 0.0)`` keeps ``x``'s dtype (an
    integer ``x`` with a float scalar gives the default float dtype, as in PyTorch).
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``.
    """
    if not isinstance(condition, Tensor):
        condition = Tensor._from_data(condition)
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where expected both input and other (or neither)")
    if condition.array.dtype.kind != "b":
        if _follows((condition,)):  # nonzero is True, as astype(bool)
            zero = Tensor._wrap(condition.xp.zeros((), condition.array.dtype))
            condition = _logic("not_equal", condition, zero)
        else:
            condition = Tensor._wrap(condition.array.astype(bool))
    for t, v in ((input, other), (other, input)):
        # a number stored in the tensor's own dtype must fit it (PyTorch's overflow check)
        if isinstance(t, Tensor) and type(v) in (int, float) and \
                _dt.result_type(t, v) == t.array.dtype:
            stored(v, t.array.dtype)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        dt = _dt.result_type(input, other)
        xp = condition.xp
        input, other = Tensor._wrap(scalar(xp, input, dt)), Tensor._wrap(scalar(xp, other, dt))
    a, b = promote(input, other)
    return Where.apply(condition, a, b)


def tensors_only(name, input, other):
    """PyTorch's TypeError for a Python number where its op takes only tensors
    (``maximum``, ``atan2``, ``logical_and``, ...)."""
    for pos, arg, t in ((1, "input", input), (2, "other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                            f"{type(t).__name__}")


def maximum(input, other):
    """Elementwise maximum (nan if either is nan). At ties the gradient is split half/half
    between the inputs, as in PyTorch."""
    tensors_only("maximum", input, other)
    a, b = promote(input, other)
    return Maximum.apply(a, b)


def minimum(input, other):
    """Elementwise minimum (nan if either is nan); ties split the gradient half/half."""
    tensors_only("minimum", input, other)
    a, b = promote(input, other)
    return Minimum.apply(a, b)


def clamp(input, min=None, max=None):
    """Clip ``input`` to ``[min, max]``; bounds are scalars or (broadcastable) tensors.

    Gradient as PyTorch: it passes to ``input`` where ``min <= input <= max`` (boundaries
    included), to a tensor ``min`` where it is the active bound, likewise for ``max``.
    With ``min > max`` the result is ``max`` everywhere.
    """
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    x = input
    if x.array.dtype.kind == "f" and type(min) in _NUMS and type(max) in _NUMS:
        if x.array.dtype.itemsize < 8:  # PyTorch's overflow check for float16/float32
            for b in (min, max):
                if b is not None and not -65504.0 <= b <= 65504.0:
                    checked(b, x.array.dtype)
        return ClampScalar.apply(x, lo=min, hi=max)  # the common case: no bound tensors
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        dt = _dt.result_type(x, *(b for b in (min, max) if b is not None))
    else:
        dt = _dt.result_type(x, *(b for b in (min, max) if isinstance(b, Tensor)))
    x = _cast(x, dt)
    lo = _bound(min, x, dt, low=True)
    hi = _bound(max, x, dt, low=False)
    return Clamp.apply(x, lo, hi)


clip = clamp
_NUMS = (int, float, type(None))  # exact types: bool bounds take the general path


def _cast(t, dt):
    from .elementwise import to

    return t if t.array.dtype == dt else to(t, dtype=_dt.from_numpy_dtype(dt))


def _bound(b, like, dt, low):
    """A bound as a tensor of dtype ``dt``; a missing one is -inf/+inf (integer extremes)."""
    xp = like.xp
    if isinstance(b, Tensor):
        return _cast(b, dt)
    if b is None:
        if dt.kind == "f":
            b = -float("inf") if low else float("inf")
        elif dt.kind == "b":
            b = not low
        else:
            info = xp.iinfo(dt)
            b = info.min if low else info.max
    return Tensor._wrap(scalar(xp, stored(b, dt), dt))


class Lerp(Function):
    """y = s + w (e - s) where w < 0.5, else e - (e - s)(1 - w) (PyTorch's form: exact at
    w = 1, inf - inf only where PyTorch has it); gs = gy (1 - w), ge = gy w, gw = gy (e - s)."""

    def forward(self, s, e, w):
        xp = self.xp
        with np.errstate(invalid="ignore", over="ignore"):
            d = e - s
            y = xp.where(w < 0.5, s + w * d, e - d * (1 - w))
        self.save_for_backward(s, e, w)
        return xp.asarray(y, dtype=s.dtype)

    def backward(self, gy):
        s, e, w = self.saved_tensors
        ns, ne_, nw = self.needs_input_grad
        with np.errstate(invalid="ignore", over="ignore"):
            return (gy * (1 - w) if ns else None, gy * w if ne_ else None,
                    gy * (e - s) if nw else None)


def lerp(input, end, weight):
    """Linear interpolation ``input + weight * (end - input)``, computed from ``end`` for
    ``weight >= 0.5`` as PyTorch does (so infinities give PyTorch's results); ``weight`` a
    number or a tensor; differentiable in all three."""
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t.array.dtype != input.array.dtype and \
                (name == "end" or t.ndim):
            raise RuntimeError(f"expected dtype {_torch_c_name(input)} for `{name}` but got "
                               f"dtype {_torch_c_name(t)}")
    if input.array.dtype.kind != "f":
        from .special_math import _type_name

        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(input)}\'')
    if not isinstance(weight, Tensor):
        weight = Tensor._wrap(scalar(input.xp, weight, input.array.dtype))
    elif weight.array.dtype != input.array.dtype:  # a 0-d weight of another float dtype
        from ._util import cast

        weight = cast(weight, input.array.dtype)
    return Lerp.apply(input, end, weight)


def _torch_c_name(t):
    # PyTorch's C type names in lerp's dtype message
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}.get(t.array.dtype.name, str(t.dtype))


# ---- logical ---------------------------------------------------------------------------


def _logical(ufunc_name):
    def op(input, other):
        tensors_only(ufunc_name, input, other)
        try:
            return _logic(ufunc_name, input, other)
        except ValueError as e:
            _raise_broadcast(op, (input, other), e)
            raise

    op.__name__ = op.__qualname__ = ufunc_name
    op.__doc__ = f"Elementwise {ufunc_name.split('_')[1].upper()} of truth values (bool result)."
    return op


logical_and = _logical("logical_and")
logical_or = _logical("logical_or")
logical_xor = _logical("logical_xor")


def logical_not(input):
    """Elementwise NOT of truth values (nonzero is True; bool result)."""
    return _logic("logical_not", input)


def isnan(input):
    """True where ``input`` is nan."""
    return _float_test(input, "isnan", False)


def isinf(input):
    """True where ``input`` is +inf or -inf."""
    return _float_test(input, "isinf", False)


def isfinite(input):
    """True where ``input`` is neither nan nor infinite."""
    return _float_test(input, "isfinite", True)


def _float_test(x, name, integral_value):
    xp = x.xp
    if x.array.dtype.kind != "f":
        return Tensor._wrap(xp.full(x.array.shape, integral_value, dtype=bool))
    return _logic(name, x)


def equal(input, other) -> bool:
    """True if both tensors have the same shape and elements (a Python bool)."""
    if tuple(input.shape) != tuple(other.shape):
        return False
    a, b = promote(input, other)
    return bool(a.xp.all(a.array == b.array))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (bool tensor); infinities
    are close to themselves, nan only with ``equal_nan``."""
    a, b = promote(input, other)
    return _arr(a.xp, a.xp.isclose(a.array, b.array, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True if every element of ``input`` is close to ``other`` (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).array.all())


__all__ = [  # noqa: RUF022  (grouped, not sorted)
    "eq", "ne", "lt", "le", "gt", "ge", "where", "maximum", "minimum", "clamp", "clip", "lerp",
    "logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isinf", "isfinite",
    "equal", "isclose", "allclose",
]
