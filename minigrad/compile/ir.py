"""The recorded program: a small, typed, printable list of array-level nodes.

A :class:`Graph` is what one traced call of a function computed, at the level of NumPy
calls: every ufunc (including operators and in-place ``out=`` forms and reductions),
every NumPy function, every array method and indexing, every random draw, and the few
opaque calls (an optimizer step) that the core hands to the recorder. It is the one graph
that code generation, and later ONNX export and graph drawing, read.

Node kinds (``Node.op``):

========== ==========================================================================
``input``  ``args[i].array`` of the call (``target`` = i)
``state``  an array reached through a Tensor that existed before the call: its
           ``.array`` (``target`` = "array") or its ``.grad.array`` ("grad"); read
           live at every replay, so in-place updates and replaced arrays are seen
``const``  an array created during the call without any traced input (``zeros``, the
           engine's root gradient); ``value`` holds its contents
``call``   ``target(*args, **kwargs)``: a ufunc, ufunc method or NumPy function
``method`` ``args[0].<target>(*args[1:], **kwargs)``: an array method or indexing
``rng``    a draw from minigrad's generator: ``default_generator._rng.<target>(...)``
``opaque`` a Python call replayed as is (``target``), e.g. ``Optimizer.step``
``setgrad`` ``owner.grad = Tensor(args[0])`` (or ``None``): the Python-visible result
           of backward and ``zero_grad``
``check``  ``target(args[0]) == args[1]``: a number minigrad read from an array (a bounds
           check); a replay that meets another value runs the call eagerly
``output`` the call's return value (``args`` holds the structure)
``fused``  only in generated code, never in a recorded graph: ``target(*args)``, a fused
           elementwise kernel standing for several ``call`` nodes (``value`` = its
           scalar source; ``kwargs`` may hold ``out``); see :mod:`.fuse`
========== ==========================================================================

``args``/``kwargs`` are nested tuples/lists/dicts/slices of Python literals, other
objects (dtypes, ufuncs) and :class:`Node` references. ``mutates`` names the node
whose memory the node writes in place (``out=``, ``a[i] = b``), or None.

The same classes hold the op-level graph of :mod:`minigrad.compile.oprecord` (one node
per ``Function`` application; read by ONNX export, meant for graph drawing):

============ ========================================================================
``input``    a traced argument (``target`` = its position; ``owner`` = the Tensor)
``param``    a parameter or buffer (``target`` = its dotted name, ``owner`` = Tensor)
``const``    a tensor or array that is not derived from an input (``value``)
``function`` ``target.apply(*args, **kwargs)``: ``target`` is the ``Function`` class,
             ``args`` its input Nodes, ``kwargs`` its attributes (``dim``, a
             convolution's geometry, an index with its arrays as Nodes); ``scope``
             is the path of the module that ran it (``"encoder.layers.0.linear1"``)
``output``   what the traced call returned (``args`` holds the structure)
============ ========================================================================
"""
from __future__ import annotations

import numpy as np


class Node:
    """One step of the program; ``name`` is its variable in the generated code."""

    __slots__ = ("name", "op", "target", "args", "kwargs", "shape", "dtype", "mutates",
                 "value", "owner", "view_of", "scalar", "scope")

    def __init__(self, name, op, target=None, args=(), kwargs=None, shape=None, dtype=None,
                 mutates=None):
        self.name, self.op, self.target = name, op, target
        self.args, self.kwargs = args, kwargs or {}
        self.shape, self.dtype, self.mutates = shape, dtype, mutates
        self.value = None  # const: the array's contents when first seen
        self.owner = None  # input/state/setgrad: the Tensor (or arg index)
        self.scalar = False  # NumPy returned a scalar: the program makes it a 0-d array
        self.view_of = None  # the node whose memory this result views (writes reach it)
        self.scope = ""  # op-level graphs: the module path the op ran in

    def target_name(self) -> str:
        t = self.target
        if isinstance(t, np.ufunc):
            return f"np.{t.__name__}"
        if self.op == "call" and isinstance(t, tuple):  # (ufunc, method)
            return f"np.{t[0].__name__}.{t[1]}"
        if callable(t):
            mod = getattr(t, "__module__", "") or ""
            name = getattr(t, "__qualname__", getattr(t, "__name__", repr(t)))
            return f"np.{name}" if mod.startswith("numpy") else name
        return str(t) if t is not None else ""

    def __repr__(self):
        return f"<Node {self.name} {self.op} {self.target_name()}>"


def _fmt(x):
    if isinstance(x, Node):
        return x.name
    if isinstance(x, tuple):
        return "(" + ", ".join(_fmt(v) for v in x) + ("," if len(x) == 1 else "") + ")"
    if isinstance(x, list):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k}={_fmt(v)}" for k, v in x.items()) + "}"
    if isinstance(x, slice):
        return f"{_fmt(x.start)}:{_fmt(x.stop)}" + (f":{_fmt(x.step)}" if x.step is not None else "")
    if isinstance(x, np.dtype):
        return str(x)
    if isinstance(x, np.ufunc):
        return f"np.{x.__name__}"
    return repr(x)


class Graph:
    """The nodes of one recorded call, in execution order."""

    def __init__(self):
        self.nodes: list[Node] = []

    def add(self, op, target=None, args=(), kwargs=None, shape=None, dtype=None,
            mutates=None) -> Node:
        n = Node(f"v{len(self.nodes)}", op, target, args, kwargs, shape, dtype, mutates)
        self.nodes.append(n)
        return n

    def __len__(self):
        return len(self.nodes)

    def __iter__(self):
        return iter(self.nodes)

    def table(self) -> str:
        """The graph as a table: name, kind, target, inputs, shape, dtype, in-place target."""
        rows = [("name", "op", "target", "args", "shape", "dtype", "writes")]
        for n in self.nodes:
            args = _fmt(tuple(n.args))[1:-1].rstrip(",")
            if n.kwargs:
                args += (", " if args else "") + _fmt(n.kwargs)[1:-1]
            if n.op == "state":
                args = f"{n.target} of a Tensor"
            rows.append((n.name, n.op, n.target_name() if n.op != "state" else "", args[:60],
                         "" if n.shape is None else str(tuple(n.shape)),
                         "" if n.dtype is None else str(n.dtype),
                         n.mutates.name if n.mutates is not None else ""))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)

    __str__ = table
