"""``add_graph``: a model's graph as a TensorFlow ``GraphDef`` for TensorBoard's graph tab.

The model runs once on the example input with autograd recording; the recorded graph (the
ops between the inputs and parameters and the outputs) becomes the GraphDef. Forward hooks
note, for each module call, the span of tape sequence numbers it produced, so each op is
placed in the scope of the innermost module that ran it (``Net/Linear[fc1]/AddmmBackward0``),
and TensorBoard folds the graph by module, as it does for a PyTorch trace. Ops that autograd
does not record (integer ops, comparisons) are not in the drawing.
"""
from __future__ import annotations

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef

from ...autograd import function as _function
from ...autograd.grad_mode import enable_grad
from ...tensor import Tensor
from .._autograd_graph import is_leaf, roots_of, torch_name, walk


def _scopes(model) -> dict:
    """Qualified module name -> scope path (``Net/Sequential[body]/Linear[0]``)."""
    out = {}
    for qual, mod in model.named_modules():
        if not qual:
            out[qual] = type(mod).__name__
        else:
            parent, _, leaf = qual.rpartition(".")
            out[qual] = f"{out[parent]}/{type(mod).__name__}[{leaf}]"
    return out


def _trace(model, inputs):
    """Run model(*inputs) recording, per module call, the tape span [start, end) it covered."""
    spans, open_calls, handles = [], {}, []
    scopes = _scopes(model)
    for qual, mod in model.named_modules():
        def pre(m, args, qual=qual):
            open_calls.setdefault(id(m), []).append(next(_function._seq))

        def post(m, args, out, qual=qual):
            start = open_calls[id(m)].pop()
            spans.append((start, next(_function._seq), scopes[qual]))

        handles += [mod.register_forward_pre_hook(pre), mod.register_forward_hook(post)]
    try:
        with enable_grad():
            out = model(*inputs)
    finally:
        for h in handles:
            h.remove()
    return out, spans, scopes


def _shape_attr(shape, dtype) -> dict:
    dims = [TensorShapeProto.Dim(size=int(d)) for d in shape]
    return {
        "_output_shapes": AttrValue(list=AttrValue.ListValue(shape=[TensorShapeProto(dim=dims)])),
        "attr": AttrValue(s=f"{{ dtype : {dtype} }}".encode()),
    }


def graph(model, input_to_model, verbose: bool = False) -> GraphDef:
    """The GraphDef of ``model(*input_to_model)``.

    Args:
        model: an ``nn.Module`` (or any callable whose parameters are leaf Tensors).
        input_to_model: a Tensor or a tuple/list of Tensors, the example input.
        verbose: print one line per node.
    """
    if input_to_model is None:
        raise ValueError("add_graph needs input_to_model: the graph is traced by running the model")
    raw = input_to_model if isinstance(input_to_model, (tuple, list)) else (input_to_model,)
    # float inputs become graph leaves so the drawing starts at them
    inputs = [x.detach().requires_grad_(True)
              if isinstance(x, Tensor) and x.dtype.is_floating_point else x for x in raw]
    out, spans, scopes = _trace(model, inputs)
    outputs, roots = roots_of(out)
    if not any(r is not None for r in roots):
        raise RuntimeError("add_graph: the model's output does not depend on its parameters or "
                           "inputs through recorded ops, so there is no graph to draw")

    names = {}
    params = dict(model.named_parameters()) if hasattr(model, "named_parameters") else {}
    for qual, p in params.items():
        mod, _, attr = qual.rpartition(".")
        names[id(p)] = f"{scopes.get(mod, scopes[''])}/{attr}"
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            names.setdefault(id(x), f"input/input.{i}")

    spans.sort(key=lambda s: (s[0], -s[1]))
    counts, nodes = {}, []
    order = sorted(walk(roots), key=lambda n: -1 if is_leaf(n) else n.seq)
    for n in order:
        if is_leaf(n):
            name = names.get(id(n))
            if name is None:
                name = names[id(n)] = f"{scopes['']}/tensor.{len(names)}"
            op = "IO Node" if name.startswith("input/") else "Parameter"
            nodes.append(NodeDef(name=name, op=op, attr=_shape_attr(n.shape, n.dtype)))
            continue
        scope = scopes[""]
        for start, end, sc in spans:  # innermost module call containing this op
            if start < n.seq < end:
                scope = sc
        op = torch_name(n)
        k = counts[(scope, op)] = counts.get((scope, op), -1) + 1
        names[id(n)] = f"{scope}/{op}" + (f"_{k}" if k else "")
        ins = [names[id(p)] for p in (n.parents or ()) if p is not None]
        nodes.append(NodeDef(name=names[id(n)], op=op, input=ins,
                             attr=_shape_attr(n.shape, n.dtype.name)))
    for i, (t, r) in enumerate(zip(outputs, roots)):
        if r is not None:
            nodes.append(NodeDef(name=f"output/output.{i}", op="IO Node", input=[names[id(r)]],
                                 attr=_shape_attr(t.shape, t.dtype)))
    if verbose:
        for nd in nodes:
            print(f"{nd.name} = {nd.op}({', '.join(nd.input)})")
    return GraphDef(node=nodes, versions=VersionDef(producer=22))
