"""Fusion: chains of elementwise array ops in a recorded program become one kernel.

A chain such as the bias add and ReLU of a layer, the ReLU mask of its gradient, or an
SGD update (``p -= lr * g``) runs in NumPy as one pass over memory per op, with a
temporary array between passes. Fused, it is one loop that reads each input once and
writes the result once. The kernel is a NumPy ufunc made by Numba's ``vectorize`` from
generated scalar code (the ``fast`` extra; without Numba nothing is fused). Its scalar
code does the same IEEE float operations in the same order as NumPy's ufuncs (no
fast-math, no contraction into FMA), so fused arithmetic gives the same bits as eager;
only ops whose NumPy kernels are SIMD approximations (exp, tanh, log...) would differ,
and those are never fused (see ``_OPS``).

Measured on this project's shared 2-vCPU machine (``python benchmarks/fusion_threshold.py``,
float32, 1 thread, load average 8 from other jobs; 2026-12-04), microseconds, NumPy's ops
one by one / the fused kernel / numexpr's precompiled evaluation of the same expression:

chain                       | 256             | 1K              | 4K              | 1M
add, maximum (bias + ReLU)  | 1.2 / 1.1 / 1.1 | 1.7 / 1.3 / 2.1 | 3.3 / 1.7 / 7.3 | 583 / 156 / 14234
greater, multiply (mask)    | 1.4 / 1.1 / 1.2 | 1.8 / 1.3 / 1.8 | 2.6 / 1.7 / 4.9 | 538 / 168 / 1089
multiply, subtract (SGD)    | 0.9 / 1.1 / 1.1 | 1.2 / 1.3 / 1.5 | 1.9 / 1.7 / 3.7 | 290 / 162 / 728
six arithmetic ops          | 2.3 / 1.2 / 1.8 | 3.0 / 1.4 / 3.0 | 5.2 / 1.9 / 9.2 | 1151 / 273 / 2419
tanh(add) (transcendental)  | 0.8 / 3.9 / 3.8 | 1.3 / 13 / 12   | 2.8 / 48 / 47   | 544 / 53708 / 46321

So a kernel of two ops pays from between 1K and 4K elements (``MIN_ELEMENTS[2]``), one
of three or more from 256 (``MIN_ELEMENTS[3]``), and transcendental functions must stay
NumPy's (its SIMD versions are 10-100x faster than the scalar libm calls a fused loop
makes). numexpr, the issue's first suggestion, lost to NumPy at every size on this
machine (its interpreter has no SIMD here and no VML), so it is not used.

Which nodes fuse: ufunc calls (and ``np.where``) from ``_OPS`` on float32/float64 arrays
(bool masks allowed), with Python or same-typed NumPy scalars. A producer joins its
consumer's kernel when every read of its value is inside the kernel and the value's
array is private to the program (made by a call, not a view and never viewed, not an
input, state or output), and nothing writes the kernel's other inputs in between. An
in-place op (``out=``) on a private array whose earlier value is also fused becomes a
fresh result; on anything else it stays in place (``kernel(..., out=p)``).
"""
from __future__ import annotations

import os

import numpy as np

from .ir import Node

# a fused kernel of 2 ops (of 3 or more) must produce at least this many elements (the
# table above); tests set both to 0 to fuse every chain
MIN_ELEMENTS = {2: 2048, 3: 256}

# from this many elements a fused kernel runs as a Numba loop over C-contiguous operands
# (``Kernel.flat``) instead of the ufunc; below, the ufunc's lower call cost wins
FLAT_MIN = 1024

# inputs of one kernel at most (a NumPy ufunc takes at most 64 operands in all)
MAX_INPUTS = 32

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_BOOL = np.dtype(bool)

# ufunc -> (arity, format of the scalar expression, result is bool)
_OPS = {
    np.add: (2, "({0} + {1})", False),
    np.subtract: (2, "({0} - {1})", False),
    np.multiply: (2, "({0} * {1})", False),
    np.divide: (2, "({0} / {1})", False),
    np.negative: (1, "(-{0})", False),
    np.positive: (1, "(+{0})", False),
    np.square: (1, "({0} * {0})", False),
    np.absolute: (1, "abs({0})", False),
    np.sqrt: (1, "np.sqrt({0})", False),  # correctly rounded in both
    # as NumPy's: a NaN propagates, and of two equal values (0.0 and -0.0) the second wins
    np.maximum: (2, "({0} if ({0} > {1} or {0} != {0}) else {1})", False),
    np.minimum: (2, "({0} if ({0} < {1} or {0} != {0}) else {1})", False),
    np.greater: (2, "({0} > {1})", True),
    np.greater_equal: (2, "({0} >= {1})", True),
    np.less: (2, "({0} < {1})", True),
    np.less_equal: (2, "({0} <= {1})", True),
    np.equal: (2, "({0} == {1})", True),
    np.not_equal: (2, "({0} != {1})", True),
}
_WHERE = "({1} if {0} else {2})"

_numba = None
_kernels: dict = {}


def available() -> bool:
    """Whether fusion can run: Numba is installed and ``MINIGRAD_FUSE`` is not 0."""
    global _numba
    if os.environ.get("MINIGRAD_FUSE", "1") == "0":
        return False
    if _numba is None:
        try:
            import numba
        except ImportError:
            _numba = False
        else:
            _numba = numba
    return _numba is not False


class Kernel:
    """A fused elementwise kernel: a NumPy ufunc made from ``source`` (shown in the code),
    and loops over C-contiguous operands made on demand (``flat``)."""

    def __init__(self, source, expr, types):
        self.source, self.expr, self.types = source, expr, types
        self.flats = {}
        self._ufunc = None
        self.__name__ = "fused"

    @property
    def ufunc(self):
        """The plain NumPy ufunc Numba builds (on first use: a program whose kernels all
        run as loops never needs it). Its signature is fixed; called directly it costs
        what np.add does (0.3 us); through Numba's DUFunc wrapper 1 us, and 16 us with
        ``out=`` given as a tuple (measured, 16-element arrays)."""
        if self._ufunc is None:
            ns = {"np": np}
            exec(compile(self.source, "<minigrad.compile fused kernel>", "exec"), ns)
            in_types, out_type = self.types
            nb = _numba
            sig = nb.from_dtype(out_type)(*[nb.from_dtype(t) for t in in_types])
            uf = nb.vectorize([sig], nopython=True)(ns["fused"])
            self._ufunc = getattr(uf, "ufunc", uf)
        return self._ufunc

    def __call__(self, *args, **kwargs):
        return self.ufunc(*args, **kwargs)

    def flat(self, kinds, inplace, out_dtype):
        """A Numba loop doing this kernel's work on C-contiguous operands (NumPy's ufunc
        loops that Numba makes from scalar code are not vectorized; this loop is: 8 us
        against the ufunc's 31 and NumPy's 20 for an SGD update of 100K float32, and 26
        against NumPy's 160 for a bias + ReLU of 256x1024).

        ``kinds``: per operand, ``"f"`` (the output's shape), ``"b"`` (a trailing block
        of it: a bias, repeated over the leading dimensions) or ``"s"`` (one element).
        ``inplace``: the operand the result is written into, or None for a new array.
        Same arguments as the ufunc, without ``out``; returns the result."""
        key = (kinds, inplace)
        fn = self.flats.get(key)
        if fn is None:
            names = [f"a{i}" for i in range(len(kinds))]
            head = self.source.splitlines()[1:-1]  # the body's lines, minus def and return
            result = self.expr
            src = [f"def flat({', '.join(names)}):"]
            if inplace is None:
                dt = "bool_" if out_dtype == _BOOL else out_dtype.name
                src.append(f"    out = np.empty({names[kinds.index('f')]}.shape, np.{dt})")
            out = names[inplace] if inplace is not None else "out"
            for a in names:
                src.append(f"    {a}f = {a}.reshape(-1)")
            src.append("    fo = out.reshape(-1)" if inplace is None else f"    fo = {out}f")
            src.append("    n = fo.size")
            inner = None
            for a, k in zip(names, kinds):
                if k == "f":
                    src.append(f"    if {a}f.size != n: raise ValueError('fused kernel: shapes')")
                elif k == "b":
                    if inner is None:
                        inner = f"{a}f.size"
                    src.append(f"    if {a}f.size != {inner}: raise ValueError('fused kernel: shapes')")
                else:
                    src.append(f"    {a}s = {a}f[0]")
            src.append(f"    m = {inner or 'n'}")
            src.append("    if m == 0 or n % m: raise ValueError('fused kernel: shapes')")
            # one row (a repeat of the trailing block) at a time, through row views: with
            # flat indices o + j LLVM did not vectorize the loop once the shape checks
            # above were there (10x slower, measured); the row written in place is the
            # same view it is read through (two views would fail LLVM's overlap check)
            src.append("    for r in range(n // m):")
            src.append("        o = r * m")
            for a, k in zip(names, kinds):
                if k == "f":
                    src.append(f"        {a}r = {a}f[o:o + m]")
            src.append(f"        fr = {names[inplace]}r" if inplace is not None else
                       "        fr = fo[o:o + m]")
            src.append("        for j in range(m):")
            for a, k in zip(names, kinds):
                idx = {"f": f"{a}r[j]", "b": f"{a}f[j]", "s": f"{a}s"}[k]
                src.append(f"            {a}_ = {idx}")
            for line in head:
                stmt = line.strip()
                for a in names:
                    stmt = _rename(stmt, a, a + "_")
                src.append("            " + stmt)
            src.append(f"            fr[j] = {_rename_all(result, names)}")
            src.append(f"    return {out}")
            code = "\n".join(src) + "\n"
            ns = {"np": np}
            exec(compile(code, "<minigrad.compile fused loop>", "exec"), ns)
            fn = self.flats[key] = _numba.njit(nogil=True, error_model="numpy")(ns["flat"])
            fn.source = code
        return fn

    def __repr__(self):
        return f"<fused kernel {self.expr}>"


def _rename(stmt, a, b):
    import re

    return re.sub(rf"\b{a}\b", b, stmt)


def _rename_all(expr, names):
    for a in names:
        expr = _rename(expr, a, a + "_")
    return expr


def flat_kinds(operands, shape):
    """Per operand (Nodes, with their traced shapes) of a kernel producing ``shape``, the
    ``kinds`` of :meth:`Kernel.flat`, or None when its loop cannot serve them."""
    size = int(np.prod(shape))
    kinds, block = [], None
    for x in operands:
        s = tuple(x.shape)
        n = int(np.prod(s))
        while s and s[0] == 1:
            s = s[1:]
        if s == tuple(shape):
            kinds.append("f")
        elif n == 1:
            kinds.append("s")
        elif s == tuple(shape[len(shape) - len(s):]) and (block is None or block == s):
            block = s
            kinds.append("b")
        else:
            return None
    if "f" not in kinds or not size:
        return None
    return tuple(kinds)


def _kernel(body, names, result, in_types, out_type):
    key = (body, in_types, out_type)
    k = _kernels.get(key)
    if k is None:
        src = f"def fused({', '.join(names)}):\n" + body + f"    return {result}\n"
        k = _kernels[key] = Kernel(src, result, (in_types, out_type))
    return k


def _const(x, dtype):
    """Source for a Python/NumPy scalar operand, typed as NumPy would (NEP 50)."""
    if isinstance(x, np.generic):
        if x.dtype != dtype:
            return None
        x = x.item()
    if type(x) not in (bool, int, float) or dtype not in _FLOATS:
        return None
    return f"np.{dtype.name}({float(x)!r})"


def _candidate(n):
    """(arity, format, scalar operand dtype) if ``n`` can join a fused kernel, else None."""
    if n.op != "call" or n.shape is None or n.scalar or n.dtype not in _FLOATS + (_BOOL,):
        return None
    t = n.target
    if t is np.where:
        spec = (3, _WHERE, False)
    else:
        spec = _OPS.get(t) if isinstance(t, np.ufunc) else None
    if spec is None or len(n.args) != spec[0]:
        return None
    extra = set(n.kwargs) - {"out", "casting"}
    if extra or n.kwargs.get("casting", "same_kind") != "same_kind":
        return None
    arrays = [a for a in n.args if isinstance(a, Node)]
    if not arrays or any(a.shape is None for a in arrays):
        return None
    if t is np.where:
        if arrays[0] is not n.args[0] or n.args[0].dtype != _BOOL or n.dtype not in _FLOATS:
            return None
        vals = [a for a in n.args[1:] if isinstance(a, Node)]
        if any(a.dtype != n.dtype for a in vals) or any(
                _const(a, n.dtype) is None for a in n.args[1:] if not isinstance(a, Node)):
            return None
        return spec + (n.dtype,)
    floats = {a.dtype for a in arrays if a.dtype != _BOOL}
    if len(floats) != 1:
        return None
    dt = floats.pop()
    if dt not in _FLOATS or any(_const(a, dt) is None for a in n.args if not isinstance(a, Node)):
        return None
    if spec[2]:
        if n.dtype != _BOOL:
            return None
    elif n.dtype != dt:
        return None
    if any(a.dtype == _BOOL for a in arrays) and t is not np.multiply:
        return None
    if n.mutates is not None:
        m = n.mutates
        if m.shape != n.shape or m.dtype != n.dtype or "out" not in n.kwargs:
            return None
    return spec + (dt,)


def fuse(nodes):
    """Return ``nodes`` with fusable chains replaced by ``fused`` nodes (or as they are)."""
    if not available():
        return nodes
    from .codegen import _uses

    pos = {id(n): i for i, n in enumerate(nodes)}
    viewed = {id(n.view_of) for n in nodes if n.view_of is not None}
    writers = {}  # id(node) -> positions of the nodes that write it (its own position first)
    for i, n in enumerate(nodes):
        writers.setdefault(id(n), []).append(i)
        if n.mutates is not None:
            writers.setdefault(id(n.mutates), []).append(i)

    def version(m, i):  # position of the write a read of ``m`` at position i sees
        best = None
        for w in writers.get(id(m), ()):
            if w < i and (best is None or w > best):
                best = w
        return best

    reads = {}  # (id(node), version) -> positions that read that value
    operands = []  # per position: the operand nodes read (out= excluded)
    for i, n in enumerate(nodes):
        kw = {k: v for k, v in n.kwargs.items() if k != "out"}
        used = _uses((n.args, kw), [])
        operands.append(used)
        for u in used:
            reads.setdefault((id(u), version(u, i)), []).append(i)

    def root(m):
        while m.view_of is not None:
            m = m.view_of
        return m

    written_at = {}  # id(root node) -> positions writing it
    opaque_at = []
    for i, n in enumerate(nodes):
        if n.mutates is not None:
            written_at.setdefault(id(root(n.mutates)), []).append(i)
        if n.op == "opaque":
            opaque_at.append(i)

    def private(m):  # (a value made elsewhere, a backward program's saved input, may
        # have views this program cannot see: never private)
        return id(m) in pos and m.op == "call" and m.view_of is None and \
            id(m) not in viewed and m.shape is not None and not m.scalar

    def stable(leaf, a, b, group):  # no write to ``leaf``'s memory between a and b
        r = root(leaf)
        if any(a < w < b and w not in group for w in written_at.get(id(r), ())):
            return False
        if r.op in ("input", "state", "const") and any(a < w < b for w in opaque_at):
            return False
        return True

    specs = {id(n): _candidate(n) for n in nodes}
    member_of = {}  # position -> root position of its group
    groups = {}
    for r in range(len(nodes) - 1, -1, -1):
        n = nodes[r]
        if r in member_of or specs[id(n)] is None:
            continue
        group = {r}
        todo = [r]
        leaves = {(id(u), version(u, r)) for u in operands[r]}
        while todo:
            i = todo.pop()
            for u in operands[i]:
                v = version(u, i)
                if v is None or v in group or v in member_of:
                    continue
                p = nodes[v]
                if specs[id(p)] is None:
                    continue
                target = p.mutates if p.mutates is not None else p
                if not private(target):
                    continue
                if not all(j in group for j in reads.get((id(u), v), ())):
                    continue
                if not all(stable(x, v, r, group) for x in operands[v]):
                    continue
                more = (leaves - {(id(u), v)}) | {(id(x), version(x, v)) for x in operands[v]}
                if len(more) > MAX_INPUTS:
                    continue
                leaves = more
                group.add(v)
                todo.append(v)
        if len(group) < 2 or int(np.prod(n.shape)) < MIN_ELEMENTS[min(len(group), 3)]:
            continue
        for i in group:
            member_of[i] = r
        groups[r] = group
    if not groups:
        return nodes
    out = []
    for i, n in enumerate(nodes):
        if i in groups:
            out.append(_fused_node(nodes, groups[i], i, specs, version, pos))
        elif i not in member_of:
            out.append(n)
    return out


def _fused_node(nodes, group, r, specs, version, pos):
    """The ``fused`` node computing group ``group`` (positions) rooted at position r."""
    names, leaves, types, body = [], [], [], []
    local = {}  # position of a member -> its scalar variable

    def operand(x, i, dt):
        if not isinstance(x, Node):
            return _const(x, dt)
        v = version(x, i)
        if v is not None and v in group:
            return local[v]
        key = (id(x), v)
        for j, (k, _) in enumerate(leaves):
            if k == key:
                return names[j]
        names.append(f"a{len(names)}")
        leaves.append((key, x))
        types.append(x.dtype)
        return names[-1]

    for i in sorted(group):
        n = nodes[i]
        arity, fmt, _, dt = specs[id(n)]
        ops = []
        for a in n.args:
            s = operand(a, i, n.dtype if n.target is np.where else dt)  # never None: checked
            if isinstance(a, Node) and a.dtype == _BOOL and n.target is np.multiply:
                s = f"np.{dt.name}({s})"
            ops.append(s)
        local[i] = f"t{len(local)}"
        body.append(f"    {local[i]} = {fmt.format(*ops)}\n")
    root = nodes[r]
    k = _kernel("".join(body), names, local[r], tuple(types), root.dtype)
    args = tuple(x for _, x in leaves)
    m = root.mutates
    if m is not None and pos.get(id(m)) in group:
        name, kwargs, mutates = m.name, {}, None  # m's own node was fused: a fresh result
    elif m is not None:
        name, kwargs, mutates = root.name, {"out": m}, m
    else:
        name, kwargs, mutates = root.name, {}, None
    f = Node(name, "fused", k, args, kwargs, root.shape, root.dtype, mutates)
    f.value = k.source
    return f
