"""``minigrad.compile(module)``: forward and backward as two recorded programs, one autograd node.

With gradients needed, the first two calls with given guards trace a *joint* call: the
module's forward, then ``autograd.grad`` of its outputs with respect to the inputs and
parameters that require grad, seeded by gradient arrays that are program inputs. The
recording is cut where the forward ends: the nodes before the cut become the forward
program (it returns the outputs and the intermediates the backward reads), the rest the
backward program (it takes those intermediates and the output gradients, and returns one
gradient per differentiable tensor). A replay applies one custom ``Function`` whose
forward and backward run these programs, so an ordinary eager loop (``loss.backward()``,
any optimizer, gradient clipping) works around it. Without gradients (``no_grad``, or
nothing requires grad) the forward is compiled as a plain function.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..tensor import Tensor
from .codegen import generate
from .dynamic import batch_key, batch_map, batch_of, generalize
from .ir import Graph
from .tracer import GraphBreak, Recorder


class _Joint:
    """One traced forward+backward: the graph and where the forward ends."""

    def __init__(self, graph, cut, n_out, n_diff, saved=None):
        self.graph, self.cut, self.n_out, self.n_diff = graph, cut, n_out, n_diff
        self.saved = saved


class _CompiledCall(Function):
    """The autograd node of a compiled module call: forward and backward are programs."""

    @staticmethod
    def forward(ctx, prog, args, *diff):
        res = prog.fwd(args)
        n = prog.n_out
        ctx.prog, ctx.args, ctx.saved = prog, args, res[n:]
        outs = tuple(Tensor._wrap(a) for a in res[:n])
        return outs[0] if prog.single else outs

    @staticmethod
    def backward(ctx, *gys):
        grads = ctx.prog.bwd(ctx.args, list(ctx.saved) + [g.array for g in gys])
        ctx.saved = None
        return (None, None) + tuple(None if g is None else Tensor._wrap(g) for g in grads)


class _ModuleProgram:
    def __init__(self, joint, live, guards, single, fuse=False, batch=None):
        from . import _Program

        g = joint.graph
        nodes = [n for n in g if n.op not in ("input", "state", "output")]
        reads = [n for n in g if n.op in ("input", "state")]
        fwd_nodes, bwd_nodes = nodes[:joint.cut], nodes[joint.cut:]
        fwd_set = set(map(id, fwd_nodes))
        outs, gouts, grads = joint.saved
        saved, seen = [], set()
        for n in bwd_nodes + [_Refs([v for v in grads if v is not None])]:
            for u in _refs(n):
                if id(u) in fwd_set and id(u) not in seen:
                    seen.add(id(u))
                    saved.append(u)
        fg = Graph()
        fg.nodes = reads + fwd_nodes
        out = fg.add("output", None, (("tuple", tuple(("A", v) for v in list(outs) + saved)),))
        out.name = "v_out"
        bg = Graph()
        bg.nodes = [r for r in reads if not any(r is s for s in gouts)] + bwd_nodes
        back = bg.add("output", None, (("tuple", tuple(
            ("L", None) if v is None else ("A", v) for v in grads)),))
        back.name = "v_back"
        self.graph = g
        self.fwd_code, self.fwd = generate(fg, live, fuse=fuse, batch=batch)
        self.bwd_code, self.bwd = generate(bg, live, params=saved + list(gouts), fuse=fuse,
                                           batch=batch)
        self.code = f"# forward\n{self.fwd_code}\n# backward\n{self.bwd_code}"
        self.n_out, self.single = len(outs), single
        self.guards = _Program(g, self.code, None, guards)


class _Refs:  # the backward program's results, as a node-like holder of references
    def __init__(self, nodes):
        self.args, self.kwargs, self.mutates = tuple(nodes), {}, None


def _refs(n):
    from .codegen import _uses

    return _uses((n.args, n.kwargs), []) + ([n.mutates] if n.mutates is not None else [])


class CompiledModule:
    """A module whose calls run recorded programs; everything else is the module's.

    Attributes:
        graph, code: the last joint recording and its generated forward and backward.
    """

    def __init__(self, module, fullgraph=False, mode=None, disable=False, dynamic=False):
        from . import CompiledFunction

        object.__setattr__(self, "_orig_mod", module)
        object.__setattr__(self, "_opts", (fullgraph, mode, disable, bool(dynamic)))
        object.__setattr__(self, "_plain", CompiledFunction(
            lambda *a: module(*a), fullgraph=fullgraph, mode=mode, disable=disable,
            dynamic=dynamic))
        object.__setattr__(self, "_cache", {})
        object.__setattr__(self, "_pending", {})
        object.__setattr__(self, "_eager", set())
        object.__setattr__(self, "_last", None)
        object.__setattr__(self, "_generic", {})  # batch-free key -> generic program or None
        object.__setattr__(self, "_exemplar", {})  # batch-free key -> (joint, dims)

    def __getattr__(self, name):
        return getattr(self._orig_mod, name)

    def __setattr__(self, name, value):
        setattr(self._orig_mod, name, value)

    def __repr__(self):
        return f"CompiledModule({self._orig_mod!r})"

    @property
    def graph(self):
        return self._last.graph if self._last is not None else self._plain.graph

    @property
    def code(self):
        return self._last.code if self._last is not None else self._plain.code

    def __call__(self, *args, **kwargs):
        mod = self._orig_mod
        import os

        if self._opts[2] or os.environ.get("MINIGRAD_COMPILE", "1") == "0" or kwargs:
            return mod(*args, **kwargs)
        params = [p for p in mod.parameters() if p.requires_grad]
        targs = [a for a in args if isinstance(a, Tensor)]
        if not _State.enabled or not (params or any(a.requires_grad for a in targs)):
            return self._plain(*args)
        base = self._plain._key(args, {})
        if base is None:
            return mod(*args)
        key = base + (tuple(p.requires_grad for p in mod.parameters()),)
        if key in self._eager:
            return mod(*args)
        diff = [a for a in targs if a.requires_grad] + params
        for prog in self._cache.get(key, ()):
            if prog.guards.check():
                object.__setattr__(self, "_last", prog)
                return _CompiledCall.apply(prog, args, *diff)
        if self._opts[3]:
            bkey, dims = self._batch_key(key, args)
            prog = self._generic.get(bkey)
            if prog is not None and batch_of(dims, *prog.batch) is not None and \
                    prog.guards.check():
                object.__setattr__(self, "_last", prog)
                return _CompiledCall.apply(prog, args, *diff)
        return self._trace(key, args, diff)

    @staticmethod
    def _batch_key(key, args):
        bkey, dims = batch_key(key[:-1], args)
        return bkey + key[-1:], dims

    def _generalize(self, key, args, joint, single):
        """With a program compiled at another batch size, make ``joint`` (just traced) a
        batch-generic forward and backward (see ``dynamic.py``); True if it now is one."""
        bkey, dims = self._batch_key(key, args)
        ex = self._exemplar.get(bkey)
        if ex is None or bkey in self._generic:
            return False
        bmap = batch_map(ex[1], dims)
        live = None
        if bmap is not None and ex[0].cut == joint.cut and ex[0].n_out == joint.n_out:
            live = generalize(ex[0].graph, joint.graph, bmap[2], bmap[3])
        if live is None:
            self._generic[bkey] = None  # not batch-generic: every batch size is traced
            return False
        from . import _guards

        prog = _ModuleProgram(joint, live, _guards(joint.graph), single,
                              fuse=self._opts[1] != "nofuse", batch=bmap[1])
        prog.batch = (bmap[0], bmap[1], dims)
        self._generic[bkey] = prog
        object.__setattr__(self, "_last", prog)
        return True

    def _trace(self, key, args, diff):
        from ..autograd.engine import grad as _grad
        from . import _compare, _guards

        mod = self._orig_mod
        rec = Recorder(args, fullgraph=self._opts[0])
        single = True
        out = None
        with rec:
            out = mod(*args)
            single = isinstance(out, Tensor)
            outs = (out,) if single else out
            ok = isinstance(outs, tuple) and outs and all(
                isinstance(o, Tensor) and o.requires_grad for o in outs)
            if not ok:
                rec.graph_break(GraphBreak("a module output that is not a Tensor (or a flat "
                                           "tuple of Tensors) requiring grad"))
            if rec.broken is None:
                cut = len(rec.graph.nodes)
                gouts = [rec.extra_input(np.ones(o.shape, o.array.dtype)) for o in outs]
                grads = _grad(list(outs), diff, [Tensor._wrap(g) for g in gouts],
                              retain_graph=True, allow_unused=True)
                try:
                    out_nodes = [rec.ref(o.array) for o in outs]
                    grad_nodes = [None if g is None else rec.ref(g.array) for g in grads]
                    gout_nodes = [rec.ref(g) for g in gouts]
                except GraphBreak as e:
                    rec.graph_break(e)
        if rec.broken is None:
            first_rest = [n for n in rec.graph.nodes if n.op not in ("input", "state")]
            marker = first_rest[_rest_index(rec.graph.nodes, cut)] if cut < len(
                rec.graph.nodes) else None
            rec.finish()
            rest = [n for n in rec.graph.nodes if n.op not in ("input", "state", "output")]
            cut = rest.index(marker) if marker is not None else len(rest)
        if rec.broken is not None:
            self._eager.add(key)
            warnings.warn(f"minigrad.compile: graph break in {type(mod).__name__}.forward "
                          f"({rec.broken.what} at {rec.broken.where}); running it eagerly",
                          RuntimeWarning, stacklevel=3)
            return out
        joint = _Joint(rec.graph, cut, len(out_nodes), len(diff),
                       (out_nodes, gout_nodes, grad_nodes))
        if self._opts[3] and self._generalize(key, args, joint, single):
            return out
        first = self._pending.pop(key, None)
        if first is None:
            self._pending[key] = joint
            return out
        live = _compare(first.graph, joint.graph) if first.cut == joint.cut else None
        if live is None:
            self._eager.add(key)
            warnings.warn(f"minigrad.compile: {type(mod).__name__}.forward records a different "
                          "program on every call; running it eagerly", RuntimeWarning,
                          stacklevel=3)
            return out
        prog = _ModuleProgram(joint, live, _guards(joint.graph), single,
                              fuse=self._opts[1] != "nofuse")
        self._cache.setdefault(key, []).append(prog)
        object.__setattr__(self, "_last", prog)
        if self._opts[3]:
            bkey, dims = self._batch_key(key, args)
            self._exemplar.setdefault(bkey, (joint, dims))
        return out


def _rest_index(nodes, cut):
    """Index among non-input/state nodes of the first node at or after position ``cut``."""
    return sum(1 for n in nodes[:cut] if n.op not in ("input", "state"))
