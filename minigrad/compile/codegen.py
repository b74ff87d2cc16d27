"""Code generation: a Graph becomes one straight-line Python function over arrays.

The function takes the call's arguments and returns its results; inside there is one
line per node (``v4 = np.matmul(v0, v1)``, ``np.add(v4, v2, out=v4)``), no Tensor, no
Function and no tape. Objects that are not Python literals (dtypes, functions, the
parameters' Tensors, constants) are bound in the function's namespace under short
names. A ``del`` follows each value's last use, so intermediates are freed as early as
eager frees them.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from .dynamic import Sym
from .ir import Graph, Node

_SETITEM = "__setitem__"


class Recheck(Exception):
    """A replay met a value the library checks (an index range, a size) that differs from
    the traced one, before the program changed any state: the call is run eagerly."""


class _Namer:
    def __init__(self):
        self.ns = {"np": np, "_wrap": Tensor._wrap, "_gen": _random.default_generator,
                   "_Recheck": Recheck, "_index": operator.index}
        self.ids = {}

    def bind(self, obj, prefix="k"):
        key = id(obj)
        name = self.ids.get(key)
        if name is None:
            name = f"{prefix}{len(self.ids)}"
            self.ids[key] = name
            self.ns[name] = obj
        return name


def _lit(x, nm):
    """Source text for an argument structure."""
    if isinstance(x, Node):
        return x.name
    t = type(x)
    if x is None or t is bool or t is int or t is str:
        return repr(x)
    if t is float:
        return repr(x) if math.isfinite(x) else nm.bind(x)
    if x is Ellipsis:
        return "..."
    if t is Sym:
        return x.source()
    if t is tuple:
        return "(" + "".join(_lit(v, nm) + ", " for v in x) + ")"
    if t is list:
        return "[" + ", ".join(_lit(v, nm) for v in x) + "]"
    if t is dict:
        return "{" + ", ".join(f"{k!r}: {_lit(v, nm)}" for k, v in x.items()) + "}"
    if t is slice:
        return f"slice({_lit(x.start, nm)}, {_lit(x.stop, nm)}, {_lit(x.step, nm)})"
    if isinstance(x, np.ufunc) and getattr(np, x.__name__, None) is x:
        return f"np.{x.__name__}"
    return nm.bind(x)


def _call_args(n, nm, skip=0):
    parts = [_lit(a, nm) for a in n.args[skip:]]
    parts += [f"{k}={_lit(v, nm)}" for k, v in n.kwargs.items()]
    return ", ".join(parts)


def _uses(x, acc):
    if isinstance(x, Node):
        acc.append(x)
    elif isinstance(x, (tuple, list)):
        for v in x:
            _uses(v, acc)
    elif isinstance(x, dict):
        for v in x.values():
            _uses(v, acc)
    elif isinstance(x, slice):
        _uses((x.start, x.stop, x.step), acc)
    return acc


def _out_struct(x, nm):
    kind, v = x
    if kind == "T":
        return f"_wrap({v.name})"
    if kind == "L":
        return _lit(v, nm)
    if kind == "A":  # a raw array
        return v.name
    inner = "".join(_out_struct(e, nm) + ", " for e in v)
    return f"({inner})" if kind == "tuple" else f"[{inner}]"


def written_consts(graph: Graph):
    """Const nodes whose memory the program writes (directly or through a view)."""
    out = set()
    for n in graph:
        m = n.mutates
        while m is not None:
            if m.op == "const":
                out.add(m)
            m = m.view_of
    return out


def _writes_outside(n):
    """Whether ``n`` writes memory that outlives the program (an input's or a state's)."""
    m = n.mutates
    while m is not None:
        if m.op in ("input", "state"):
            return True
        m = m.view_of
    return False


def _flat_call(n, nm):
    """A call of the fused node's loop over C-contiguous operands, or None (see
    ``fuse.Kernel.flat``): used from ``fuse.FLAT_MIN`` elements up."""
    from .fuse import FLAT_MIN, flat_kinds

    if int(np.prod(n.shape)) < FLAT_MIN or not all(isinstance(a, Node) for a in n.args):
        return None
    ops = list(n.args)
    out = n.kwargs.get("out")
    inplace = None
    if out is not None:
        inplace = next((i for i, a in enumerate(ops) if a is out), None)
        if inplace is None:
            ops.append(out)
            inplace = len(ops) - 1
    kinds = flat_kinds(ops, n.shape)
    if kinds is None or (inplace is not None and kinds[inplace] != "f"):
        return None
    fn = n.target.flat(kinds, inplace, n.dtype)
    return f"{nm.bind(fn, 'f')}({', '.join(a.name for a in ops)})"


def generate(graph: Graph, live_consts=frozenset(), params=None, fuse=False, batch=None):
    """Python source and namespace of the program; ``live_consts``: const nodes that are
    long-lived arrays (the same object in two traces), read by reference. With ``params``
    (nodes whose values another program made), the function is ``program(args, params)``
    and takes them from ``params`` in that order. With ``fuse``, chains of elementwise
    ops become fused kernels (:mod:`minigrad.compile.fuse`; the graph is not changed).
    With ``batch`` (an argument index), the program is batch-generic
    (:mod:`minigrad.compile.dynamic`): ``_B`` is that argument's first dimension."""
    nm = _Namer()
    nodes = list(graph)
    fusing = False
    if fuse:
        from .fold import fold
        from .fuse import available
        from .fuse import fuse as _fuse

        nodes = fold(nodes, live_consts, written_consts(nodes))
        nodes = _fuse(nodes)
        fusing = available()
    written = written_consts(nodes)
    last = {}
    for i, n in enumerate(nodes):
        for u in _uses((n.args, n.kwargs), []):
            last[u.name] = i
    lines = ["def program(args):"]
    given = set()
    if params is not None:
        lines = ["def program(args, params):"]
        for i, n in enumerate(params):
            if n.name in last and n.name not in given:
                lines.append(f"    {n.name} = params[{i}]")
            given.add(n.name)
    if batch is not None:
        lines.append(f"    _B = args[{batch}].array.shape[0]")
    dirty = False  # the program has changed state visible outside it
    for i, n in enumerate(nodes):
        op = n.op
        if op in ("opaque", "setgrad") or _writes_outside(n):
            dirty = True
        if (op in ("input", "state") and n.name not in last) or n.name in given:
            continue  # a tensor the program never reads, or a value given in params
        if op == "input":
            line = f"{n.name} = args[{n.target}].array"
        elif op == "state":
            owner = nm.bind(n.owner, "t")
            line = f"{n.name} = {owner}.{'grad.array' if n.target == 'grad' else 'array'}"
        elif op == "const":
            if n in live_consts:
                line = f"{n.name} = {nm.bind(n.owner, 'c')}"
            elif n.value is None:  # a scratch buffer, written before it is read
                line = f"{n.name} = np.empty({_lit(tuple(n.shape), nm)}, {nm.bind(n.dtype, 'd')})"
            elif type(n.value) is Sym:  # a 0-d count that follows the batch size
                line = f"{n.name} = {n.value.source()}"
            else:
                line = f"{n.name} = {nm.bind(n.value, 'c')}" + (".copy()" if n in written else "")
        elif op == "call":
            t = n.target
            if isinstance(t, tuple):
                fn = f"{_lit(t[0], nm)}.{t[1]}"
            else:
                fn = _lit(t, nm)
            line = f"{fn}({_call_args(n, nm)})"
            if n.mutates is None or "out" not in n.kwargs:
                line = (f"{n.name} = " if n.shape is not None or n.op == "call" else "") + line
        elif op == "fused":
            flat = _flat_call(n, nm)  # (its loop checks sizes: safe in batch-generic code)
            # the ufunc (built on first use, for operands of other layouts) or the loop
            ufunc = n.target if flat is not None else n.target.ufunc
            line = f"{nm.bind(ufunc, 'f')}({_call_args(n, nm)})"
            if flat is not None:
                line = f"{flat} if {' and '.join(x + '.flags.c_contiguous' for x in dict.fromkeys(_lit(a, nm) for a in n.args + tuple(n.kwargs.values())))} else {line}"
            if n.mutates is None:
                line = f"{n.name} = {line}"
            body = [s.strip() for s in n.value.splitlines()[1:]]
            line += "  # " + "; ".join(body)
        elif op == "method":
            obj = _lit(n.args[0], nm)
            if n.target == _SETITEM:
                line = f"{obj}[{_lit(n.args[1], nm)}] = {_lit(n.args[2], nm)}"
            elif n.target == "__getitem__":
                line = f"{n.name} = {obj}[{_lit(n.args[1], nm)}]"
            elif n.mutates is not None:
                line = f"{obj}.{n.target}({_call_args(n, nm, 1)})"
            else:
                line = f"{n.name} = {obj}.{n.target}({_call_args(n, nm, 1)})"
        elif op == "rng":
            line = f"{n.name} = _gen._rng.{n.target}({_call_args(n, nm)})"
        elif op == "opaque":
            target = n.target
            if fuse and fusing:  # an optimizer step with its updates fused
                from .fused_optim import wrap

                target = wrap(target)
            line = f"{nm.bind(target, 'f')}({_call_args(n, nm)})"
            if target is not n.target:
                line += f"  # {target.__qualname__}"
        elif op == "setgrad":
            owner = nm.bind(n.owner, "t")
            g = n.args[0]
            line = f"{owner}.grad = " + ("None" if g is None else f"_wrap({g.name})")
        elif op == "check":
            x, want = n.args
            err = "_Recheck" if not dirty else (
                "RuntimeError('minigrad.compile: a value the library checks changed after the "
                "program had updated state; run this function eagerly (MINIGRAD_COMPILE=0)')")
            line = f"if {n.target}({x.name}) != {_lit(want, nm)}: raise {err}"
        elif op == "output":
            line = f"return {_out_struct(n.args[0], nm)}"
        else:  # pragma: no cover - every kind is handled above
            raise AssertionError(op)
        if n.scalar:
            line = line.replace(f"{n.name} = ", f"{n.name} = np.asarray(", 1) + ")"
        lines.append("    " + line)
        dead = [u for u in dict.fromkeys(x.name for x in _uses((n.args, n.kwargs), []))
                if last.get(u) == i and op != "output"]
        if dead:
            lines.append("    del " + ", ".join(dead))
    if nodes[-1].op != "output":
        lines.append("    return None")
    src = "\n".join(lines) + "\n"
    code = compile(src, "<minigrad.compile>", "exec")
    ns = dict(nm.ns)
    exec(code, ns)
    return src, ns["program"]
