"""``minigrad.compile``: trace a function once, replay it as straight-line array code.

See ``docs/compile.md``. The package stands above the core: the core never imports it
and offers one hook, ``_State.recorder``, which ``Optimizer.step`` consults.
"""
from __future__ import annotations

import functools
import os
import warnings

import numpy as np

from ..autograd.grad_mode import _State
from ..tensor import Tensor
from .codegen import Recheck, generate
from .dynamic import batch_key, batch_map, batch_of, generalize
from .ir import Graph, Node
from .tracer import GraphBreak, Recorder

__all__ = ["compile", "CompiledFunction", "Graph", "Node", "GraphBreak"]

_CACHE_SIZE = 8  # programs kept per function (one per guard key), oldest dropped first


def compile(model=None, *, fullgraph: bool = False, dynamic: bool = False, backend=None,
            mode=None, options=None, disable: bool = False):
    """Compile a function (for example a whole training step) as ``torch.compile`` does.

    The first call with given guards runs eagerly while every array computation it
    performs is recorded (forward, backward, gradient accumulation; an optimizer step is
    recorded as one call). The second such call is traced again and checked against
    the first; from the third call on the recorded program is replayed as generated
    Python over NumPy arrays, with no Tensor, Function or tape objects.

    Args:
        model: the function to compile (also usable as ``@minigrad.compile`` or
            ``@minigrad.compile(fullgraph=True)``).
        fullgraph: raise instead of falling back to eager at a graph break (reading array
            data into Python: ``.item()``, ``bool(t)``, ``print(t)``...).
        dynamic: generalise over the batch size: once two batch sizes have been traced
            and their programs differ only in numbers that follow the first dimension
            of the inputs, one program serves every batch size (2 and up) without
            re-tracing; otherwise (and with the default False) a new shape re-traces.
        backend, options: accepted for PyTorch compatibility, ignored.
        mode: None (fuse chains of elementwise arithmetic into one kernel each, when
            Numba is installed: see ``docs/compile.md``) or ``"nofuse"`` (replay exactly
            eager's kernels). Both give results bitwise equal to eager's.
        disable: run eagerly (as does the environment variable ``MINIGRAD_COMPILE=0``).

    Returns:
        A :class:`CompiledFunction` (callable like ``model``).
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic,
                                 backend=backend, mode=mode, options=options, disable=disable)
    if mode not in (None, "default", "nofuse", "reduce-overhead", "max-autotune"):
        raise ValueError(f"minigrad.compile: unknown mode {mode!r}; expected None or 'nofuse'")
    from ..nn.module import Module

    if isinstance(model, Module):
        from .module import CompiledModule

        return CompiledModule(model, fullgraph=fullgraph, mode=mode, disable=disable,
                              dynamic=dynamic)
    if not callable(model):
        raise TypeError(f"minigrad.compile expects a function, got {type(model).__name__}")
    return CompiledFunction(model, fullgraph=fullgraph, mode=mode, disable=disable,
                            dynamic=dynamic)


class _Program:
    """One compiled program and the guards under which it is valid."""

    def __init__(self, graph, src, fn, guards):
        self.graph, self.code, self.fn, self.guards = graph, src, fn, guards

    def check(self):
        for kind, obj, want in self.guards:
            if kind == 0:  # owner.array shape and dtype
                a = obj.array
                if type(a) is not np.ndarray or a.shape != want[0] or a.dtype != want[1]:
                    return False
            elif kind == 1:  # owner.grad is None / a grad of shape and dtype
                g = obj.grad
                if want is None:
                    if g is not None:
                        return False
                elif g is None or type(g.array) is not np.ndarray or g.shape != want[0] or \
                        g.array.dtype != want[1]:
                    return False
            elif kind == 2:  # a module's training flag
                if obj.training != want:
                    return False
            elif kind == 3:  # a module's parameters and buffers: the same objects
                now = tuple(obj._parameters.values()) + tuple(obj._buffers.values())
                if len(now) != len(want) or any(a is not b for a, b in zip(now, want)):
                    return False
        return True


class CompiledFunction:
    """A compiled function: call it like the original.

    Attributes:
        graph: the recorded program of the last replayed (or traced) call, a
            :class:`~minigrad.compile.ir.Graph` (``print(f.graph)`` shows a table).
        code: the generated Python source of that program.
    """

    def __init__(self, fn, fullgraph=False, mode=None, disable=False, dynamic=False):
        self._fn = fn
        self.fullgraph, self.mode = fullgraph, mode
        self.disable, self.dynamic = disable, bool(dynamic)
        self._generic: dict = {}  # batch-free key -> batch-generic _Program, or None
        self._exemplar: dict = {}  # batch-free key -> (graph, first dims) of a compiled one
        self._cache: dict = {}  # arg key -> list of [state, ...]
        self._eager_keys = set()  # keys that cannot be compiled: run eagerly
        self._warned = False
        self._last = None
        self._split = None  # after a graph break: the function run as pieces (split.py)
        functools.update_wrapper(self, fn)

    @property
    def graph(self) -> Graph | None:
        return self._last.graph if self._last is not None else None

    @property
    def code(self) -> str | None:
        return self._last.code if self._last is not None else None

    @property
    def pieces(self) -> list:
        """After a graph break split the function: its pieces, in order (a list of
        :class:`~minigrad.compile.split.Piece`); empty while it is one program."""
        return self._split.pieces() if self._split is not None else []

    def _on_break(self, brk) -> bool:
        """The trace broke (the call has finished eagerly): split the function around the
        break (True), or note why it cannot be (False: it runs eagerly)."""
        from .split import try_split

        self._split_reason = try_split(self, brk)
        return self._split_reason is None

    def _check_result(self, rec, result):
        """A GraphBreak if ``result`` cannot be what a replay returns (pieces refine it)."""
        return None

    def _key(self, args, kwargs):
        if kwargs:
            return None  # keyword arguments: not compiled (yet)
        key = [_State.enabled, _State.anomaly]
        for a in args:
            if isinstance(a, Tensor):
                d = a.array
                if type(d) is not np.ndarray:
                    return None  # CUDA arrays: the tracer is NumPy's
                key.append((d.shape, d.dtype.str, a.requires_grad, a._ctx is not None))
            else:
                try:
                    hash(a)
                except TypeError:
                    return None
                key.append((type(a), a))
        return tuple(key)

    def __call__(self, *args, **kwargs):
        if self.disable or os.environ.get("MINIGRAD_COMPILE", "1") == "0":
            return self._fn(*args, **kwargs)
        if self._split is not None:
            return self._split(args, kwargs)
        key = self._key(args, kwargs)
        if key is None or key in self._eager_keys:
            return self._fn(*args, **kwargs)
        entries = self._cache.get(key, ())
        for prog in entries:
            if isinstance(prog, _Program) and prog.check():
                self._last = prog
                try:
                    return prog.fn(args)
                except Recheck:  # a checked value differs (nothing changed yet): run eagerly
                    return self._fn(*args)
        if self.dynamic:
            bkey, dims = batch_key(key, args)
            prog = self._generic.get(bkey)
            if prog is not None and batch_of(dims, *prog.batch) is not None and prog.check():
                self._last = prog
                try:
                    return prog.fn(args)
                except Recheck:
                    return self._fn(*args)
        if not entries:
            entries = self._cache[key] = []
            if len(self._cache) > _CACHE_SIZE:
                del self._cache[next(iter(self._cache))]
        return self._trace(key, entries, args)

    def _trace(self, key, entries, args):
        rec = Recorder(args, fullgraph=self.fullgraph)
        with rec:
            result = self._fn(*args)
            if rec.broken is None:
                bad = self._check_result(rec, result)
                if bad is not None:
                    rec.graph_break(bad)
            rec.output(result)
            if rec.broken is None:
                skip = _tensor_ids(result)
                leaked = rec.leaked_tensors(skip)
                if leaked:
                    rec.graph_break(GraphBreak(
                        f"{len(leaked)} tensor(s) made by the call outlive it without being "
                        "returned (stored in a list or attribute?): replays would not update them",
                        where=getattr(self._fn, "__qualname__", "the function")))
        if rec.broken is None:
            rec.finish()
        if rec.broken is not None:
            if self._on_break(rec.broken):
                return result
            self._eager_keys.add(key)
            if not self._warned:
                self._warned = True
                why = getattr(self, "_split_reason", None)
                warnings.warn(
                    f"minigrad.compile: graph break in {getattr(self._fn, '__qualname__', '?')}"
                    f" ({rec.broken.what} at {rec.broken.where}); running it eagerly"
                    + (f" (not split: {why})" if why else ""),
                    RuntimeWarning, stacklevel=3)
            return result
        if self.dynamic and self._generalize(key, args, rec.graph):
            if not entries:  # this batch size needs no program of its own
                self._cache.pop(key, None)
            return result
        pending = [p for p in entries if isinstance(p, _Pending)]
        if not pending:  # first trace: keep it, check it against the next
            entries.append(_Pending(rec.graph, rec.owners))
            return result
        first = pending[0]
        entries.remove(first)
        live = _compare(first.graph, rec.graph)
        if live is None:  # the two traces differ: data-dependent constants or control flow
            if len(entries) == 0:
                entries.append(_Pending(rec.graph, rec.owners))
            self._unstable = getattr(self, "_unstable", 0) + 1
            if self._unstable >= 3:
                self._eager_keys.add(key)
                warnings.warn(
                    f"minigrad.compile: {getattr(self._fn, '__qualname__', '?')} records a "
                    "different program on every call (a Python number or branch that changes "
                    "between calls?); running it eagerly", RuntimeWarning, stacklevel=3)
            return result
        src, fn = generate(rec.graph, live, fuse=self.mode != "nofuse")
        prog = _Program(rec.graph, src, fn, _guards(rec.graph))
        entries.append(prog)
        self._last = prog
        if self.dynamic:
            bkey, dims = batch_key(key, args)
            self._exemplar.setdefault(bkey, (rec.graph, dims))
        return result

    def _generalize(self, key, args, graph):
        """With a compiled program at another batch size, try to make ``graph`` (just
        traced) a batch-generic program; True if it now is one."""
        bkey, dims = batch_key(key, args)
        ex = self._exemplar.get(bkey)
        if ex is None or bkey in self._generic:
            return False
        bmap = batch_map(ex[1], dims)
        live = None if bmap is None else generalize(ex[0], graph, bmap[2], bmap[3])
        if live is None:
            self._generic[bkey] = None  # not batch-generic: every batch size is traced
            return False
        ks, ref = bmap[0], bmap[1]
        src, fn = generate(graph, live, fuse=self.mode != "nofuse", batch=ref)
        prog = _Program(graph, src, fn, _guards(graph))
        prog.batch = (ks, ref, dims)
        self._generic[bkey] = prog
        self._last = prog
        return True


class _Pending:
    def __init__(self, graph, owners):
        self.graph = graph
        self.owners = owners


def _tensor_ids(x, acc=None):
    acc = set() if acc is None else acc
    if isinstance(x, Tensor):
        acc.add(id(x))
    elif isinstance(x, (tuple, list)):
        for v in x:
            _tensor_ids(v, acc)
    return acc


def _same(a, b, idx_a, idx_b):
    """Structural equality of two argument structures (nodes compared by position)."""
    if isinstance(a, Node) or isinstance(b, Node):
        return isinstance(a, Node) and isinstance(b, Node) and idx_a[a.name] == idx_b[b.name]
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y, idx_a, idx_b) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k], idx_a, idx_b) for k in a)
    if isinstance(a, slice):
        return _same((a.start, a.stop, a.step), (b.start, b.stop, b.step), idx_a, idx_b)
    if isinstance(a, float):
        return repr(a) == repr(b)
    if isinstance(a, np.ndarray):
        return a is b
    try:
        return bool(a == b) or a is b
    except Exception:
        return a is b


def _compare(ga: Graph, gb: Graph):
    """None if two traces differ; else the set of gb's const nodes that are long-lived
    arrays (the same object in both traces)."""
    if len(ga) != len(gb):
        return None
    ia = {n.name: i for i, n in enumerate(ga)}
    ib = {n.name: i for i, n in enumerate(gb)}
    live = set()
    for a, b in zip(ga, gb):
        if a.op != b.op or a.shape != b.shape or a.dtype != b.dtype:
            return None
        if (a.mutates is None) != (b.mutates is None) or (
                a.mutates is not None and ia[a.mutates.name] != ib[b.mutates.name]):
            return None
        if a.op in ("state", "setgrad", "input"):
            if a.owner is not b.owner or a.target != b.target:
                return None
        elif a.op == "const":
            if a.owner is b.owner:
                live.add(b)
            elif (a.value is None) != (b.value is None):
                return None
            elif a.value is not None and not np.array_equal(a.value, b.value, equal_nan=a.value.dtype.kind in "fc"):
                return None
        elif a.op == "opaque":
            if a.target != b.target:
                return None
        elif not _same(a.target, b.target, ia, ib):
            return None
        if not (_same(a.args, b.args, ia, ib) and _same(a.kwargs, b.kwargs, ia, ib)):
            return None
    return live


def _uses_of(n):
    from .codegen import _uses

    return _uses((n.args, n.kwargs), [])


def _guards(graph: Graph):
    """What the program assumed about Python-visible state, checked before each replay."""
    from ..nn.module import Module
    import gc

    guards = []
    owners = {}
    used = set()
    for n in graph:
        for u in _uses_of(n):
            used.add(u.name)
    for n in graph:
        if n.op == "state" and n.name in used:
            t = n.owner
            owners[id(t)] = t
            if n.target == "array":
                guards.append((0, t, (n.shape, n.dtype)))
            else:
                guards.append((1, t, (n.shape, n.dtype)))
    for n in graph:  # a tensor whose .grad the program sets: its grad must start as it did
        if n.op == "setgrad" and not any(g[0] == 1 and g[1] is n.owner for g in guards):
            owners[id(n.owner)] = n.owner
            guards.append((1, n.owner, n.value))
    # modules whose parameters or buffers the program reads: their training flags
    mods = [m for m in gc.get_objects() if issubclass(type(m), Module)]
    involved = []
    for m in mods:
        own = list(m._parameters.values()) + list(m._buffers.values())
        if any(p is not None and id(p) in owners for p in own):
            involved.append(m)
    roots = [m for m in mods if any(c in involved for c in m.modules())]
    flagged = {}
    for r in roots:
        for m in r.modules():
            flagged[id(m)] = m
    guards += [(2, m, m.training) for m in flagged.values()]
    # a parameter replaced by another object (``lin.weight = Parameter(...)``): re-trace
    guards += [(3, m, tuple(m._parameters.values()) + tuple(m._buffers.values()))
               for m in involved]
    return guards
