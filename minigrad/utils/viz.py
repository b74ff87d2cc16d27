"""Drawing the backward graph, with torchviz's ``make_dot``.

    from minigrad.utils.viz import make_dot

    dot = make_dot(loss, params=dict(model.named_parameters()))
    dot.render("graph", format="svg")     # needs Graphviz's ``dot`` program

Needs the ``graphviz`` Python package (``pip install "minigrad[viz]"``); rendering to a file
also needs Graphviz itself (Debian/Ubuntu: ``apt-get install graphviz``; macOS: ``brew install
graphviz``). Without ``dot`` the returned ``Digraph``'s DOT text (``dot.source``) is still
available.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._autograd_graph import is_leaf, roots_of, torch_name, walk

_NODE_ATTR = dict(style="filled", shape="box", align="left", fontsize="10", ranksep="0.1",
                  height="0.2", fontname="monospace")
# what every recorded node carries; show_attrs lists the op's own attributes besides these
_BOOKKEEPING = {"xp", "needs_input_grad", "parents", "seq", "shape", "dtype"}


def _graphviz():
    try:
        import graphviz
    except ImportError as e:
        raise ImportError(
            'make_dot needs the graphviz Python package: pip install "minigrad[viz]" (or pip '
            "install graphviz); rendering also needs Graphviz's dot program (apt-get install "
            "graphviz)"
        ) from e
    return graphviz


def _size(shape) -> str:
    return "(" + ", ".join(str(int(d)) for d in shape) + ")"


def _attrs(node, max_chars: int) -> list[str]:
    """``name: value`` lines for the op's own (non-array, public) attributes."""
    lines = []
    for k, v in vars(node).items():
        if k.startswith("_") or k in _BOOKKEEPING or isinstance(v, (np.ndarray, Tensor)):
            continue
        if hasattr(v, "__cuda_array_interface__"):
            continue
        s = str(v)
        lines.append(f"{k}: {s if len(s) <= max_chars else s[:max_chars - 3] + '...'}")
    return lines


def make_dot(var, params=None, show_attrs: bool = False, show_saved: bool = False,
             max_attr_chars: int = 50):
    """A ``graphviz.Digraph`` of the backward graph that produced ``var``.

    Blue boxes are leaf tensors that require grad (labelled with their name from ``params``
    and their shape), each feeding an ``AccumulateGrad`` node; grey boxes are backward nodes,
    named as PyTorch names them (``AddmmBackward0``, ``MulBackward0``...); the green box is
    the output. Edges point from inputs to the ops that use them (forward order).

    Args:
        var: a Tensor, or a tuple/list/dict of Tensors, with a recorded graph.
        params: ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) naming leaves.
        show_attrs: list each op's attributes (dims, shapes, flags) in its box.
        show_saved: draw the tensors each op saved for backward (orange).
        max_attr_chars: longest attribute value shown before it is cut.
    """
    graphviz = _graphviz()
    names = {}
    if params is not None:
        for k, v in dict(params).items():
            if not isinstance(v, Tensor):
                raise TypeError(f"params must map names to Tensors, got {type(v).__name__} for {k!r}")
            names[id(v)] = k
    dot = graphviz.Digraph(node_attr=_NODE_ATTR, graph_attr=dict(size="12,12"))
    outputs, roots = roots_of(var)

    def ident(n):
        return str(id(n)) + ("_acc" if is_leaf(n) else "")  # a leaf's edges leave its AccumulateGrad

    for n in walk(roots):
        if is_leaf(n):
            dot.node(str(id(n)), f"{names.get(id(n), '')}\n {_size(n.shape)}",
                     fillcolor="lightblue")
            dot.node(ident(n), "AccumulateGrad")
            dot.edge(str(id(n)), ident(n))
            continue
        label = torch_name(n)
        if show_attrs:
            extra = _attrs(n, max_attr_chars)
            if extra:
                label += "\n" + "-" * max(len(s) for s in extra) + "\n" + "\n".join(extra)
        dot.node(ident(n), label)
        if show_saved:
            for i, entry in enumerate(getattr(n, "_saved", None) or ()):
                arr = entry[1].array if isinstance(entry[1], Tensor) else entry[1]
                if not hasattr(arr, "shape"):
                    continue
                sid = f"{id(n)}_saved{i}"
                dot.node(sid, f"saved {i}\n {_size(arr.shape)}", fillcolor="orange")
                dot.edge(sid, ident(n), dir="none")
        for p in n.parents or ():
            if p is not None:
                dot.edge(ident(p), ident(n))
    for t, r in zip(outputs, roots):
        if r is None:
            continue
        if r is t:  # the output is itself a leaf
            dot.node(str(id(t)), f"{names.get(id(t), '')}\n {_size(t.shape)}",
                     fillcolor="darkolivegreen1")
            continue
        oid = f"{id(t)}_out"
        dot.node(oid, f"{names.get(id(t), '')}\n {_size(t.shape)}", fillcolor="darkolivegreen1")
        dot.edge(ident(r), oid)
    _resize(dot)
    return dot


def _resize(dot, size_per_element: float = 0.15, min_size: int = 12) -> None:
    """Grow the drawing's size with the number of nodes (torchviz's resize_graph)."""
    rows = len(dot.body)
    side = max(min_size, size_per_element * rows)
    dot.graph_attr.update(size=f"{side:g},{side:g}")


__all__ = ["make_dot"]
