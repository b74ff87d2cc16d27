"""In-place ops on views of tensors in a graph (PyTorch's ``CopySlices``).

A view is described by its geometry inside its base's (C-contiguous) memory: element
offset, shape and byte strides. Three primitives work on that geometry:

* ``StridedView``    y = the view of x            gx = StridedScatter(gy)
* ``StridedScatter`` y = zeros(base); view(y) = x  gx = StridedView(gy)
* ``CopySlices``     y = x with view(y) = v       gx = gy with zeros in the view, gv = view(gy)

An in-place op ``fn`` on a view ``v`` of ``base`` then runs ``r = fn(v)`` out of place,
writes r into v's memory and rebases the histories: ``base`` becomes
``CopySlices(old base, r)`` and ``v`` becomes ``StridedView(base)``. Views of the base
taken earlier get their history regenerated from the base's when they are next used.
"""
from __future__ import annotations

from ..autograd.function import Function
from ..tensor import Tensor


class _Geometry:
    __slots__ = ("base_shape", "offset", "shape", "strides")

    def __init__(self, base_shape, offset, shape, strides):
        self.base_shape, self.offset, self.shape, self.strides = base_shape, offset, shape, strides

    def of(self, xp, a):
        """The view of array ``a`` (base-shaped) with this geometry."""
        a = xp.ascontiguousarray(a)
        return xp.lib.stride_tricks.as_strided(a.reshape(-1)[self.offset:], self.shape, self.strides)


def _ptr(a):
    return a.__array_interface__["data"][0] if hasattr(a, "__array_interface__") else a.data.ptr


def geometry(base, view):
    """The geometry of ``view.array`` inside ``base.array``, or None when it can't be
    expressed (a base that is not C-contiguous, a different dtype)."""
    b, v = base.array, view.array
    if b.dtype != v.dtype or not b.flags.c_contiguous or b.size == 0:
        return None
    off, rem = divmod(_ptr(v) - _ptr(b), b.itemsize)
    if rem or not 0 <= off < b.size:
        return None
    return _Geometry(b.shape, off, v.shape, v.strides)


class StridedView(Function):
    """y = view(x) (shares memory); gx = zeros like x with gy in the view"""

    def forward(self, x, geom):
        self.geom = geom
        return geom.of(self.xp, x)

    def backward(self, gy):
        return StridedScatter.apply(gy, geom=self.geom)


class StridedScatter(Function):
    """y = zeros(base shape) with y's view = x; gx = view(gy)"""

    def forward(self, x, geom):
        self.geom = geom
        y = self.xp.zeros(geom.base_shape, dtype=x.dtype)
        geom.of(self.xp, y)[...] = x
        return y

    def backward(self, gy):
        return StridedView.apply(gy, geom=self.geom)


class CopySlices(Function):
    """y = x with view(y) = v; gx = gy with zeros in the view, gv = view(gy).

    With ``written`` the data is already in x's memory (the in-place case): y is x."""

    def forward(self, x, v, geom, written=False):
        self.geom = geom
        if written:
            return x
        y = x.copy()
        geom.of(self.xp, y)[...] = v
        return y

    def backward(self, gy):
        n0, n1 = self.needs_input_grad
        zero = Tensor._wrap(gy.xp.zeros((), gy.array.dtype))
        gx = CopySlices.apply(gy, zero, geom=self.geom) if n0 else None
        gv = StridedView.apply(gy, geom=self.geom) if n1 else None
        return gx, gv


def _as_node_input(t):
    """A stand-in for ``t`` (same array) that carries t's current history."""
    s = Tensor._wrap(t.array, ctx=t._ctx)
    s.requires_grad = t.requires_grad
    return s


def view_history(view):
    """The up-to-date history of a view: its own node, or, when its base was changed in
    place by a recorded op after the view was taken, a new ``StridedView`` of the base.
    Returns (ctx, requires_grad); raises when the geometry can't be expressed."""
    base = view._base
    c = view._ctx
    if c is not None and (c._base_ctx is None or c._base_ctx is base._ctx):
        return c, True
    if not base.requires_grad:
        return c, view.requires_grad
    geom = geometry(base, view)
    if geom is None:
        raise RuntimeError(
            f"a view of shape {tuple(view.shape)} whose base was modified in place by a "
            "recorded op can't be rebased onto the base's new history (its base is not "
            "contiguous): clone() the base before modifying it"
        )
    sv = StridedView.apply(_as_node_input(base), geom=geom)
    ctx = sv._ctx
    ctx._base_ctx = base._ctx
    return ctx, True


def refresh(view):
    """Give a stale view the base's current history (see ``view_history``)."""
    view._ctx, view.requires_grad = view_history(view)
    return view._ctx


def inplace_on_view(view, op, fn, write):
    """``view <- fn(view)`` recorded as PyTorch's CopySlices: returns view."""
    base = view._base
    if base._ctx is None and base.requires_grad:
        raise RuntimeError(
            f"a view of a leaf Variable that requires grad is being used in an in-place "
            f"operation ({op})."
        )
    geom = geometry(base, view)
    if geom is None:
        raise RuntimeError(
            f"{op}: in-place operation on a view (shape {tuple(view.shape)}) of a tensor whose "
            "memory is not contiguous; clone() the view or the base first."
        )
    ctx, rg = view_history(view)
    stand_in = Tensor._wrap(view.array.copy(), ctx=ctx)
    stand_in.requires_grad = rg
    r = fn(stand_in)
    write(view, r, op)
    view._vc[0] += 1
    if not r.requires_grad:
        return view
    nb = CopySlices.apply(_as_node_input(base), r, geom=geom, written=True)
    base._ctx, base.requires_grad = nb._ctx, True
    sv = StridedView.apply(_as_node_input(base), geom=geom)
    sv._ctx._base_ctx = base._ctx
    view._ctx, view.requires_grad = sv._ctx, True
    return view
