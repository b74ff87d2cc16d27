"""The reverse walk over the tape: ``backward`` and ``grad``.

1. Nodes wait in a heap keyed by -seq; popping the latest pending node walks the tape in
   reverse order: a node's output gradient is complete once every later node has run.
   A node enters the heap when it first receives a gradient (no recursion anywhere).
2. Each node's gradient is popped from a dict as it is consumed (Chainer's GradTable),
   handed to its backward, and the input gradients are reduced to the input shapes
   here, once, for every op (ops never unbroadcast).
3. Unless ``retain_graph``, each node's saved buffers and edges are dropped right after
   it ran, so the graph is torn down iteratively as the walk goes.
4. ``grad(outputs, inputs)`` prunes the walk to nodes from which an input is reachable.
"""
from __future__ import annotations

import weakref
from heapq import heappop, heappush
from operator import attrgetter

from .function import _FREED_MSG, DelayedError, Function, _seq
from .grad_mode import _State

_by_seq = attrgetter("seq")


def _root_grads(tensors, grad_tensors, who):
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: expected Tensors as outputs, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn "
                "(did you create it under no_grad, detach it, or forget requires_grad=True?)"
            )
        if g is None:
            if t.array.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but the output has "
                    f"shape {tuple(t.shape)}: pass gradient= (a tensor of that shape), or reduce "
                    "the output first (e.g. loss.sum() or loss.mean())"
                )
            g = Tensor._wrap(t.xp.ones(t.shape, t.array.dtype))  # an array, also for 0-d
        else:
            if not isinstance(g, Tensor):
                g = Tensor._wrap(t.xp.asarray(g, dtype=t.array.dtype))
            if g.shape != t.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} and "
                    f"output[{i}] has a shape of {tuple(t.shape)}"
                )
        roots.append((t._ctx if t._ctx is not None else t, g))
    return roots


def _collect(roots):
    """All Function nodes reachable from the roots, in reverse tape order."""
    seen = set()
    stack = []
    for node, _ in roots:
        if isinstance(node, Function) and node not in seen:
            seen.add(node)
            stack.append(node)
    while stack:
        node = stack.pop()
        parents = node.parents
        if parents is None:
            raise RuntimeError(_FREED_MSG)
        for p in parents:
            if p is not None and not p._is_tensor and p not in seen:
                seen.add(p)
                stack.append(p)
    return sorted(seen, key=_by_seq, reverse=True)


def _prune(order, targets):
    """Nodes of ``order`` from which some target (node or leaf) is reachable."""
    useful = set()
    for node in reversed(order):  # ascending seq: parents first
        if node in targets or any(p in useful or (p is not None and p in targets) for p in node.parents):
            useful.add(node)
    return useful


# Post-accumulate-grad hooks of leaves, keyed by id(leaf): (weakref to the leaf, [hooks]).
# Kept here rather than on the Tensor so that tensors without hooks pay nothing.
_post_hooks: dict = {}


def register_post_accumulate_grad_hook(t, hook):
    """Call ``hook(t)`` right after a backward pass has accumulated ``t.grad`` (leaves only).

    The hook runs as soon as the walk has delivered every gradient ``t`` will receive
    (not at the end of the whole backward), so work on finished gradients, such as
    communicating them, can overlap the rest of the walk.
    """
    from .function import _RemovableHandle

    key = id(t)
    entry = _post_hooks.get(key)
    if entry is None or entry[0]() is not t:
        entry = _post_hooks[key] = (weakref.ref(t, lambda _, k=key: _post_hooks.pop(k, None)), [])
    entry[1].append(hook)
    return _RemovableHandle(entry[1], hook)


def _post_hooks_of(t):
    entry = _post_hooks.get(id(t))
    return entry[1] if entry is not None and entry[0]() is t and entry[1] else None


def _pending_leaves(roots):
    """For leaves with post-accumulate hooks: how many graph edges still feed each one."""
    counts = {}
    seen = set()
    stack = [node for node, _ in roots if not node._is_tensor]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for p in node.parents or ():
            if p is None:
                continue
            if not p._is_tensor:
                stack.append(p)
            elif _post_hooks_of(p) is not None:
                counts[p] = counts.get(p, 0) + 1
    return counts


def run_backward(roots, retain_graph, create_graph, targets=None):
    """Propagate ``roots`` [(node, grad)] backward.

    Without ``targets`` gradients accumulate into the ``.grad`` of leaves; with
    ``targets`` (a dict node -> None) they are returned in that dict instead and
    no ``.grad`` is touched.
    """
    grads: dict = {}
    owned: set = set()  # keys whose stored gradient no one else references
    # Nodes wait in a heap keyed by -seq: popping the latest pending node gives reverse
    # tape order, and a node is only popped once every later node that feeds it has run.
    heap = []
    for node, g in roots:
        old = grads.get(node)
        if old is not None:  # two outputs of one node: their gradients add up
            grads[node] = old + g if create_graph else _wrap(old.xp.asanyarray(old.array + g.array))
            continue
        grads[node] = g
        if not isinstance(node, Tensor):
            heappush(heap, (-node.seq, node))
    useful = _prune(_collect(roots), targets) if targets is not None else None
    # leaves whose post-accumulate hooks fire as soon as their gradient is complete
    pending = _pending_leaves(roots) if _post_hooks and targets is None else None

    anomaly = _State.anomaly
    # anything beyond a plain first-order backward() takes the general per-node path
    general = anomaly or create_graph or targets is not None
    prev = _State.enabled
    _State.enabled = create_graph
    _T = Tensor
    # The hot loop: gradient propagation and accumulation are inlined here (one node = one
    # iteration; at small sizes Python call overhead dominates the whole backward pass).
    try:
        while heap:
            node = heappop(heap)[1]
            if useful is not None and node not in useful:
                continue
            gy = grads.pop(node)
            parents = node.parents
            if parents is None:
                raise RuntimeError(_FREED_MSG)
            slow = node._slow
            if general or slow:
                gy, gxs = _run_node(node, gy, targets, create_graph, anomaly)
            elif node._reuses_gy and node in owned:
                gxs = node.backward_into(gy)  # no one else holds gy: reuse its array
            else:
                gxs = node.backward(gy)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            n = len(gxs)
            if n != len(parents):
                raise RuntimeError(
                    f"function {node.name()} returned {n} gradients, expected {len(parents)}"
                )
            # one tensor handed to two inputs must not be accumulated into in place
            shared = (n == 2 and gxs[0] is gxs[1]) or (n > 2 and _repeated(gxs))
            for p, gx in zip(parents, gxs):
                if p is None or gx is None:
                    continue
                if type(gx) is not _T and not isinstance(gx, _T):
                    _bad_grad_type(node, gxs, gx)
                gd = gx.array
                if p._is_tensor:  # a leaf; otherwise a Function
                    leaf = True
                    pd = p.array
                    shape, dtype = pd.shape, pd.dtype
                else:
                    leaf = False
                    if p.parents is None:  # reached a graph freed by an earlier backward
                        raise RuntimeError(_FREED_MSG)
                    shape, dtype = p.shape, p.dtype
                # may the engine accumulate into gx in place? Not if someone else can
                # hold it (a pass-through gy, a view, what a user Function returned)
                fresh = gx is not gy and gd.base is None and not slow
                if gd.shape != shape:
                    gx = _reduce_to(node, gxs, gx, shape)
                    fresh = True
                if gd.dtype is not dtype and gx.array.dtype != dtype:
                    gx = gx.to(Tensor._dtype_of(dtype))
                    fresh = True
                if shared and fresh and (n == 2 or id(gx) in shared):
                    fresh = False
                old = grads.get(p)
                if old is None:
                    grads[p] = gx
                    if fresh:
                        owned.add(p)
                    if not leaf:
                        heappush(heap, (-p.seq, p))
                elif create_graph:
                    grads[p] = old + gx
                elif p in owned:
                    old.array += gx.array
                else:
                    grads[p] = _wrap(old.xp.asanyarray(old.array + gx.array))  # 0-d: a scalar
                    owned.add(p)
            if pending:
                _finish_leaves(parents, pending, grads, owned, create_graph)
            if not retain_graph:  # free saved buffers and edges (``freed`` is then True)
                node.__dict__.clear()
    finally:
        _State.enabled = prev

    # what is left in ``grads`` belongs to leaves (or to pruned nodes)
    for key, g in grads.items():
        if not isinstance(key, Tensor):
            continue
        if targets is not None:
            if key in targets:
                targets[key] = g
            continue
        _accumulate_leaf(key, g, create_graph, key in owned)


def _accumulate_leaf(leaf, g, create_graph, fresh):
    """Run the leaf's tensor hooks, accumulate into ``.grad``, then its post hooks."""
    if leaf._hooks:
        for hook in leaf._hooks:
            r = hook(g)
            if r is not None:
                g, fresh = r, False  # the hook may keep what it returned
    _set_grad(leaf, g, create_graph, fresh)
    if _post_hooks:
        _run_post_hooks(leaf)


def _run_post_hooks(leaf):
    hooks = _post_hooks_of(leaf)
    if hooks is not None:
        for hook in tuple(hooks):
            hook(leaf)


def _finish_leaves(parents, pending, grads, owned, create_graph):
    """Count down the edges into hooked leaves; a leaf at zero has its final gradient."""
    for p in parents:
        n = pending.get(p)
        if n is None:
            continue
        if n > 1:
            pending[p] = n - 1
            continue
        del pending[p]
        g = grads.pop(p, None)
        if g is not None:
            _accumulate_leaf(p, g, create_graph, p in owned)


def _repeated(gxs):
    """ids of the gradients handed to more than one input (O(n), for ops of many inputs)."""
    seen, twice = set(), set()
    for g in gxs:
        if g is not None:
            i = id(g)
            if i in seen:
                twice.add(i)
            seen.add(i)
    return twice


def _run_node(node, gy, targets, create_graph, anomaly):
    """A node's backward off the fast path: hooks, retain_grad, grad() capture, anomaly
    mode, once-differentiable ops under create_graph, user Functions. Returns (gy, gxs)."""
    if node._slow or targets is not None:
        gy = _node_extras(node, gy, targets, create_graph)
    if anomaly:
        return gy, _run_anomaly(node, gy, create_graph)
    if create_graph and node.once_differentiable:
        return gy, _run_once_differentiable(node, gy)
    return gy, node._run_backward(gy) if node._slow else node.backward(gy)


def _node_extras(node, gy, targets, create_graph):
    """Tensor hooks, retain_grad and grad() capture for a node's output gradient."""
    if node._hooks:
        for hook in node._hooks:
            r = hook(gy)
            if r is not None:
                gy = r
    if node._retained is not None:
        t = node._retained()
        if t is not None:
            _set_grad(t, gy, create_graph, False)
    if targets is not None and node in targets:
        targets[node] = gy
    return gy


def _bad_grad_type(node, gxs, gx):
    i = next(j for j, o in enumerate(gxs) if o is gx)
    raise TypeError(
        f"function {node.name()} returned a gradient of type {type(gx).__name__} "
        f"for input {i}; expected a Tensor or None"
    )


def _reduce_to(node, gxs, gx, shape):
    """Sum a broadcast-shaped gradient down to its input's shape (once, for every op)."""
    try:
        return _sum_to(gx, shape)
    except ValueError:
        i = next(j for j, o in enumerate(gxs) if o is gx)
        raise RuntimeError(
            f"function {node.name()} returned an invalid gradient at index {i} - got "
            f"shape {tuple(gx.shape)} but expected shape compatible with {tuple(shape)}"
        ) from None


def _run_anomaly(node, gy, create_graph):
    """Run a node's backward in anomaly mode: errors get the forward stack, NaN/inf raise."""
    from . import anomaly

    try:
        if create_graph and node.once_differentiable:
            gxs = _run_once_differentiable(node, gy)
        else:
            gxs = node._run_backward(gy)
    except Exception as e:
        anomaly.annotate(e, node)
        raise
    if not isinstance(gxs, tuple):
        gxs = (gxs,)
    if _State.anomaly_check_nan:
        anomaly.check_grads(node, gxs)
    return gxs


def _run_once_differentiable(node, gy):
    """Run a backward that is not differentiable; its results raise if differentiated."""
    _State.enabled = False
    try:
        gxs = node._run_backward(gy)
    finally:
        _State.enabled = True
    if not isinstance(gxs, tuple):
        gxs = (gxs,)
    # the results depend on the op's inputs and on gy: link the error node to both, so
    # that differentiating them (backward or grad) reaches it and raises
    gy_link = gy._ctx if gy._ctx is not None else (gy if gy.requires_grad else None)
    links = tuple(node.parents) + (gy_link,)
    return tuple(None if g is None else _poisoned(g, node.name(), links) for g in gxs)


def _poisoned(g, op_name, links):
    err = DelayedError.__new__(DelayedError)
    err.op_name = op_name
    err.parents = links
    err.seq = next(_seq)
    err.shape, err.dtype = g.shape, g.array.dtype
    return Tensor._wrap(g.array, ctx=err)


def _set_grad(t, g, create_graph, fresh):
    """Accumulate ``g`` into ``t.grad`` (in place unless building a graph)."""
    if t.grad is None:
        if create_graph:
            t.grad = g
        else:
            # CuPy arrays have no ``flags.writeable`` (they are always writeable)
            writeable = getattr(g.array.flags, "writeable", True)
            t.grad = g if fresh and writeable else Tensor._wrap(g.array.copy())
    elif create_graph or t.grad.requires_grad:
        t.grad = t.grad + g
    else:
        t.grad.array += g.array


def _sum_to(g, shape):
    from ..ops.movement import sum_to

    return sum_to(g, shape)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the sum of gradients of ``tensors`` w.r.t. graph leaves into their ``.grad``.

    Args:
        tensors: a Tensor or sequence of Tensors to differentiate.
        grad_tensors: matching gradients (None allowed for scalar outputs).
        retain_graph: keep saved buffers for another backward (defaults to create_graph).
        create_graph: record the backward itself, for higher-order derivatives.
        inputs: accumulate only into these leaves (others untouched).
    """
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    tensors = tuple(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,) * (1 if grad_tensors is not None else len(tensors))
    if retain_graph is None:
        retain_graph = create_graph
    roots = _root_grads(tensors, tuple(grad_tensors), "backward")
    if inputs is None:
        run_backward(roots, retain_graph, create_graph)
        return
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    got = grad(tensors, inputs, grad_tensors, retain_graph, create_graph, allow_unused=True)
    for t, g in zip(inputs, got):
        if g is not None:
            _set_grad(t, g, create_graph, False)
            if _post_hooks:
                _run_post_hooks(t)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False, materialize_grads=False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` (no ``.grad`` is touched).

    Args:
        outputs: Tensor or sequence of Tensors.
        inputs: Tensor or sequence of Tensors (leaves or intermediate results).
        grad_outputs: gradients w.r.t. each output (None for scalar outputs).
        retain_graph: keep the graph (defaults to create_graph).
        create_graph: build a graph of the derivative, for higher-order derivatives.
        allow_unused: return None for inputs the outputs do not depend on instead of raising.
        materialize_grads: return zeros instead of None for unused inputs.

    Returns:
        A tuple with one gradient per input.
    """
    if isinstance(outputs, Tensor):
        outputs = (outputs,)
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    outputs = tuple(outputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if materialize_grads:
        allow_unused = True
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] is a {type(t).__name__}, expected a Tensor")
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (inputs[{i}]) does not require grad")
    roots = _root_grads(outputs, tuple(grad_outputs), "grad")
    keys = [t._ctx if t._ctx is not None else t for t in inputs]
    targets = dict.fromkeys(keys)
    run_backward(roots, retain_graph, create_graph, targets)
    result = []
    for i, (t, k) in enumerate(zip(inputs, keys)):
        g = targets[k]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (inputs[{i}], shape {tuple(t.shape)}) "
                    "appears to not have been used in the graph. Set allow_unused=True if this "
                    "is the desired behavior."
                )
            if materialize_grads:
                g = Tensor._wrap(t.xp.zeros_like(t.array))
        elif not create_graph and g.requires_grad:
            g = g.detach()
        result.append(g)
    return tuple(result)


from ..tensor import Tensor  # noqa: E402

_wrap = Tensor._wrap
