"""Op-level capture: one IR node per ``Function`` application (what ONNX export reads).

The array-level tracer (:mod:`.tracer`) sees NumPy calls; exporters and graph drawing need
the ops themselves: which ``Function`` ran, on which values, with which attributes. The
core announces every op it records on the tape to ``_State.recorder.function(ctx, args,
kwargs, out)`` (the same slot the array-level tracer uses; one attribute read, and only
on the recording path). :class:`OpRecorder` turns those calls into a :class:`~.ir.Graph`
of ``input``/``param``/``const``/``function``/``output`` nodes (see :mod:`.ir`).

Only ops recorded on the tape are announced, so :func:`trace_ops` makes every value it
must follow record: the inputs are fresh copies marked ``requires_grad`` (integer ones
too: no backward ever runs on them, and this makes ops on token ids record as well; each
is a clone, not a leaf, so the model may modify it in place as it may its real input),
and the parameters (and, unless folded, the buffers) are marked for the duration of the
call. Work on values that derive from none of them (a causal mask built from sizes, the
running statistics of a batch norm when folding) runs untraced and is seen as a constant:
minigrad's own constant folding. Comparisons, logical ops and ``isnan``-style tests on
traced values are recorded too (as ``Logic`` nodes: the core routes them through a
``Function`` while a recorder with ``follows_masks`` is active), so masks computed from the
input are part of the graph. Values computed outside any ``Function`` (``argmax``,
``.item()``) look like constants; :func:`check_same_program` compares two traces on
different inputs to catch a constant that depends on the input.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd.grad_mode import _State, enable_grad
from ..ops.indexing import _Index
from ..tensor import Tensor
from .ir import Graph, Node

__all__ = ["OpRecorder", "trace_ops", "flatten_tensors", "check_same_program"]


class OpRecorder:
    """Collects the op-level graph of one call; use as a context manager around it."""

    # Comparisons, logical ops and float tests on traced values run as recorded ``Logic``
    # ops while this recorder is active (eager code computes them on the arrays), so a
    # mask computed from the input is a node of the graph, not a constant.
    follows_masks = True

    def __init__(self):
        self.graph = Graph()
        self.by_ctx = {}  # id(Function node) -> Node of its output
        self.by_id = {}  # id(Tensor or raw array) -> Node (inputs, params, op results)
        self.keep = []  # everything whose id is a key above, so ids stay unique
        self.scopes = [""]
        self.prev = None

    def __enter__(self):
        if _State.recorder is not None:
            raise RuntimeError("an op-level capture cannot run inside another capture "
                               "(minigrad.compile or ONNX export already tracing)")
        self.prev_enabled = _State.enabled
        _State.recorder, _State.enabled = self, True
        return self

    def __exit__(self, *exc):
        _State.recorder, _State.enabled = None, self.prev_enabled
        return False

    # ---- values ------------------------------------------------------------------------
    def _register(self, obj, node):
        self.by_id[id(obj)] = node
        self.keep.append(obj)
        if isinstance(obj, Tensor):
            self.by_id[id(obj.array)] = node
            self.keep.append(obj.array)

    def add_input(self, t: Tensor, index: int) -> Node:
        n = self.graph.add("input", index, shape=tuple(t.shape), dtype=t.array.dtype)
        n.owner = t
        self._register(t, n)
        if t._ctx is not None:  # a clone: an in-place op's stand-in carries this node
            self.by_ctx[id(t._ctx)] = n
            self.keep.append(t._ctx)
        return n

    def add_param(self, t: Tensor, name: str) -> Node:
        n = self.graph.add("param", name, shape=tuple(t.shape), dtype=t.array.dtype)
        n.owner = t
        self._register(t, n)
        return n

    def ref(self, x):
        """The Node a Tensor or array refers to (a new ``const`` if it is not traced);
        containers are mapped element by element, anything else is kept as it is."""
        if isinstance(x, Tensor):
            c = x._ctx
            if c is not None and id(c) in self.by_ctx:  # also an in-place op's stand-in
                return self.by_ctx[id(c)]
            n = self.by_id.get(id(x))
            if n is None:
                n = self.by_id.get(id(x.array))
            return n if n is not None else self._const(x, x.array)
        if isinstance(x, (np.ndarray, np.generic)) or hasattr(x, "__cuda_array_interface__"):
            n = self.by_id.get(id(x))
            return n if n is not None else self._const(x, x)
        if isinstance(x, _Index):
            return tuple(self.ref(k) for k in x.key)
        if type(x) in (tuple, list):
            return type(x)(self.ref(v) for v in x)
        if type(x) is dict:
            return {k: self.ref(v) for k, v in x.items()}
        return x

    def _const(self, obj, arr):
        a = np.array(backend.as_numpy(arr))  # a copy: the traced call may change it later
        n = self.graph.add("const", shape=a.shape, dtype=a.dtype)
        n.value = a
        self._register(obj, n)
        return n

    # ---- the hooks the core calls ------------------------------------------------------
    def function(self, ctx, args, kwargs, out):
        n = self.graph.add("function", type(ctx), tuple(self.ref(a) for a in args),
                           {k: self.ref(v) for k, v in kwargs.items()},
                           shape=tuple(out.shape), dtype=out.array.dtype)
        n.scope = self.scopes[-1]
        self.by_ctx[id(ctx)] = n
        self.keep.append(ctx)
        self._register(out, n)

    def opaque(self, fn, *args):
        return fn(*args)

    # ---- module scopes -----------------------------------------------------------------
    def watch_modules(self, model):
        """Tag each op with the dotted path of the innermost module running it; returns
        the hook handles (remove them when done)."""
        handles = []
        for name, m in model.named_modules():
            def pre(mod, a, name=name):
                self.scopes.append(name)

            def post(mod, a, out):
                self.scopes.pop()

            handles.append(m.register_forward_pre_hook(pre))
            handles.append(m.register_forward_hook(post))
        return handles


def flatten_tensors(obj, out=None):
    """The Tensors of a nested tuple/list/dict structure, in order."""
    out = [] if out is None else out
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            flatten_tensors(v, out)
    elif isinstance(obj, dict):
        for v in obj.values():
            flatten_tensors(v, out)
    return out


def _rebuild(obj, it):
    if isinstance(obj, Tensor):
        return next(it)
    if isinstance(obj, (tuple, list)):
        return type(obj)(_rebuild(v, it) for v in obj)
    if isinstance(obj, dict):
        return {k: _rebuild(v, it) for k, v in obj.items()}
    return obj


def trace_ops(model, args=(), kwargs=None, fold_buffers=True):
    """Run ``model(*args, **kwargs)`` once and return its op-level :class:`~.ir.Graph`.

    Args:
        model: a ``nn.Module`` (its parameters and buffers become ``param`` nodes named by
            ``named_parameters``/``named_buffers``) or any callable.
        args: the positional arguments; their Tensors (also inside tuples and lists)
            become ``input`` nodes in order.
        kwargs: keyword arguments (Tensors inside are inputs too, after ``args``).
        fold_buffers: leave buffers unmarked, so work on them alone is folded to
            constants (``do_constant_folding``); otherwise they are ``param`` nodes.

    Returns:
        The graph; ``graph.outputs`` is the returned structure, ``graph.output_nodes`` the
        Nodes of its Tensors.
    """
    kwargs = kwargs or {}
    tensors = flatten_tensors((args, kwargs))
    copies = []
    with enable_grad():
        for t in tensors:
            c = Tensor._wrap(t.array.copy())
            c.requires_grad = True  # any dtype: a leaf that is never differentiated
            copies.append(c.clone())  # not a leaf: the model may change it in place
    it = iter(copies)
    args2, kwargs2 = _rebuild((args, kwargs), it)
    marked = []
    rec = OpRecorder()
    named = list(model.named_parameters()) if hasattr(model, "named_parameters") else []
    if not fold_buffers and hasattr(model, "named_buffers"):
        named += list(model.named_buffers())
    handles = rec.watch_modules(model) if hasattr(model, "named_modules") else []
    try:
        for i, c in enumerate(copies):
            rec.add_input(c, i)
        for name, p in named:
            rec.add_param(p, name)
            marked.append((p, p.requires_grad))
            p.requires_grad = True
        with rec:
            out = model(*args2, **kwargs2)
            outs = flatten_tensors(out)
            nodes = [rec.ref(t) for t in outs]
    finally:
        for p, r in marked:
            p.requires_grad = r
        for h in handles:
            h.remove()
    g = rec.graph
    g.outputs = out
    g.output_nodes = nodes
    g.output_values = [np.array(backend.as_numpy(t.array)) for t in outs]
    g.add("output", args=tuple(nodes))
    return g


def check_same_program(g1, g2, what="the traced call"):
    """Raise if two traces of one call differ in structure, or in a constant of equal shape
    (such a constant was computed from the input outside any op). Returns the pairs of
    nodes, for callers that compare shapes and attributes (dynamic sizes)."""
    if len(g1.nodes) != len(g2.nodes) or any(
            (a.op, a.target) != (b.op, b.target) for a, b in zip(g1.nodes, g2.nodes)):
        raise RuntimeError(
            f"{what} records different ops when its inputs change (it branches on their "
            "values or sizes in Python), so it cannot be captured as one graph")
    for a, b in zip(g1.nodes, g2.nodes):
        if a.op == "const" and a.shape == b.shape and not np.array_equal(
                a.value, b.value, equal_nan=a.value.dtype.kind == "f"):
            raise RuntimeError(
                f"{what} uses a value of shape {a.shape} computed from its input outside "
                "minigrad's recorded ops (argmax, .numpy(), a Python number read from a "
                "tensor...), so the graph cannot follow it")
    return list(zip(g1.nodes, g2.nodes))
