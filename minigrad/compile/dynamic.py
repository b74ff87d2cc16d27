"""``dynamic=True``: one program for every batch size.

Two traces of the same function at batch sizes ``b1 != b2`` (the first dimension of
the inputs that change between them) are compared node by node. Where they differ only
in numbers that follow the batch size (a reshape to ``(b, 4)``, a ``broadcast_to``
shape, the element count a mean divides by, a scratch buffer's shape), the number is
replaced by a :class:`Sym`, an expression in the batch size that the generated code
evaluates (``_B * 3``) from the call's first batch-carrying argument. A difference that
does not fit (any other number, a constant array, a different node) means the program
is not batch-generic, and new batch sizes are traced as before. Batch sizes 0 and 1 are
always traced on their own (code often treats them specially: broadcasting, squeeze).
"""
from __future__ import annotations

import numpy as np

from .ir import Graph, Node


class Sym:
    """``k * B`` for the batch size ``B`` (an int), or a 0-d array of it (``dtype``)."""

    __slots__ = ("k", "dtype")

    def __init__(self, k, dtype=None):
        self.k, self.dtype = k, dtype

    def source(self):
        e = "_B" if self.k == 1 else f"(_B * {self.k})"
        return e if self.dtype is None else f"np.asarray({e}, {self.dtype.str!r})"

    def __eq__(self, other):
        return type(other) is Sym and (self.k, self.dtype) == (other.k, other.dtype)

    __hash__ = None

    def __repr__(self):
        return f"{self.k}*B" if self.k != 1 else "B"


def _fit_int(x1, x2, b1, b2):
    if type(x1) is not int or type(x2) is not int or x1 == x2:
        return None
    if x1 % b1 == 0 and x1 // b1 > 0 and x1 // b1 * b2 == x2:
        return Sym(x1 // b1)
    return None


def _unify(a, b, ia, ib, b1, b2):
    """``b`` with batch-following numbers replaced by Syms, or raise ``_Mismatch``."""
    if isinstance(a, Node) or isinstance(b, Node):
        if isinstance(a, Node) and isinstance(b, Node) and ia[a.name] == ib[b.name]:
            return b
        raise _Mismatch
    if type(a) is not type(b):
        raise _Mismatch
    if isinstance(a, (tuple, list)):
        if len(a) != len(b):
            raise _Mismatch
        out = [_unify(x, y, ia, ib, b1, b2) for x, y in zip(a, b)]
        if all(x is y for x, y in zip(out, b)):
            return b
        return list(out) if isinstance(b, list) else tuple(out)  # (a Size becomes a tuple)
    if isinstance(a, dict):
        if a.keys() != b.keys():
            raise _Mismatch
        return {k: _unify(a[k], b[k], ia, ib, b1, b2) for k in b}
    if isinstance(a, slice):
        s = _unify((a.start, a.stop, a.step), (b.start, b.stop, b.step), ia, ib, b1, b2)
        return slice(*s)
    if isinstance(a, float):
        if repr(a) == repr(b):
            return b
        raise _Mismatch
    if isinstance(a, np.ndarray):
        if a is b:
            return b
        raise _Mismatch
    try:
        if bool(a == b) or a is b:
            return b
    except Exception:
        if a is b:
            return b
    s = _fit_int(a, b, b1, b2)
    if s is None:
        raise _Mismatch
    return s


class _Mismatch(Exception):
    pass


def _fit_const(a, b, b1, b2):
    """A Sym for a 0-d constant that holds ``k * batch``, else None."""
    if a.value is None or b.value is None or a.value.shape != () or b.value.shape != () or \
            a.dtype != b.dtype or a.dtype.kind not in "iuf":
        return None
    x1, x2 = a.value.item(), b.value.item()
    if x1 != int(x1) or x2 != int(x2):
        return None
    s = _fit_int(int(x1), int(x2), b1, b2)
    if s is None:
        return None
    return Sym(s.k, a.dtype)


def generalize(ga: Graph, gb: Graph, b1: int, b2: int):
    """Make ``gb`` (traced at batch ``b2``) batch-generic by comparing it with ``ga``
    (traced at ``b1``): returns the set of gb's long-lived const nodes, or None when
    the two differ in something that does not follow the batch size. Rewrites gb's
    ``args``/``kwargs``, scratch shapes and 0-d constants in place."""
    if len(ga) != len(gb):
        return None
    ia = {n.name: i for i, n in enumerate(ga)}
    ib = {n.name: i for i, n in enumerate(gb)}
    live = set()
    edits = []
    try:
        for a, b in zip(ga, gb):
            if a.op != b.op or a.dtype != b.dtype:
                return None
            if (a.mutates is None) != (b.mutates is None) or (
                    a.mutates is not None and ia[a.mutates.name] != ib[b.mutates.name]):
                return None
            if a.op in ("state", "setgrad", "input"):
                if a.owner is not b.owner or a.target != b.target:
                    if not (a.op == "input" and a.target == b.target):
                        return None
                if a.op in ("state", "setgrad") and a.shape != b.shape:
                    return None
            elif a.op == "const":
                if a.owner is b.owner:
                    live.add(b)
                elif a.value is None and b.value is None:
                    shape = _unify(tuple(a.shape), tuple(b.shape), ia, ib, b1, b2)
                    edits.append((b, "shape", shape))
                elif a.value is not None and b.value is not None and \
                        a.value.shape == b.value.shape and np.array_equal(
                            a.value, b.value, equal_nan=a.value.dtype.kind in "fc"):
                    pass
                else:
                    s = _fit_const(a, b, b1, b2)
                    if s is None:
                        return None
                    edits.append((b, "sym", s))
            elif a.op == "opaque":
                if a.target != b.target:
                    return None
            else:
                edits.append((b, "target", _unify(a.target, b.target, ia, ib, b1, b2)))
            edits.append((b, "args", _unify(a.args, b.args, ia, ib, b1, b2)))
            edits.append((b, "kwargs", _unify(a.kwargs, b.kwargs, ia, ib, b1, b2)))
    except _Mismatch:
        return None
    for node, field, v in edits:
        if field == "sym":
            node.value = v
        else:
            setattr(node, field, v)
    return live


def batch_key(key, args):
    """The guard key with the first dimension of every tensor argument left out, and
    the tuple of those first dimensions; None where a call cannot be batch-generic."""
    from ..tensor import Tensor

    dims, out = [], list(key[:2])
    j = 2
    for a in args:
        k = key[j]
        j += 1
        if isinstance(a, Tensor):
            shape = k[0]
            if not shape:
                out.append(k)
                dims.append(None)
                continue
            out.append(((None,) + shape[1:],) + k[1:])
            dims.append(shape[0])
        else:
            out.append(k)
            dims.append(None)
    return tuple(out), tuple(dims)


def batch_map(dims1, dims2):
    """Per argument, the multiple ``k`` of the batch its first dimension is (0: fixed),
    and the index of the argument that defines the batch; None if no argument varies
    consistently (or a batch of 0 or 1 is involved)."""
    ref = None
    for i, (d1, d2) in enumerate(zip(dims1, dims2)):
        if d1 is not None and d1 != d2:
            ref = i
            break
    if ref is None:
        return None
    b1, b2 = dims1[ref], dims2[ref]
    if min(b1, b2) < 2:
        return None
    ks = []
    for d1, d2 in zip(dims1, dims2):
        if d1 is None or d1 == d2:
            ks.append(0)
        elif d1 % b1 == 0 and d1 // b1 * b2 == d2:
            ks.append(d1 // b1)
        else:
            return None
    return tuple(ks), ref, b1, b2


def batch_of(dims, ks, ref, fixed):
    """The batch size of a call with first dimensions ``dims`` under the map, or None."""
    b = dims[ref]
    if b is None or b < 2:
        return None
    for d, k, f in zip(dims, ks, fixed):
        if k == 0:
            if d != f:
                return None
        elif d != k * b:
            return None
    return b
