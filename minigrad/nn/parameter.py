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
        if data is None:
            data = Tensor([])
        if not isinstance(data, Tensor):
            data = Tensor(data)
        self.array = data.array
        self.grad = None
        self._ctx = None
        self._vc = data._vc
        self._base = None
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

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
        if data is None:
            data = Tensor([])
        if not isinstance(data, Tensor):
            data = Tensor(data)
        self.array = data.array
        self.grad = None
        self._ctx = None
        self._vc = data._vc
        self._base = None
        self._hooks = None
        self.requires_grad = False
        if data.requires_grad:
            self.requires_grad_(True)
        self.persistent = persistent
