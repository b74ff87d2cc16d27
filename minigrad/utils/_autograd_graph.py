"""Reading a recorded backward graph: PyTorch-style node names and an iterative walk.

Shared by ``utils.viz.make_dot`` and ``utils.tensorboard``'s ``add_graph``. A graph's nodes
are ``Function`` objects (``tensor.grad_fn``); their ``parents`` are other Functions, leaf
Tensors that require grad, or None.
"""
from __future__ import annotations

from ..tensor import Tensor

# minigrad op class -> the name PyTorch gives the same node (``grad_fn.name()`` in torch).
# Classes missing here are named "<ClassName>Backward0", which already matches PyTorch for
# most (Exp, Log, Sqrt, Sin, ...).
_TORCH_NAMES = {
    "ReLU": "ReluBackward0", "LeakyReLU": "LeakyReluBackward0", "GELU": "GeluBackward0",
    "ELU": "EluBackward0", "Pow": "PowBackward1", "PowScalar": "PowBackward0",
    "Reshape": "ViewBackward0", "BroadcastTo": "ExpandBackward0", "GetItem": "IndexBackward0",
    "SetItem": "CopySlices", "Pad": "ConstantPadNdBackward0", "Conv2d": "ConvolutionBackward0",
    "Conv2dWeight": "ConvolutionBackward0", "ConvTranspose2d": "ConvolutionBackward0",
    "MaxPool2d": "MaxPool2DWithIndicesBackward0", "AvgPool2d": "AvgPool2DBackward0",
    "CrossEntropy": "NllLossBackward0", "BCEWithLogits": "BinaryCrossEntropyWithLogitsBackward0",
    "ClampScalar": "ClampBackward1", "Amax": "AmaxBackward0", "Norm": "NormBackward1",
    "Log1p": "Log1PBackward0", "Expm1": "Expm1Backward0", "To": "ToCopyBackward0",
    "SumTo": "SumBackward1", "TakeAlong": "GatherBackward0", "Standardize": "NativeLayerNormBackward0",
    "LSTMScan": "LstmBackward0", "GRUScan": "GruBackward0", "RNNScan": "RnnTanhBackward0",
}


def torch_name(node) -> str:
    """The name PyTorch would give this backward node (``AddmmBackward0``, ``MulBackward0``...)."""
    cls = type(node).__name__
    if cls == "Linear":  # x @ W.T + b is addmm in PyTorch; without bias, mm
        parents = getattr(node, "parents", None) or ()
        return "AddmmBackward0" if len(parents) > 2 else "MmBackward0"
    if cls == "MatMul":
        ndim = len(getattr(node, "shape", (0, 0)))
        return ("DotBackward0", "MvBackward0", "MmBackward0")[ndim] if ndim < 3 else "BmmBackward0"
    return _TORCH_NAMES.get(cls, f"{cls}Backward0")


def is_leaf(node) -> bool:
    return isinstance(node, Tensor)


def walk(roots) -> list:
    """Every node reachable from ``roots`` (Functions and leaf Tensors), each once, roots first.

    Iterative (no recursion limit); the order is depth-first pre-order from the roots.
    """
    seen, order = set(), []
    stack = [r for r in reversed(list(roots)) if r is not None]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        order.append(n)
        if not is_leaf(n):
            stack.extend(p for p in reversed(n.parents or ()) if p is not None)
    return order


def roots_of(outputs) -> tuple[list, list]:
    """(tensors, their graph nodes) for a Tensor or a (nested) tuple/list/dict of them."""
    tensors, stack = [], [outputs]
    while stack:
        o = stack.pop()
        if isinstance(o, Tensor):
            tensors.append(o)
        elif isinstance(o, dict):
            stack.extend(reversed(list(o.values())))
        elif isinstance(o, (tuple, list)):
            stack.extend(reversed(o))
    nodes = [t.grad_fn if t.grad_fn is not None else (t if t.requires_grad else None)
             for t in tensors]
    return tensors, nodes
