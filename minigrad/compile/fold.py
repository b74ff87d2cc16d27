"""Constant folding for fused programs: work that depends on no input is done once.

A backward pass seeds its walk with ``ones(())`` and broadcasts it (``sum``'s gradient),
then multiplies the upstream gradient by it: three calls per replay that always give the
same result, the last one a pass over memory that changes nothing (``x * 1.0`` is ``x``
in IEEE arithmetic: exact for every finite value, zero of either sign, infinity and NaN).
This pass computes such values when the program is generated and drops in-place
multiplications by an all-ones constant. It runs only with fusion on: ``mode="nofuse"``
keeps eager's kernels one by one.

A node is folded when it is a call of a ufunc (no ``out=``) or of one of ``_PURE``, all
its array operands are constants baked into the program (or folded), and the value can
never be seen or changed outside it: nothing writes it or a view of it, and it is not
returned, stored as a ``.grad`` or handed to an optimizer step.
"""
from __future__ import annotations

import numpy as np

from .ir import Node

_PURE = {np.ones, np.zeros, np.full, np.broadcast_to, np.ones_like, np.zeros_like,
         np.full_like, np.reshape}


def _value(x, known):
    if isinstance(x, Node):
        return known[id(x)]
    if isinstance(x, tuple):
        return tuple(_value(v, known) for v in x)
    if isinstance(x, list):
        return [_value(v, known) for v in x]
    if isinstance(x, dict):
        return {k: _value(v, known) for k, v in x.items()}
    return x


def _plain(x):
    """Whether an argument structure holds only Nodes and Python/NumPy literals."""
    from .dynamic import Sym

    if isinstance(x, (tuple, list)):
        return all(_plain(v) for v in x)
    if isinstance(x, dict):
        return all(_plain(v) for v in x.values())
    return not isinstance(x, (Sym, slice))


def fold(nodes, live_consts, written):
    """``nodes`` with constant work folded into ``const`` nodes and in-place products with
    an all-ones constant dropped (a new list; the graph is not changed)."""
    from .codegen import _uses

    def root(m):
        while m.view_of is not None:
            m = m.view_of
        return m

    pinned = set()  # ids of nodes whose memory is written, or seen outside the program
    for n in nodes:
        m = n.mutates
        if m is not None:
            pinned.add(id(m))
            pinned.add(id(root(m)))
        if n.op in ("output", "setgrad", "opaque"):  # (and what they view)
            for u in _uses((n.args, n.kwargs), []):
                pinned.add(id(u))
                pinned.add(id(root(u)))
    known = {}
    for n in nodes:
        if n.op == "const" and n.value is not None and type(n.value) is np.ndarray and \
                n not in live_consts and n not in written:
            known[id(n)] = n.value
    out, folded = [], set()
    for n in nodes:
        if n.op == "call" and n.mutates is None and "out" not in n.kwargs and \
                (isinstance(n.target, np.ufunc) or n.target in _PURE) and \
                id(n) not in pinned and _plain((n.args, n.kwargs)) and \
                all(id(u) in known for u in _uses((n.args, n.kwargs), [])) and \
                not any(id(u) in pinned for u in _uses((n.args, n.kwargs), [])):
            try:
                with np.errstate(all="ignore"):
                    v = n.target(*_value(n.args, known), **_value(n.kwargs, known))
            except Exception:
                v = None
            if isinstance(v, np.ndarray) and v.shape == tuple(n.shape) and v.dtype == n.dtype:
                c = Node(n.name, "const", None, (), {}, n.shape, n.dtype)
                c.value = v
                c.owner = None
                known[id(n)] = known[id(c)] = v
                folded.add(n.name)
                out.append(c)
                continue
        if _times_one(n, known):
            continue
        out.append(n)
    # drop folded values nothing reads any more
    used = set()
    for n in out:
        used.update(u.name for u in _uses((n.args, n.kwargs), []))
    return [n for n in out if n.name not in folded or n.name in used]


def _times_one(n, known):
    """Whether ``n`` is ``np.multiply(x, c, out=x)`` with ``c`` an all-ones constant of
    x's dtype that broadcasts to x's shape: it leaves x as it is."""
    if n.op != "call" or n.target is not np.multiply or n.mutates is None or \
            len(n.args) != 2 or set(n.kwargs) - {"out", "casting"}:
        return False
    x, c = n.args
    if not isinstance(x, Node) or x is not n.mutates:
        x, c = c, x
    if x is not n.mutates or not isinstance(c, Node) or id(c) not in known:
        return False
    v = known[id(c)]
    if v.dtype != x.dtype or x.dtype.kind != "f":
        return False
    try:
        if np.broadcast_shapes(v.shape, tuple(x.shape)) != tuple(x.shape):
            return False
    except ValueError:
        return False
    return bool(np.all(v == 1))
