"""Comparisons and logical ops (no gradient), and selection: where, maximum, minimum,
clamp, lerp."""
from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor
from ._util import promote


def _cmp(ufunc_name):
    def op(a, b):
        a, b = promote(a, b)
        return Tensor._wrap(getattr(a.xp, ufunc_name)(a.data, b.data))

    op.__name__ = ufunc_name
    return op


eq = _cmp("equal")
ne = _cmp("not_equal")
lt = _cmp("less")
le = _cmp("less_equal")
gt = _cmp("greater")
ge = _cmp("greater_equal")


class Where(Function):
    """y = c ? x0 : x1; gx0 = c ? gy : 0, gx1 = c ? 0 : gy"""

    def forward(self, c, x0, x1):
        self.save_for_backward(c)
        return self.xp.where(c, x0, x1)

    def backward(self, gy):
        (c,) = self.saved_tensors
        _, n0, n1 = self.needs_input_grad
        zero = gy.new_zeros(())
        gx0 = where(c, gy, zero) if n0 else None
        gx1 = where(c, zero, gy) if n1 else None
        return None, gx0, gx1


def where(condition, input, other):
    """Elementwise ``input`` where ``condition`` else ``other`` (broadcasting)."""
    if not isinstance(condition, Tensor):
        condition = Tensor(condition)
    if condition.data.dtype.kind != "b":
        condition = Tensor._wrap(condition.data.astype(bool))
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        from ._util import const

        input = const(input, condition, dtype=promote(Tensor._wrap(condition.data * 0.0 + 0), input)[1].data.dtype)
    a, b = promote(input, other)
    return Where.apply(condition, a, b)


__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "where"]
