"""``nn.Parameter`` and ``nn.Buffer``: Tensors that a Module registers, on assignment, as a
learnable weight or as state (a buffer)."""
from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor flagged as a module parameter; shares data with the given tensor.

    Args:
        data: a Tensor (its array is shared, not copied); None gives an empty tensor.
        requires_grad: whether the parameter is trained (default True).
    """

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        _alias_leaf(self, data, requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


class Buffer(Tensor):
    """A Tensor that a Module registers as a buffer when assigned as an attribute (state that
    is not a parameter, e.g. running statistics); shares data with the given tensor.

    Args:
        data: a Tensor (its array is shared, not copied); None gives an empty tensor.
        persistent: whether the buffer is part of the module's ``state_dict`` (default True).
    """

    __slots__ = ("persistent",)

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True):
        _alias_leaf(self, data, data is not None and getattr(data, "requires_grad", False))
        self.persistent = persistent


def _alias_leaf(t: Tensor, data, requires_grad: bool) -> None:
    """Make ``t`` (a fresh Parameter or Buffer) a graph leaf sharing ``data``'s array and
    version counter; None gives an empty tensor, non-Tensors are converted."""
    if data is None:
        data = Tensor._from_data([])
    if not isinstance(data, Tensor):
        data = Tensor._from_data(data)
    t.array = data.array
    t.grad = None
    t._ctx = None
    t._vc = data._vc
    t._base = None
    t._hooks = None
    t.requires_grad = False
    if requires_grad:
        t.requires_grad_(True)
