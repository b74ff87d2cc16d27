"""``export``: trace the model at the op level, convert each op, write the ONNX model."""
from __future__ import annotations

import inspect

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..compile.oprecord import check_same_program, flatten_tensors, trace_ops
from ..tensor import Tensor
from ._builder import Builder, UnsupportedOp, elem_type, value_info
from ._consts import constant
from ._ops import convert


def _split_args(args, kwargs):
    if isinstance(args, Tensor):
        args = (args,)
    elif isinstance(args, list):
        args = tuple(args)
    elif not isinstance(args, tuple):
        args = (args,)
    if kwargs is None and args and isinstance(args[-1], dict):  # torch's old convention
        args, kwargs = args[:-1], args[-1]
    return args, dict(kwargs or {})


def _default_input_names(model, args, kwargs, n):
    """Names from ``forward``'s parameters where each argument is one tensor."""
    try:
        fn = model.forward if hasattr(model, "forward") else model
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = []
    for i, a in enumerate(args):
        k = len(flatten_tensors(a))
        base = params[i].name if i < len(params) else f"input_{i}"
        names += [base] if k == 1 and isinstance(a, Tensor) else [f"{base}.{j}" for j in range(k)]
    for key, v in kwargs.items():
        k = len(flatten_tensors(v))
        names += [key] if k == 1 else [f"{key}.{j}" for j in range(k)]
    return names[:n] if len(names) >= n else [f"input_{i}" for i in range(n)]


def _dyn_spec(dynamic_axes, names):
    """{name: {axis: symbol}} from torch's forms ({axis: symbol} or [axes])."""
    spec = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in names:
            raise ValueError(f"dynamic_axes: '{name}' is not an input or output name "
                             f"(names: {sorted(names)})")
        if isinstance(axes, dict):
            spec[name] = {int(a): str(s) for a, s in axes.items()}
        else:
            spec[name] = {int(a): f"{name}_dynamic_axes_{k + 1}" for k, a in enumerate(axes)}
    return spec


def _resized(args, kwargs, flat_dyn):
    """A copy of the arguments with other values (each tensor's elements rotated by one)
    and every dynamic axis one longer (its entries repeated cyclically)."""
    it = iter(range(len(flatten_tensors((args, kwargs)))))

    def conv(obj):
        if isinstance(obj, Tensor):
            i = next(it)
            a = np.asarray(obj.array)
            a = np.roll(a.reshape(-1), 1).reshape(a.shape) if a.size > 1 else a.copy()
            for ax in sorted(flat_dyn.get(i, ())):
                n = a.shape[ax]
                a = np.take(a, np.arange(n + 1) % n, axis=ax)
            return Tensor._wrap(np.array(a, order="C"))
        if isinstance(obj, (tuple, list)):
            return type(obj)(conv(v) for v in obj)
        if isinstance(obj, dict):
            return {k: conv(v) for k, v in obj.items()}
        return obj

    return conv(args), conv(kwargs)


def _module_modes(model):
    mods = list(model.modules()) if hasattr(model, "modules") else []
    return [(m, m.training) for m in mods]


def export_model(model, args, kwargs, *, input_names, output_names, opset_version,
                 dynamic_axes, export_params, keep_initializers_as_inputs, training,
                 do_constant_folding, verbose):
    """Trace and convert; returns the ``onnx.ModelProto``."""
    args, kwargs = _split_args(args, kwargs)
    modes = _module_modes(model)
    if training == "eval" and hasattr(model, "eval"):
        model.eval()
    elif training == "train" and hasattr(model, "train"):
        model.train()
    try:
        g = trace_ops(model, args, kwargs, fold_buffers=do_constant_folding)
        n_in = sum(1 for n in g.nodes if n.op == "input")
        in_names = list(input_names or []) + _default_input_names(
            model, args, kwargs, n_in)[len(input_names or []):]
        n_out = len(g.output_nodes)
        default_out = ["output"] if n_out == 1 else [f"output_{i}" for i in range(n_out)]
        out_names = list(output_names or []) + default_out[len(output_names or []):]
        if len(in_names) > n_in or len(out_names) > n_out:
            raise ValueError(f"export: {len(in_names)} input names for {n_in} inputs, "
                             f"{len(out_names)} output names for {n_out} outputs")
        spec = _dyn_spec(dynamic_axes, set(in_names) | set(out_names))
        flat_dyn = {i: spec[nm] for i, nm in enumerate(in_names) if nm in spec}
        a2, k2 = _resized(args, kwargs, flat_dyn)
        g2 = trace_ops(model, a2, k2, fold_buffers=do_constant_folding)
    finally:
        for m, t in modes:
            m.training = t
    pairs = check_same_program(g, g2, f"{type(model).__name__}.forward")
    buffers = list(model.named_buffers()) if hasattr(model, "named_buffers") else []
    return _build(g, pairs if flat_dyn else None, in_names, out_names, spec, flat_dyn,
                  opset_version, export_params, keep_initializers_as_inputs, verbose, buffers)


def _build(g, pairs, in_names, out_names, spec, flat_dyn, opset, export_params,
           keep_inits, verbose, buffers=()):
    inputs = [n for n in g.nodes if n.op == "input"]
    symbols = []
    for i, n in enumerate(inputs):
        for ax in flat_dyn.get(i, ()):
            symbols.append((in_names[i], ax, n.shape[ax], n.shape[ax] + 1))
    b = Builder(opset, symbols)
    if pairs is not None:
        b.twin = {id(a): c for a, c in pairs}
        b.buffers = [(name, np.asarray(t.array)) for name, t in buffers]
    b.names.update(in_names)
    b.names.update(out_names)
    graph_inputs, inits = [], []
    for i, n in enumerate(inputs):
        b.vals[id(n)] = in_names[i]
        graph_inputs.append(value_info(in_names[i], n.dtype, n.shape, spec.get(in_names[i])))
    used = {id(a) for n in g.nodes for a in _refs(n)}
    for n in g.nodes:
        if n.op == "param" and id(n) in used:
            name = b.fresh(n.target)
            b.vals[id(n)] = name
            arr = np.asarray(n.owner.array)
            if export_params:
                inits.append(numpy_helper.from_array(np.array(arr, order="C"), name))
            if keep_inits or not export_params:
                graph_inputs.append(value_info(name, arr.dtype, arr.shape))
        elif n.op == "const" and id(n) in used:
            b.hint = "const"
            b.vals[id(n)] = constant(b, n, b.other(n))
        elif n.op == "function":
            b.hint = "/" + n.scope.replace(".", "/") if n.scope else ""
            b.hint += "/" + n.target.__name__
            try:
                b.vals[id(n)] = convert(b, n)
            except UnsupportedOp:
                raise
            except (KeyError, ValueError, TypeError, IndexError, AttributeError) as e:  # a converter's bug must still name the op
                raise RuntimeError(f"minigrad.onnx.export: converting {n.target.__name__} "
                                   f"(module '{n.scope}') failed: {e}") from e
    outputs = []
    for i, n in enumerate(g.output_nodes):
        b.nodes.append(helper.make_node("Identity", [b.val(n)], [out_names[i]],
                                        name=b.fresh(f"{out_names[i]}_identity")))
        dyn = dict(spec.get(out_names[i], {}))
        if pairs is not None:  # dims that changed with the dynamic inputs are symbolic too
            twin = b.other(n)
            for ax, (s1, s2) in enumerate(zip(n.shape, twin.shape)):
                if s1 != s2:
                    dyn.setdefault(ax, f"{out_names[i]}_dim{ax}")
        outputs.append(value_info(out_names[i], n.dtype, n.shape, dyn))
    graph = helper.make_graph(b.nodes, "minigrad", graph_inputs, outputs,
                              initializer=inits + b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="minigrad")
    model.ir_version = min(model.ir_version, _max_ir_version(opset))
    if verbose:
        print(helper.printable_graph(model.graph))
    return model


def _max_ir_version(opset):
    """The newest IR version onnxruntime builds of that opset's era read (ONNX's table)."""
    for entry in onnx.helper.VERSION_TABLE:
        if entry[2] == opset:
            return entry[1]
    return onnx.IR_VERSION


def _refs(n):
    out = []

    def walk(x):
        if hasattr(x, "op") and hasattr(x, "target"):
            out.append(x)
        elif isinstance(x, (tuple, list)):
            for v in x:
                walk(v)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
    walk(n.args)
    walk(n.kwargs)
    return out


__all__ = ["export_model", "elem_type"]
