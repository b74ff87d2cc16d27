"""In-place forms PyTorch offers beyond the elementwise ones listed in ``aliases.py``:

* the view-changing ``squeeze_``, ``unsqueeze_``, ``transpose_``, ``swapaxes_``,
  ``swapdims_`` and ``t_``: self takes the new shape and strides over the same memory (no data
  is written), and, when recorded, the view's node;
* the scans ``cumsum_`` and ``cumprod_`` (computed out of place and written back);
* ``resize_`` and ``resize_as_``;
* the top-level functions ``torch.abs_(x)``, ``torch.exp_(x)``, ... (the Tensor method).

Nothing here has backward code: the recorded forms reuse the out-of-place ops' nodes.
"""
from __future__ import annotations

from ..autograd.grad_mode import _State
from ..tensor import Size, Tensor
from .inplace import _bump, _check, apply_
from .movement import squeeze, transpose, unsqueeze
from .scans import cumprod, cumsum
from .unary import celu, selu

_ = (cumprod, cumsum)  # their ``_`` forms are generated from INPLACE_METHODS below


def _restride(self, op, fn):
    """self <- fn(self), where fn returns a view of self's memory: self takes the view's
    array and, when the op is recorded, its node (as PyTorch's in-place view ops do)."""
    if _check(self, op):
        stand_in = Tensor._wrap(self.array, ctx=self._ctx)
        stand_in.requires_grad = True
        r = fn(stand_in)
        self._ctx = r._ctx
    else:
        prev = _State.enabled
        _State.enabled = False
        try:
            r = fn(self)
        finally:
            _State.enabled = prev
    self.array = r.array
    return _bump(self)


def squeeze_(input, dim=None):
    """In-place :meth:`squeeze`: drop size-1 dims (``dim``: only those); returns input."""
    return _restride(input, "squeeze_", lambda s: squeeze(s, dim))


def unsqueeze_(input, dim):
    """In-place :meth:`unsqueeze`: insert a size-1 dim at ``dim``; returns input."""
    return _restride(input, "unsqueeze_", lambda s: unsqueeze(s, dim))


def transpose_(input, dim0, dim1):
    """In-place :meth:`transpose`: swap dims ``dim0`` and ``dim1``; returns input."""
    return _restride(input, "transpose_", lambda s: transpose(s, dim0, dim1))


swapaxes_ = swapdims_ = transpose_


def t_(input):
    """In-place :meth:`t`: transpose a tensor of at most 2 dims; returns input."""
    if input.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    if input.ndim < 2:
        return _bump(input)
    return transpose_(input, 0, 1)


def _sizes(sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Size)):
        sizes = tuple(sizes[0])
    for s in sizes:
        if not isinstance(s, int) or s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(sizes)}")
    return tuple(sizes)


def resize_(input, *sizes, memory_format=None):
    """Give ``input`` the shape ``sizes`` in place. Elements keep their row-major order;
    when the tensor grows, the new trailing elements are zeros (PyTorch leaves them
    uninitialized). Returns input."""
    from .._parser import check_option

    check_option("memory_format", memory_format)
    if input.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = _sizes(sizes)
    n = 1
    for s in shape:
        n *= s
    xp, a = input.xp, input.array
    if n == a.size:
        input.array = a.reshape(shape) if a.flags.c_contiguous else xp.ascontiguousarray(
            a).reshape(shape)
    else:
        flat = xp.zeros(n, dtype=a.dtype)
        k = min(n, a.size)
        flat[:k] = a.reshape(-1)[:k]
        input.array = flat.reshape(shape)
    return _bump(input)


def resize_as_(input, the_template, memory_format=None):
    """:func:`resize_` to ``the_template``'s shape; returns input."""
    return resize_(input, tuple(the_template.shape), memory_format=memory_format)


# ``torch.<name>_(input, ...)``: the in-place Tensor method, at top level as PyTorch has it
_TOP_LEVEL = (
    "abs", "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh",
    "asin", "asinh", "atan", "atanh", "ceil", "clamp", "clamp_max", "clamp_min", "clip", "cos",
    "cosh", "deg2rad", "detach", "erf", "erfc", "exp", "exp2", "expm1", "fill", "fix", "floor",
    "frac", "gcd", "i0", "lcm", "ldexp", "log", "log10", "log1p", "log2", "logit",
    "nan_to_num", "neg", "negative", "rad2deg", "reciprocal", "relu", "round", "rsqrt",
    "sigmoid", "sin", "sinc", "sinh", "sqrt", "square", "tan", "tanh", "trunc", "xlogy",
    "zero",
)


def _top_level(name):
    method = name + "_"

    def fn(input, *args, **kwargs):
        return getattr(input, method)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = method
    fn.__doc__ = f"``input.{method}(...)``: the in-place form of ``{name}``; returns input."
    return fn


globals().update({n + "_": _top_level(n) for n in _TOP_LEVEL})
globals()["resize_as_"] = resize_as_  # (defined above; listed for the top level too)


def selu_(input):
    """In-place :func:`selu`; returns input."""
    return apply_(input, "selu_", selu)


def celu_(input, alpha=1.0):
    """In-place :func:`celu`; returns input."""
    return apply_(input, "celu_", lambda s: celu(s, alpha))


def detach(input):
    """``input.detach()``: a leaf sharing ``input``'s data, outside the graph."""
    return input.detach()


def fill(input, value):
    """A new tensor like ``input`` filled with ``value`` (differentiable in a tensor
    ``value``)."""
    return input.detach().clone().fill_(value)


__all__ = sorted({n + "_" for n in _TOP_LEVEL} | {"celu_", "detach", "fill", "resize_as_",
                                                  "selu_"})
METHODS = ["squeeze_", "unsqueeze_", "transpose_", "swapaxes_", "swapdims_", "t_", "resize_",
           "resize_as_"]
INPLACE_METHODS = ["cumsum", "cumprod"]
