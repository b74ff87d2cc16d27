"""Builds an ONNX graph from minigrad's op-level IR (:mod:`minigrad.compile.oprecord`).

The :class:`Builder` owns the ONNX nodes, initializers and value names; one converter per
``Function`` class (``_ops.CONVERTERS``) turns an IR node into ONNX nodes through it.
Sizes that follow a dynamic axis are found by comparing two traces of the model (the
second one with the dynamic axes one longer): a size that differs between them is
written as an expression of the input's runtime shape (``Shape``/``Gather``/``Mul``).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

I64 = np.int64


class UnsupportedOp(RuntimeError):
    """An op of the traced model has no ONNX conversion."""


def elem_type(dtype) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


class Builder:
    """The ONNX graph under construction."""

    def __init__(self, opset: int, symbols=()):
        self.opset = opset
        self.nodes, self.inits, self.names = [], [], set()
        self.vals = {}  # id(IR Node) -> ONNX value name
        self.twin = {}  # id(IR Node of trace 1) -> its IR Node in trace 2 (dynamic axes)
        self.symbols = list(symbols)  # (value name, axis, size in trace 1, size in trace 2)
        self._consts = {}

    # ---- names and nodes ---------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        base = hint or "v"
        name, k = base, 0
        while name in self.names:
            k += 1
            name = f"{base}_{k}"
        self.names.add(name)
        return name

    def op(self, op_type: str, inputs, outputs=1, name_hint=None, **attrs):
        """Append a node; returns its output name (or names, when ``outputs`` > 1)."""
        hint = name_hint or self.hint
        outs = [self.fresh(f"{hint}/{op_type}") for _ in range(outputs)] \
            if isinstance(outputs, int) else list(outputs)
        self.nodes.append(helper.make_node(op_type, list(inputs), outs,
                                           name=self.fresh(f"{hint}/{op_type}_node"), **attrs))
        return outs[0] if len(outs) == 1 else outs

    hint = "op"

    def const(self, value, hint="const") -> str:
        """An initializer holding ``value`` (small constants are shared by value)."""
        a = np.asarray(value)
        key = None
        if a.size <= 16:
            key = (a.dtype.str, a.shape, a.tobytes())
            if key in self._consts:
                return self._consts[key]
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.array(a, order="C"), name))
        if key is not None:
            self._consts[key] = name
        return name

    def ints(self, values) -> str:
        return self.const(np.asarray(values, dtype=I64), "ints")

    def scalar(self, value, dtype) -> str:
        return self.const(np.asarray(value, dtype=dtype), "scalar")

    def subgraph(self) -> "Builder":
        """A builder for a loop body: its own nodes; names, constants and the dynamic
        sizes shared with this one (a body may read outer values)."""
        sub = Builder.__new__(Builder)
        sub.__dict__.update(self.__dict__)
        sub.nodes = []
        return sub

    # ---- values ------------------------------------------------------------------------
    def val(self, node) -> str:
        return self.vals[id(node)]

    def cast(self, name: str, src, dst) -> str:
        if np.dtype(src) == np.dtype(dst):
            return name
        return self.op("Cast", [name], to=elem_type(dst))

    def inputs_as(self, node, dtype=None):
        """The ONNX names of ``node.args``, cast to ``dtype`` (default: the output's)."""
        dt = node.dtype if dtype is None else dtype
        return [self.cast(self.val(a), a.dtype, dt) for a in node.args]

    # ---- sizes that may follow a dynamic axis -------------------------------------------
    def other(self, node):
        return self.twin.get(id(node))

    def sizes(self, values, values2, like=None) -> str:
        """An int64 1-D tensor holding the sizes ``values`` (trace 1) that were ``values2``
        in the second trace. Equal sizes are constants; one that changed is copied from
        ``like`` = (value name, shape in trace 1, shape in trace 2) at the same position
        when it matches there, else computed from a dynamic input dimension times a
        constant."""
        values = [int(v) for v in values]
        if values2 is None or list(values) == [int(v) for v in values2]:
            return self.ints(values)
        parts = []
        for i, (v1, v2) in enumerate(zip(values, values2)):
            if v1 == v2:
                parts.append(self.ints([v1]))
            elif like is not None and i < len(like[1]) and like[1][i] == v1 and like[2][i] == v2:
                parts.append(self.op("Gather", [self.op("Shape", [like[0]]), self.ints([i])],
                                     axis=0))
            else:
                parts.append(self.dim(v1, v2))
        return self.op("Concat", parts, axis=0)

    def dim(self, v1, v2) -> str:
        """A 1-element int64 tensor: the dynamic size that was v1, then v2."""
        for name, axis, s1, s2 in self.symbols:
            if v1 % s1 == 0 and v1 // s1 * s2 == v2:
                d = self.op("Gather", [self.op("Shape", [name]), self.ints([axis])], axis=0)
                return d if v1 == s1 else self.op("Mul", [d, self.ints([v1 // s1])])
        raise UnsupportedOp(
            f"{self.hint}: a size ({v1}) changes with a dynamic axis in a way the exporter "
            "cannot express (only a dynamic input dimension times a constant is supported)")

    # ---- opset-dependent forms ----------------------------------------------------------
    def reduce(self, op_type: str, x: str, axes, keepdims: bool) -> str:
        """Reduce over ``axes`` (None: all); axes moved from attribute to input in opset 13
        (ReduceSum) and 18 (the others)."""
        kd = int(bool(keepdims))
        if axes is None:
            return self.op(op_type, [x], keepdims=kd)
        axes = [int(a) for a in axes]
        if op_type == "ReduceSum" and self.opset >= 13 or self.opset >= 18:
            return self.op(op_type, [x, self.ints(axes)], keepdims=kd)
        return self.op(op_type, [x], axes=axes, keepdims=kd)

    def unsqueeze(self, x: str, axes) -> str:
        return self.op("Unsqueeze", [x, self.ints(list(axes))])

    def squeeze(self, x: str, axes) -> str:
        return self.op("Squeeze", [x, self.ints(list(axes))])


def value_info(name, dtype, shape, dyn=None):
    """A typed value with symbolic names at the positions in ``dyn`` ({axis: name})."""
    dims = [dyn[i] if dyn and i in dyn else int(s) for i, s in enumerate(shape)]
    return helper.make_tensor_value_info(name, elem_type(dtype), dims)


def make_model(b: Builder, inputs, outputs, initializers, name="minigrad"):
    graph = helper.make_graph(b.nodes, name, inputs, outputs, initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", b.opset)],
                              producer_name="minigrad")
    return model


__all__ = ["Builder", "UnsupportedOp", "elem_type", "value_info", "make_model", "onnx",
           "TensorProto"]
