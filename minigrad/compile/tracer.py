"""Capture: run a call eagerly while recording every array computation into a Graph.

While tracing, every live Tensor's array (and gradient array) is swapped for a
:class:`Tracer`, a NumPy ``ndarray`` subclass sharing its memory. NumPy hands every
ufunc (operators, ``out=``, reductions) and every NumPy function that sees a Tracer to
``__array_ufunc__``/``__array_function__``; array methods and indexing are overridden
here. Each of them runs the real kernel on plain arrays, appends a node, and returns
Tracers, so whatever the ops, the engine and the optimizers compute on arrays is seen
without the core knowing. Reading data into Python (``float``, ``bool``, ``.item()``,
``.tolist()``, printing) raises :class:`GraphBreak`. Draws from minigrad's generator
are recorded as ``rng`` nodes; ``Optimizer.step`` hands itself over as an ``opaque``
node through the core's one hook, ``_State.recorder``. Everything is undone at the end.
"""
from __future__ import annotations

import gc
import sys
import threading
import traceback

import numpy as np

from ..autograd.grad_mode import _State
from ..tensor import Tensor
from .. import random as _random
from .ir import Graph, Node

_REC = None  # the active Recorder (one at a time)
_plain_view = np.ndarray.view


class GraphBreak(Exception):
    """The traced call read array data into Python (or did something else not capturable)."""

    def __init__(self, what, where=None):
        self.what, self.where = what, where or _user_line()
        # (code, line) of every frame on the stack, innermost first: where a compiled
        # function's own code was when it broke (minigrad.compile.split reads it)
        self.frames = _code_lines()
        super().__init__(f"{what} at {self.where}")


def _code_lines():
    out, f = [], sys._getframe(2)
    while f is not None:
        out.append((f.f_code, f.f_lineno))
        f = f.f_back
    return out


def _user_line():
    """'file:line' of the innermost frame outside minigrad (the user's line)."""
    for fs in reversed(traceback.extract_stack()):
        if "/minigrad/" not in fs.filename.replace("\\", "/") and "numpy" not in fs.filename:
            return f"{fs.filename}:{fs.lineno}"
    return "<unknown>"


def _plain(x):
    return _plain_view(x, np.ndarray) if isinstance(x, Tracer) else x


class Tracer(np.ndarray):
    """An ndarray whose operations are recorded while a Recorder is active."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        rec = _REC
        if rec is None or rec.paused:
            return _untraced(getattr(ufunc, method), inputs, kwargs)
        return rec.call((ufunc, method) if method != "__call__" else ufunc,
                        getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        rec = _REC
        if rec is None or rec.paused:
            return _untraced(func, args, kwargs)
        return rec.call(func, func, args, kwargs)

    @property
    def base(self):  # the plain array's own base: a fresh result is not a view
        b = np.ndarray.base.__get__(self)
        return b.base if isinstance(b, np.ndarray) and _REC is not None and \
            _REC.plain_of.get(id(self)) is b else b

    @property
    def T(self):
        return self.transpose()

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self):
        _data_read("printing an array")
        return repr(_plain(self))

    __str__ = __repr__


def _untraced(fn, args, kwargs):
    return fn(*_unwrap(args), **_unwrap(kwargs))


def _unwrap(x):
    t = type(x)
    if t is Tracer:
        return _plain_view(x, np.ndarray)
    if t is tuple or t is list:
        return t(_unwrap(v) for v in x)
    if t is dict:
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def _method(name):
    base = getattr(np.ndarray, name)

    def m(self, *args, **kwargs):
        rec = _REC
        if rec is None or rec.paused:
            return base(_plain(self), *_unwrap(args), **_unwrap(kwargs))
        return rec.call(name, base, (self,) + args, kwargs, method=True)

    m.__name__ = name
    return m


for _n in ("reshape", "view", "transpose", "astype", "copy", "ravel", "flatten", "squeeze", "swapaxes",
           "fill", "argmax", "argmin", "argsort", "sort", "take", "put", "repeat", "nonzero",
           "dot", "clip", "max", "min", "sum", "mean", "prod", "any", "all", "cumsum", "cumprod",
           "var", "std", "round", "conj", "diagonal", "searchsorted", "partition",
           "argpartition", "compress", "__getitem__", "__setitem__"):
    setattr(Tracer, _n, _method(_n))


# the Tensor API call a data read came through, innermost user-facing one wins
_API = {"tensor_repr": "printing a tensor", "__format__": "formatting a tensor",
        "__bool__": "bool() of a tensor (Python control flow on a tensor's value?)",
        "__float__": "float(tensor)", "__int__": "int(tensor)", "__index__": "a tensor as an index",
        "item": "Tensor.item()", "tolist": "Tensor.tolist()"}


def _tensor_api(what):
    """Name the data read after the outermost minigrad Tensor API call it came through."""
    f = sys._getframe(2)
    found = what
    while f is not None:
        name = f.f_code.co_filename.replace("\\", "/")
        if "/minigrad/" not in name:
            break
        if "/minigrad/compile/" not in name and f.f_code.co_name in _API:
            found = _API[f.f_code.co_name]
        f = f.f_back
    return found


def _data_read(what):
    rec = _REC
    if rec is not None and not rec.paused:
        rec.graph_break(GraphBreak(_tensor_api(what)))


def _reader(name, what):
    base = getattr(np.ndarray, name)
    checkable = name in CHECKED

    def m(self, *args, **kwargs):
        v = base(_plain(self), *args, **kwargs)
        rec = _REC
        if rec is not None and not rec.paused:
            if checkable and _in_library(sys._getframe(1)):
                rec.check(self, CHECKED[name], v)
            else:
                _data_read(what)
        return v

    m.__name__ = name
    return m


# a number read by minigrad itself (a bounds or shape check, not the user's control flow) is
# specialised: the program records a ``check`` node that compares it at every replay
CHECKED = {"__bool__": "bool", "__int__": "int", "__index__": "_index", "__float__": "float"}


def _in_library(frame):
    f = frame.f_code.co_filename.replace("\\", "/")
    return "/minigrad/" in f and "/minigrad/compile/" not in f


for _n, _what in (("__float__", "float(array)"), ("__int__", "int(array)"),
                  ("__bool__", "bool(array)"), ("__index__", "using an array as an index"),
                  ("__complex__", "complex(array)"), ("item", ".item()"),
                  ("tolist", ".tolist()"), ("tobytes", ".tobytes()")):
    setattr(Tracer, _n, _reader(_n, _what))


def _uses_list(x):
    from .codegen import _uses

    return _uses(x, [])


def _layout(a):
    return (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype)


class _RngProxy:
    """Stands in for ``default_generator._rng`` while tracing: draws become ``rng`` nodes."""

    def __init__(self, rec, rng):
        self._rec, self._rng = rec, rng

    def __getattr__(self, name):
        fn = getattr(self._rng, name)
        if not callable(fn):
            return fn

        def draw(*args, **kwargs):
            rec = self._rec
            if rec.paused or _REC is not rec:
                return fn(*args, **kwargs)
            return rec.call(name, fn, args, kwargs, kind="rng")

        return draw


# NumPy functions that make arrays from Python values alone (no array argument, so no
# __array_function__ dispatch): while tracing they are replaced in the numpy namespace, and a
# call made by the traced thread returns a recorded Tracer. Scratch buffers (np.empty) and
# the views the ops write through ``out=`` are then followed like any other value, and a
# replay allocates them afresh. ``as_strided`` is wrapped for the same reason: it builds
# its view through ``__array_interface__``, which NumPy does not dispatch.
_CREATORS = ("empty", "zeros", "ones", "full", "arange", "eye", "identity", "tri")
# conversions that NumPy does not dispatch either and that return a plain ndarray (a copy
# when the layout differs): recorded when their argument is traced
_CONVERTERS = ("array", "asarray", "ascontiguousarray", "asfortranarray")
_stride_tricks = np.lib.stride_tricks


def _creator(fn):
    def make(*args, **kwargs):
        rec = _REC
        if rec is None or rec.paused or threading.get_ident() != rec.thread:
            return fn(*args, **kwargs)
        return rec.call(fn, fn, args, kwargs)

    make.__name__ = fn.__name__
    make.__wrapped__ = fn
    return make


def _strided(fn):
    def converted(x, *args, **kwargs):
        rec = _REC
        if rec is None or rec.paused or threading.get_ident() != rec.thread or \
                type(x) is not Tracer:
            return fn(_plain(x), *args, **kwargs)
        return rec.call(fn, fn, (x,) + args, kwargs)

    converted.__name__ = fn.__name__
    converted.__wrapped__ = fn
    return converted


def _exported(fn):
    what = "Tensor.numpy()" if fn.__name__ == "numpy" else "converting a Tensor to a NumPy array"

    def export(self, *args, **kwargs):
        a = self.array
        rec = _REC
        if type(a) is not Tracer or rec is None or rec.paused or \
                threading.get_ident() != rec.thread:
            return fn(self, *args, **kwargs)
        _data_read(what)
        self.array = _plain(a)  # the plain array: the library's type checks pass
        try:
            return fn(self, *args, **kwargs)
        finally:
            self.array = a

    export.__name__ = fn.__name__
    export.__wrapped__ = fn
    return export


class Recorder:
    """Traces one call into ``self.graph``; use as a context manager around the call."""

    def __init__(self, args, fullgraph=False):
        self.fullgraph = fullgraph
        self.broken = None  # the first GraphBreak, if any
        self.graph = Graph()
        self.args = args
        self.paused = False
        self.vals = {}  # id(Tracer or plain array) -> Node
        self.keep = []  # every traced array, so ids stay unique during the trace
        self.plain_of = {}  # id(Tracer) -> its plain view
        self.swapped = []  # (tensor, original array) to restore
        self.grad_owner = {}  # id(grad Tensor) -> owner Tensor
        self.grads = {}  # owner Tensor -> grad Tensor at entry / last sync
        self.consts = []
        self.entry_grad = {}  # id(owner) -> None or (shape, dtype) of its .grad at entry
        self.owners = []  # tensors that existed before the call (not themselves a .grad)

    # ---- entering and leaving -------------------------------------------------------
    def __enter__(self):
        global _REC
        if _REC is not None:
            raise RuntimeError("minigrad.compile: a compiled function was called while another "
                               "call was being traced (nested compiled calls are not supported)")
        gc.collect()
        arg_ids = {id(a): i for i, a in enumerate(self.args) if isinstance(a, Tensor)}
        types = _tensor_types()
        self.entry_tensors = [o for o in gc.get_objects() if type(o) in types]
        grads = set()
        for t in self.entry_tensors:
            if t.grad is not None:
                grads.add(id(t.grad))
        for t in self.entry_tensors:
            if id(t) in grads:
                continue
            i = arg_ids.get(id(t))
            self._swap(t, "input" if i is not None else "state", i if i is not None else "array",
                       t)
            g = t.grad
            self.grads[id(t)] = g
            self.entry_grad[id(t)] = None if g is None else (g.shape, g.array.dtype)
            self.owners.append(t)
            if g is not None and type(g.array) is np.ndarray:
                self._swap(g, "state", "grad", t)
        # gc's order changes when a collection moves objects between generations: sort,
        # so that two traces record their setgrad nodes in the same order
        self.owners.sort(key=lambda t: (arg_ids.get(id(t), len(arg_ids)), id(t)))
        self.rng_real = _random.default_generator._rng
        _random.default_generator._rng = _RngProxy(self, self.rng_real)
        self.prev_recorder = _State.recorder
        _State.recorder = self
        self.thread = threading.get_ident()
        self.patched = [(np, name, getattr(np, name)) for name in _CREATORS]
        for name in _CONVERTERS:
            self.patched.append((np, name, getattr(np, name)))
        self.patched.append((_stride_tricks, "as_strided", _stride_tricks.as_strided))
        for mod, name, fn in self.patched:
            setattr(mod, name, _creator(fn) if name in _CREATORS else _strided(fn))
        # handing the raw array to the user (t.numpy(), np.asarray(t)) is a graph break:
        # whatever is done with it afterwards is not seen
        for name in ("numpy", "__array__"):
            fn = Tensor.__dict__[name]
            self.patched.append((Tensor, name, fn))
            setattr(Tensor, name, _exported(fn))
        _REC = self
        return self

    def _swap(self, t, op, target, owner):
        a = t.array
        if type(a) is not np.ndarray:
            return
        tr = _plain_view(a, Tracer)
        node = self.graph.add(op, target, shape=a.shape, dtype=a.dtype)
        node.owner = owner if op == "state" else None  # an input is args[target], any tensor
        self._register(tr, a, node)
        t.array = tr
        self.swapped.append((t, a, tr))

    def __exit__(self, *exc):
        global _REC
        _REC = None
        _State.recorder = self.prev_recorder
        for mod, name, fn in self.patched:
            setattr(mod, name, fn)
        if isinstance(_random.default_generator._rng, _RngProxy):
            _random.default_generator._rng = self.rng_real
        for t, a, tr in self.swapped:
            if t.array is tr:
                t.array = a
        # tensors created during the call that outlive it hold Tracers: give them plain arrays
        types = _tensor_types()
        for o in gc.get_objects():
            if type(o) in types and type(o.array) is Tracer:
                o.array = self.plain_of.get(id(o.array), None) if id(o.array) in self.plain_of \
                    else _plain_view(o.array, np.ndarray)
        return False

    # ---- values ----------------------------------------------------------------------
    def _register(self, tr, plain, node):
        self.vals[id(tr)] = node
        self.vals[id(plain)] = node
        self.plain_of[id(tr)] = plain
        self.keep.append((tr, plain))

    def wrap(self, y, node):
        if isinstance(y, np.generic):
            y = np.asarray(y)
            node.scalar = True
        tr = _plain_view(y, Tracer)
        node.shape, node.dtype = y.shape, y.dtype
        self._register(tr, y, node)
        return tr

    def ref(self, x):
        """The graph reference for an operand: a Node for arrays, the object otherwise."""
        t = type(x)
        if t is Tracer or t is np.ndarray:
            n = self.vals.get(id(x))
            if n is not None:
                return n
            # a Tracer kept from an earlier trace (a cache filled during it), or an
            # untraced view of a traced array (``_const`` tells them apart)
            return self._const(x)
        if t is tuple or t is list:
            return t(self.ref(v) for v in x)
        if t is dict:
            return {k: self.ref(v) for k, v in x.items()}
        if t is slice:
            return slice(self.ref(x.start), self.ref(x.stop), self.ref(x.step))
        if isinstance(x, np.ndarray):
            raise GraphBreak(f"an array of type {t.__name__}")
        if isinstance(x, Tensor):
            raise GraphBreak("a Tensor passed to a NumPy function")
        return x

    def _const(self, x):
        base = x.base
        while isinstance(base, np.ndarray):
            n = self.vals.get(id(base))
            if n is not None:  # np.asarray(traced): the same memory and layout is that node
                if _layout(x) == _layout(base):
                    self.vals[id(x)] = n
                    self.keep.append((x, base))
                    return n
                raise GraphBreak("an untraced view of a traced array")
            base = np.ndarray.base.__get__(base)
        node = self.graph.add("const", shape=x.shape, dtype=x.dtype)
        node.value = _plain(x).copy()
        node.owner = x  # the object itself: a second trace tells a live array from a temporary
        self._register(x, x, node)
        self.consts.append(node)
        return node

    # ---- recording ---------------------------------------------------------------------
    def graph_break(self, err):
        """Stop recording (the call goes on eagerly), or raise under fullgraph=True."""
        if self.fullgraph:
            raise err
        if self.broken is None:
            self.broken = err
        self.paused = True

    def call(self, target, fn, args, kwargs, method=False, kind=None):
        try:
            return self._call(target, fn, args, kwargs, method, kind)
        except GraphBreak as e:
            self.graph_break(e)
            return _untraced(fn, args, kwargs)

    def _call(self, target, fn, args, kwargs, method, kind):
        first_new = len(self.graph.nodes)
        rargs = self.ref(tuple(args))
        rkw = self.ref(dict(kwargs))
        out = kwargs.get("out")
        self.paused = True  # NumPy's own Python code calling np.zeros etc. is not recorded
        uargs = _unwrap(args)
        try:
            y = fn(*uargs, **_unwrap(kwargs))
        finally:
            self.paused = False
        if out is None and isinstance(y, np.ndarray):
            for a, u in zip(args, uargs):
                if u is y and type(a) is Tracer:  # eager gets the same array back (as from
                    return a  # astype(copy=False)): so does the trace, with no node
        op = kind or ("method" if method else "call")
        mutates = None
        if out is not None:
            outs = out if isinstance(out, tuple) else (out,)
            mutates = self.ref(outs[0])
            if mutates.op == "const" and self.graph.nodes.index(mutates) >= first_new and \
                    not any(u is mutates for u in _uses_list(rargs)):
                mutates.value = None  # first seen as an out= buffer: its contents are unused
            if len(outs) == 1:
                node = self.graph.add(op, target, rargs, rkw, mutates=mutates)
                node.shape, node.dtype = mutates.shape, mutates.dtype
                self.vals[id(outs[0])] = mutates  # the out array keeps its node
                return outs[0] if isinstance(out, tuple) else out
            raise GraphBreak(f"{self._tname(target)} with several out= arrays")
        if target == "__setitem__" or target == "fill" or target == "put" or target == "sort" \
                or (op == "call" and isinstance(target, tuple) and target[1] == "at"):
            mutates = rargs[0]
            self.graph.add(op, target, rargs, rkw, mutates=mutates)
            return y
        if isinstance(y, (np.ndarray, np.generic)):
            node = self.graph.add(op, target, rargs, rkw)
            if isinstance(y, np.ndarray) and y.base is not None:
                node.view_of = self._view_root(y, args)
            return self.wrap(y, node)
        if isinstance(y, (tuple, list)) and y and all(isinstance(v, np.ndarray) for v in y):
            node = self.graph.add(op, target, rargs, rkw)
            node.shape = None
            res = []
            for i, v in enumerate(y):
                item = self.graph.add("method", "__getitem__", (node, i))
                res.append(self.wrap(v, item))
            return type(y)(res)
        if y is None and rargs and isinstance(rargs[0], Node):  # np.copyto, put_along_axis...
            self.graph.add(op, target, rargs, rkw, mutates=rargs[0])
            return y
        return y  # metadata (np.shape, may_share_memory, result_type): not data

    def _view_root(self, y, args):
        """The input node ``y`` is a view of (so writes through y reach that input), or None."""
        for a in args:
            if isinstance(a, np.ndarray) and np.may_share_memory(y, _plain(a)):
                return self.vals.get(id(a))
        return None

    @staticmethod
    def _tname(t):
        return getattr(t, "__name__", str(t))

    def extra_input(self, array):
        """A Tracer for ``array`` recorded as one more ``input`` (the program's seed
        gradients, when a module's backward is captured)."""
        n = sum(1 for x in self.graph.nodes if x.op == "input" and isinstance(x.target, int))
        node = self.graph.add("input", len(self.args) + n, shape=array.shape, dtype=array.dtype)
        tr = _plain_view(array, Tracer)
        self._register(tr, array, node)
        return tr

    def check(self, x, conv, value):
        """Record that the library read ``conv(x) == value`` (a replay re-checks it)."""
        try:
            n = self.graph.add("check", conv, (self.ref(x), value))
        except GraphBreak as e:
            self.graph_break(e)
            return
        n.shape, n.dtype = None, None

    def function(self, ctx, args, kwargs, out):
        """An op was recorded on the tape: its arrays are already traced, nothing to add."""

    def opaque(self, fn, *args):
        """Run ``fn(*args)`` now (untraced) and record a node that calls it again on replay."""
        self.sync()
        self.paused = True
        try:
            r = fn(*args)
        finally:
            self.paused = False
        if r is not None:
            self.graph_break(GraphBreak(f"{getattr(fn, '__qualname__', fn)} returned a value"))
        self.graph.add("opaque", fn, args)
        return r

    def sync(self):
        """Record ``setgrad`` for every tensor whose ``.grad`` changed since the last sync."""
        for t in self.owners:
            g = t.grad
            if g is self.grads[id(t)]:
                continue
            if g is None:
                n = self.graph.add("setgrad", None, (None,))
            else:
                n = self.graph.add("setgrad", None, (self.ref(g.array),))
            n.owner = t
            n.value = self.entry_grad[id(t)]  # what the guard checks before a replay
            self.grads[id(t)] = g

    def output(self, result):
        """Record the call's return value: Tensors, None and (nested) tuples/lists of them."""
        if self.broken is not None:
            return
        self.paused = False
        try:
            self.sync()
        except GraphBreak as e:
            self.graph_break(e)
            return

        def walk(x):
            if isinstance(x, Tensor):
                if x._ctx is not None and x._ctx.parents is not None:  # a live graph
                    raise GraphBreak("returning a tensor with autograd history (a replay's "
                                     "results have none): compile the whole training step")
                return ("T", self.ref(x.array))
            if x is None or isinstance(x, (bool, int, float, str)):
                return ("L", x)
            if isinstance(x, (tuple, list)):
                return (type(x).__name__, tuple(walk(v) for v in x))
            raise GraphBreak(f"returning a {type(x).__name__}")

        try:
            self.graph.add("output", None, (walk(result),))
        except GraphBreak as e:
            self.graph_break(e)

    def finish(self):
        """Keep only the inputs and states the program reads, in order of first use (so two
        traces of one program list them alike), and name nodes by position."""
        from .codegen import _uses

        reads, rest = {}, []
        for n in self.graph.nodes:
            if n.op in ("input", "state"):
                continue
            for u in _uses((n.args, n.kwargs), []) + ([n.mutates] if n.mutates else []):
                if u.op in ("input", "state"):
                    reads.setdefault(id(u), u)
            rest.append(n)
        self.graph.nodes = list(reads.values()) + rest
        for i, n in enumerate(self.graph.nodes):
            n.name = f"v{i}"

    def leaked_tensors(self, skip=()):
        """Tensors created during the call, still alive, not returned and not a .grad."""
        entry = {id(t) for t in self.entry_tensors}
        known = {id(t.grad) for t in self.entry_tensors if t.grad is not None}
        types = _tensor_types()

        def scan():
            return [o for o in gc.get_objects() if type(o) in types and id(o) not in entry
                    and id(o) not in known and type(o.array) is Tracer and id(o) not in skip]

        # one scan of the heap; a full collection (as costly again on a large heap) only
        # when it finds candidates, to drop those that are unreachable garbage
        found = scan()
        if found:
            del found
            gc.collect()
            found = scan()
        return found


def _tensor_types() -> set:
    """Tensor and every subclass defined so far (a set lookup per heap object is several
    times cheaper than ``issubclass``)."""
    out, todo = set(), [Tensor]
    while todo:
        c = todo.pop()
        if c not in out:
            out.add(c)
            todo.extend(c.__subclasses__())
    return out


def active():
    return _REC


__all__ = ["GraphBreak", "Recorder", "Tracer", "Node"]
