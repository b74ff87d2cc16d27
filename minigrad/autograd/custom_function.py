"""``apply`` for PyTorch-style custom Functions (static ``forward(ctx, ...)`` and
``backward(ctx, *grads)`` on Tensors), with PyTorch's ctx protocol:

* several outputs: ``forward`` may return a tuple. The node's output is, for the engine,
  the flat concatenation of the differentiable outputs; each output Tensor hangs on an
  ``OutputSlot`` node whose backward places its gradient in that concatenation, and the
  node splits it again before calling ``backward(ctx, *grads)``.
* ``ctx.mark_dirty(*inputs)``: inputs modified in place and returned; they take the node
  as their new history (and their version is bumped).
* ``ctx.mark_non_differentiable(*outputs)``: outputs that never require grad.
* ``ctx.set_materialize_grads(False)``: outputs that got no gradient are passed to
  ``backward`` as None instead of zeros.
"""
from __future__ import annotations

import weakref

from .function import _OUT, Function
from .grad_mode import _State


class OutputSlot(Function):
    """Output ``i`` of a multi-output custom Function: y_i; gy_i goes to slot i of the
    node's flat gradient (zeros elsewhere)."""

    def backward(self, gy):
        from ..ops.indexing import IndexAdd, _Index

        owner = self.parents[0]
        owner._got.add(self.index)
        off, n = self.span
        g = gy.reshape(-1)
        if g.array.dtype != owner.dtype:
            g = g.to(Tensor._dtype_of(owner.dtype))
        return IndexAdd.apply(g, shape=owner.shape, idx=_Index((slice(off, off + n),), basic=True))


def split_grads(node, gy):
    """The flat gradient of a multi-output node as one gradient per output."""
    from ..ops.indexing import GetItem, _Index

    materialize = node.__dict__.get("_materialize", True)
    grads = []
    for i, (span, shape, dtype) in enumerate(node._outputs):
        if span is None or (not materialize and i not in node._got):
            grads.append(None if not materialize or dtype is None else
                         Tensor._wrap(gy.xp.zeros(shape, dtype)))
            continue
        off, n = span
        g = GetItem.apply(gy, idx=_Index((slice(off, off + n),), basic=True)).reshape(shape)
        grads.append(g if g.array.dtype == dtype else g.to(Tensor._dtype_of(dtype)))
    node._got = set()
    return grads


def apply_user(cls, args, kwargs):
    """Run ``cls.forward(ctx, *args)`` under no_grad and record it when needed."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    ctx = cls.__new__(cls)
    record = _State.enabled and any(t.requires_grad for t in tensors)
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx._saved = ()
    ctx._arg_is_tensor = tuple(isinstance(a, Tensor) for a in args)
    prev = _State.enabled
    _State.enabled = False
    try:
        out = cls.forward(ctx, *args, **kwargs)
    finally:
        _State.enabled = prev
    single = not isinstance(out, (tuple, list))
    outs = [out] if single else list(out)
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor) and not (o is None and not single):
            raise TypeError(f"{cls.__name__}.forward must return Tensors, got "
                            f"{type(o).__name__}" + ("" if single else f" at output {i}"))
    nd = {id(t) for t in ctx.__dict__.get("_non_diff", ())}
    dirty = {id(t) for t in ctx.__dict__.get("_dirty", ())}
    for t in ctx.__dict__.get("_dirty", ()):
        if record and t._ctx is None and t.requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation "
                f"({cls.__name__}.forward marked it dirty)."
            )
        if record and t._base is not None:
            raise RuntimeError(
                f"{cls.__name__}: an input marked dirty is a view; minigrad rebases views only "
                "for its own in-place ops. Pass the base tensor, or clone() the view first."
            )
        t._vc[0] += 1
    for i, o in enumerate(outs):
        if o is None or id(o) in dirty:
            continue
        for t in tensors:
            if o is t:  # a new node needs a new tensor: a view sharing t's memory and version
                a = Tensor._wrap(t.array)
                a._vc, a._base = t._vc, (t._base if t._base is not None else t)
                outs[i] = a
                break
    diff = [i for i, o in enumerate(outs)
            if o is not None and id(o) not in nd and o.array.dtype.kind == "f"]
    if record and diff:
        if single:
            ctx._record(tensors, outs[0])
        else:
            _record_many(ctx, tensors, outs, diff)
        rec = _State.recorder
        if rec is not None:  # an op-level capture: the node names this user op
            rec.function(ctx, args, kwargs, outs[diff[0]])
    return outs[0] if single else tuple(outs)


def _record_many(ctx, tensors, outs, diff):
    """Record a node with several outputs (see the module docstring)."""
    xp = outs[diff[0]].xp
    dt = outs[diff[0]].array.dtype
    for i in diff[1:]:
        dt = xp.promote_types(dt, outs[i].array.dtype)
    spans, off = {}, 0
    for i in diff:
        n = outs[i].array.size
        spans[i] = (off, n)
        off += n
    ctx._outputs = [(spans.get(i), None if o is None else o.array.shape,
                     None if o is None else o.array.dtype) for i, o in enumerate(outs)]
    ctx._got = set()
    flat = Tensor._wrap(xp.broadcast_to(xp.empty((), dt), (off,)))  # shape and dtype only
    out_ids = {id(outs[i]): i for i in diff}
    saved = ctx._saved
    ctx._saved = tuple(s for s in saved if id(s) not in out_ids)  # outputs: below
    ctx._record(tensors, flat)
    slots = {}
    for i in diff:
        o = outs[i]
        s = OutputSlot.__new__(OutputSlot)
        s.parents, s.needs_input_grad = (ctx,), (True,)
        s.seq = next(_seq)
        s.shape, s.dtype = o.array.shape, o.array.dtype
        s.index, s.span = i, spans[i]
        s._saved = ()
        o._ctx, o.requires_grad = s, True
        slots[i] = s
    if any(id(s) in out_ids for s in saved):  # saved outputs: no reference cycle through them
        resolved = iter(ctx._saved)
        entries = []
        for s in saved:
            i = out_ids.get(id(s))
            if i is None:
                entries.append(next(resolved))
            else:
                o = outs[i]
                entries.append((_OUT, o.array, o._vc, o._vc[0], weakref.ref(slots[i])))
        ctx._saved = tuple(entries)


from .function import _seq  # noqa: E402
from ..tensor import Tensor  # noqa: E402
