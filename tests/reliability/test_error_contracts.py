"""Error contracts: bad inputs across the public API raise the documented exception type with a
message that names the problem (the shapes, dtype, value or name at fault).

Each case is ``(id, thunk, exception type, regex)``; the regex is searched in the message. None
may return a value, crash the interpreter or hang, and a failed call leaves grad mode alone.
Exception types follow PyTorch, except where minigrad is stricter (NaN/inf hyper-parameters,
which PyTorch accepts silently for some optimizers).
"""
from __future__ import annotations

import io
import pickle
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend, nn, optim
from minigrad.nn import functional as F
from minigrad.serialization import CheckpointError
from minigrad.utils.data import DataLoader, TensorDataset


def has(*parts):
    """A regex matching a message that contains every part (escaped), in any order."""
    import re

    return "(?s)" + "".join(f"(?=.*{re.escape(p)})" for p in parts)


A, B = (2, 3), (4,)
BROADCAST = has("must match the size of tensor", "(2, 3)", "(4,)")


def a():
    return mg.randn(*A)


def b():
    return mg.randn(*B)


def params():
    return [nn.Parameter(mg.randn(2))]


# ---- helpers for multi-statement cases ---------------------------------------------------------

def _double_backward():
    x = mg.randn(3, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    y.backward()


def _inplace_on_saved():
    x = mg.randn(3, requires_grad=True)
    e = x.exp()
    z = (e * e).sum()  # Mul saved e
    with mg.no_grad():
        e.mul_(2)
    z.backward()


def _inplace_on_saved_through_view():
    x = mg.randn(2, 3, requires_grad=True)
    s = x.sigmoid()
    z = (s * s).sum()  # Sigmoid saved its output s, Mul saved s too
    with mg.no_grad():
        s[0].zero_()  # a view shares the version counter of its base
    z.backward()


def _grad_unused():
    x, y = mg.randn(2, requires_grad=True), mg.randn(2, requires_grad=True)
    mg.autograd.grad((x * 2).sum(), [x, y])


def _linear_state(**entries):
    lin = nn.Linear(3, 2)
    sd = {"weight": mg.zeros(2, 3), "bias": mg.zeros(2)}
    sd.update(entries)
    sd = {k: v for k, v in sd.items() if v is not None}
    lin.load_state_dict(sd)


def _optimizer_state_size():
    p1 = params()
    optim.SGD(p1, lr=0.1).load_state_dict(optim.SGD(params() + params(), lr=0.1).state_dict())


def _overlapping_groups():
    p1 = params()
    opt = optim.SGD(p1, lr=0.1)
    opt.add_param_group({"params": p1})


def _assign_tensor_to_parameter():
    lin = nn.Linear(3, 2)
    lin.weight = mg.zeros(2, 3)


def _clip_nonfinite():
    w = nn.Parameter(mg.randn(2))
    w.grad = mg.tensor([math.inf, 1.0])
    nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)


def _setitem_shape():
    x = mg.zeros(3, 2)
    x[0] = mg.ones(3)


# ---- the table ---------------------------------------------------------------------------------

BINARY = {
    "add": lambda: a() + b(), "sub": lambda: a() - b(), "mul": lambda: a() * b(),
    "div": lambda: a() / b(), "pow": lambda: a() ** b(), "remainder": lambda: a() % b(),
    "floor_divide": lambda: a() // b(), "fmod": lambda: mg.fmod(a(), b()),
    "atan2": lambda: mg.atan2(a(), b()), "maximum": lambda: mg.maximum(a(), b()),
    "minimum": lambda: mg.minimum(a(), b()), "where": lambda: mg.where(a() > 0, a(), b()),
    "lerp": lambda: mg.lerp(a(), b(), 0.5), "clamp_tensor": lambda: mg.clamp(a(), b()),
    "eq": lambda: a() == b(), "lt": lambda: a() < b(),
    "logical_and": lambda: mg.logical_and(a() > 0, b() > 0),
    "bitwise_and": lambda: mg.bitwise_and(mg.ones(*A, dtype=mg.int64), mg.ones(*B, dtype=mg.int64)),
}

NAN, INF = math.nan, math.inf
OPTIMIZERS = {
    "SGD": lambda **kw: optim.SGD(params(), **{"lr": 0.1, **kw}),
    "Adam": lambda **kw: optim.Adam(params(), **kw),
    "AdamW": lambda **kw: optim.AdamW(params(), **kw),
    "RMSprop": lambda **kw: optim.RMSprop(params(), **kw),
    "Adagrad": lambda **kw: optim.Adagrad(params(), **kw),
}
OPT_BAD = [  # (optimizer, keyword, value, message)
    *[(o, "lr", v, f"Invalid learning rate: {v}") for o in OPTIMIZERS for v in (NAN, INF, -0.1)],
    ("SGD", "momentum", NAN, "Invalid momentum value: nan"),
    ("SGD", "weight_decay", INF, "Invalid weight_decay value: inf"),
    ("SGD", "dampening", NAN, "Invalid dampening value: nan"),
    ("Adam", "betas", (NAN, 0.999), "Invalid beta parameter at index 0: nan"),
    ("Adam", "betas", (0.9, 1.0), "Invalid beta parameter at index 1: 1.0"),
    ("Adam", "eps", INF, "Invalid epsilon value: inf"),
    ("Adam", "eps", -1e-8, "Invalid epsilon value: -1e-08"),
    ("Adam", "weight_decay", INF, "Invalid weight_decay value: inf"),
    ("AdamW", "weight_decay", NAN, "Invalid weight_decay value: nan"),
    ("AdamW", "betas", (0.9, INF), "Invalid beta parameter at index 1: inf"),
    ("RMSprop", "alpha", NAN, "Invalid alpha value: nan"),
    ("RMSprop", "eps", NAN, "Invalid epsilon value: nan"),
    ("RMSprop", "momentum", -1.0, "Invalid momentum value: -1.0"),
    ("RMSprop", "weight_decay", INF, "Invalid weight_decay value: inf"),
    ("Adagrad", "eps", NAN, "Invalid epsilon value: nan"),
    ("Adagrad", "lr_decay", -1.0, "Invalid lr_decay value: -1.0"),
    ("Adagrad", "weight_decay", NAN, "Invalid weight_decay value: nan"),
    ("Adagrad", "initial_accumulator_value", INF, "Invalid initial_accumulator_value: inf"),
]

LOSS_SHAPES = {
    "mse_loss": lambda: F.mse_loss(mg.randn(3, 2), mg.randn(3, 4)),
    "l1_loss": lambda: F.l1_loss(mg.randn(3, 2), mg.randn(3, 4)),
    "smooth_l1_loss": lambda: F.smooth_l1_loss(mg.randn(3, 2), mg.randn(3, 4)),
    "huber_loss": lambda: F.huber_loss(mg.randn(3, 2), mg.randn(3, 4)),
    "kl_div": lambda: F.kl_div(mg.randn(3, 2), mg.rand(3, 4), reduction="batchmean"),
}

REDUCTIONS = {
    "mse_loss": lambda r: F.mse_loss(mg.randn(3), mg.randn(3), reduction=r),
    "l1_loss": lambda r: F.l1_loss(mg.randn(3), mg.randn(3), reduction=r),
    "smooth_l1_loss": lambda r: F.smooth_l1_loss(mg.randn(3), mg.randn(3), reduction=r),
    "huber_loss": lambda r: F.huber_loss(mg.randn(3), mg.randn(3), reduction=r),
    "cross_entropy": lambda r: F.cross_entropy(mg.randn(3, 5), mg.tensor([1, 2, 0]), reduction=r),
    "nll_loss": lambda r: F.nll_loss(mg.randn(3, 5), mg.tensor([1, 2, 0]), reduction=r),
    "binary_cross_entropy": lambda r: F.binary_cross_entropy(mg.rand(3), mg.rand(3), reduction=r),
    "bce_with_logits": lambda r: F.binary_cross_entropy_with_logits(mg.randn(3), mg.rand(3),
                                                                    reduction=r),
    "kl_div": lambda r: F.kl_div(mg.randn(3), mg.rand(3), reduction=r),
    "MSELoss": lambda r: nn.MSELoss(reduction=r)(mg.randn(3), mg.randn(3)),
    "CrossEntropyLoss": lambda r: nn.CrossEntropyLoss(reduction=r)(mg.randn(3, 5),
                                                                   mg.tensor([1, 2, 0])),
}

CUDA = backend.cupy_available()

CASES = [
    # -- wrong shapes: every binary op, matmul family, conv, pooling, losses, layers
    *[(f"shape-{k}", f, RuntimeError, BROADCAST) for k, f in BINARY.items()],
    ("shape-iadd", lambda: a().add_(mg.randn(3, 3)), RuntimeError, has("add_", "[2, 3]", "(3,3)")),
    ("matmul", lambda: mg.randn(2, 3) @ mg.randn(4, 5), RuntimeError, has("2x3", "4x5")),
    ("matmul-batch", lambda: mg.randn(2, 2, 3) @ mg.randn(3, 3, 4), RuntimeError,
     has("(2, 2, 3)", "(3, 3, 4)")),
    ("matmul-0d", lambda: mg.matmul(mg.tensor(1.0), mg.randn(3)), RuntimeError,
     has("at least 1D", "0D")),
    ("mm", lambda: mg.mm(mg.randn(2, 3), mg.randn(4, 5)), RuntimeError, has("2x3", "4x5")),
    ("mm-3d", lambda: mg.mm(mg.randn(2, 2, 3), mg.randn(3, 4)), RuntimeError,
     has("2-D", "(2, 2, 3)")),
    ("bmm-2d", lambda: mg.bmm(mg.randn(2, 3), mg.randn(3, 4)), RuntimeError, has("3-D", "(2, 3)")),
    ("bmm-batch", lambda: mg.bmm(mg.randn(2, 2, 3), mg.randn(3, 3, 4)), RuntimeError,
     has("(2, 2, 3)", "(3, 3, 4)")),
    ("bmm-inner", lambda: mg.bmm(mg.randn(2, 2, 3), mg.randn(2, 4, 4)), RuntimeError,
     has("(2, 2, 3)", "(2, 4, 4)")),
    ("dot", lambda: mg.dot(mg.randn(3), mg.randn(4)), RuntimeError, has("(3,)", "(4,)")),
    ("outer-2d", lambda: mg.outer(mg.randn(2, 2), mg.randn(3)), RuntimeError, has("1D", "(2, 2)")),
    ("einsum", lambda: mg.einsum("ij,jk->ik", mg.randn(2, 3), mg.randn(4, 5)), RuntimeError,
     has("subscript j", "size 4", "size 3")),
    ("linear-in", lambda: nn.Linear(3, 2)(mg.randn(4, 5)), RuntimeError, has("(4, 5)", "(2, 3)")),
    ("conv2d-channels", lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 2, 3, 3)), RuntimeError,
     has("[4, 2, 3, 3]", "[1, 3, 5, 5]", "2 channels", "3 channels")),
    ("conv2d-ndim", lambda: F.conv2d(mg.randn(3, 5), mg.randn(4, 3, 3, 3)), RuntimeError,
     has("3D", "4D", "[3, 5]")),
    ("conv2d-kernel", lambda: F.conv2d(mg.randn(1, 3, 2, 2), mg.randn(4, 3, 3, 3)), RuntimeError,
     has("(2 x 2)", "(3 x 3)", "Kernel size")),
    ("conv2d-bias", lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3), mg.randn(5)),
     RuntimeError, has("4 elements", "[5]")),
    ("conv2d-groups", lambda: F.conv2d(mg.randn(1, 4, 5, 5), mg.randn(4, 2, 3, 3), groups=3),
     RuntimeError, has("groups=3", "[4, 2, 3, 3]")),
    ("conv2d-stride0", lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3), stride=0),
     RuntimeError, has("non-positive stride")),
    ("conv2d-dilation0", lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3), dilation=0),
     RuntimeError, has("dilation", "greater than zero")),
    ("conv2d-negative-padding",
     lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3), padding=-1), RuntimeError,
     has("negative padding")),
    ("Conv2d-input", lambda: nn.Conv2d(3, 4, 3)(mg.randn(1, 2, 5, 5)), RuntimeError,
     has("[1, 2, 5, 5]", "3 channels", "2 channels")),
    ("conv1d-channels", lambda: F.conv1d(mg.randn(1, 3, 5), mg.randn(4, 2, 3)), RuntimeError,
     has("[4, 2, 3]", "[1, 3, 5]")),
    ("conv_transpose2d-channels",
     lambda: F.conv_transpose2d(mg.randn(1, 3, 4, 4), mg.randn(2, 4, 3, 3)), RuntimeError,
     has("transposed", "[2, 4, 3, 3]", "[1, 3, 4, 4]")),
    ("Conv2d-groups", lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError,
     has("in_channels", "divisible by groups")),
    ("max_pool2d-kernel", lambda: F.max_pool2d(mg.randn(1, 1, 2, 2), 3), RuntimeError,
     has("[1, 1, 2, 2]", "too sm")),
    ("max_pool2d-stride0", lambda: F.max_pool2d(mg.randn(1, 1, 4, 4), 2, stride=0), RuntimeError,
     has("stride", "greater than zero")),
    ("max_pool2d-padding", lambda: F.max_pool2d(mg.randn(1, 1, 4, 4), 2, padding=2), RuntimeError,
     has("pad should be at most half")),
    ("avg_pool2d-kernel", lambda: F.avg_pool2d(mg.randn(1, 1, 2, 2), 3), RuntimeError,
     has("[1, 1, 2, 2]", "too sm")),
    ("adaptive_avg_pool2d-size", lambda: F.adaptive_avg_pool2d(mg.randn(1, 1, 4, 4), (-1, 2)),
     RuntimeError, has("output_size", "(-1, 2)")),
    *[(f"loss-shape-{k}", f, RuntimeError, has("(3, 2)", "(3, 4)")) for k, f in LOSS_SHAPES.items()],
    ("loss-shape-bce", lambda: F.binary_cross_entropy(mg.rand(3, 2), mg.rand(3, 4)), ValueError,
     has("(3, 4)", "(3, 2)")),
    ("loss-shape-bce_with_logits",
     lambda: F.binary_cross_entropy_with_logits(mg.randn(3, 2), mg.rand(3, 4)), ValueError,
     has("(3, 4)", "(3, 2)")),
    ("loss-shape-pos_weight", lambda: F.binary_cross_entropy_with_logits(
        mg.randn(3), mg.rand(3), pos_weight=mg.ones(2)), RuntimeError, has("pos_weight", "(2,)", "(3,)")),
    ("loss-shape-cross_entropy", lambda: F.cross_entropy(mg.randn(3, 5), mg.tensor([1, 2])),
     ValueError, has("(3, 5)", "(2,)")),
    ("loss-shape-cross_entropy-weight", lambda: F.cross_entropy(
        mg.randn(3, 5), mg.tensor([1, 2, 0]), weight=mg.ones(4)), RuntimeError, has("(5,)", "(4,)")),
    ("loss-shape-nll_loss", lambda: F.nll_loss(mg.randn(3, 5, 2), mg.tensor([1, 2, 0])), ValueError,
     has("(3, 2)", "(3,)")),
    ("attention-shapes", lambda: F.scaled_dot_product_attention(
        mg.randn(2, 3, 4), mg.randn(2, 3, 5), mg.randn(2, 3, 4)), RuntimeError,
     has("(2, 3, 4)", "(2, 3, 5)")),
    ("attention-mask", lambda: F.scaled_dot_product_attention(
        mg.randn(2, 3, 4), mg.randn(2, 3, 4), mg.randn(2, 3, 4),
        attn_mask=mg.ones(4, 4, dtype=mg.bool)), RuntimeError, has("mask", "(4, 4)", "(2, 3, 3)")),
    ("BatchNorm1d-channels", lambda: nn.BatchNorm1d(3)(mg.randn(4, 5)), RuntimeError,
     has("(3,)", "(4, 5)")),
    ("LayerNorm-shape", lambda: nn.LayerNorm(4)(mg.randn(2, 3)), RuntimeError, has("[4]", "(2, 3)")),
    ("RNN-input", lambda: nn.RNN(3, 4)(mg.randn(5, 2, 2)), RuntimeError,
     has("input_size", "Expected 3, got 2")),
    ("GRU-h0", lambda: nn.GRU(3, 4)(mg.randn(5, 2, 3), mg.randn(1, 3, 4)), RuntimeError,
     has("(1, 2, 4)", "(1, 3, 4)")),
    ("reshape", lambda: a().reshape(4, 4), RuntimeError, has("[4, 4]", "size 6")),
    ("reshape-two-inferred", lambda: a().reshape(-1, -1), RuntimeError, has("only one dimension")),
    ("expand", lambda: a().expand(4, 3), RuntimeError, has("[4, 3]", "[2, 3]")),
    ("broadcast_to", lambda: mg.broadcast_to(mg.randn(3), (2, 4)), RuntimeError, has("[2, 4]", "[3]")),
    ("cat", lambda: mg.cat([mg.randn(2, 3), mg.randn(2, 4)]), RuntimeError, has("(2, 3)", "(2, 4)")),
    ("cat-empty", lambda: mg.cat([]), ValueError, has("non-empty")),
    ("stack", lambda: mg.stack([mg.randn(2, 3), mg.randn(3, 2)]), RuntimeError,
     has("[2, 3]", "[3, 2]")),
    ("unflatten", lambda: mg.randn(2, 6).unflatten(1, (4, 2)), RuntimeError, has("[4, 2]", "(6)")),
    ("repeat", lambda: a().repeat(2), RuntimeError, has("repeat dims", "(2, 3)")),
    ("setitem-shape", _setitem_shape, RuntimeError, has("(3,)", "(2,)")),
    ("masked_fill-shape", lambda: a().masked_fill(mg.tensor([True, False]), 0.0), RuntimeError,
     has("(2,)", "(2, 3)")),
    ("grad-output-shape", lambda: (mg.randn(3, requires_grad=True) * 2).backward(mg.ones(4)),
     RuntimeError, has("(4,)", "(3,)")),
    ("TensorDataset-sizes", lambda: TensorDataset(mg.zeros(3), mg.zeros(4)), ValueError,
     has("Size mismatch", "[3, 4]")),

    # -- wrong dtypes
    ("int-requires-grad", lambda: mg.tensor([1, 2], requires_grad=True), RuntimeError,
     has("floating point", "int64")),
    ("int-requires_grad_", lambda: mg.arange(3).requires_grad_(), RuntimeError,
     has("floating point", "int64")),
    ("bool-zeros-requires-grad", lambda: mg.zeros(2, dtype=mg.bool, requires_grad=True),
     RuntimeError, has("floating point", "bool")),
    ("bool-sub", lambda: mg.tensor([True]) - mg.tensor([False]), RuntimeError,
     has("bool tensors", "logical_xor")),
    ("bool-sub_", lambda: mg.tensor([True]).sub_(mg.tensor([False])), RuntimeError,
     has("bool tensors", "logical_xor")),
    ("int-Parameter", lambda: nn.Parameter(mg.zeros(2, dtype=mg.int64)), RuntimeError,
     has("floating point", "int64")),
    ("CrossEntropyLoss-float-target",
     lambda: nn.CrossEntropyLoss()(mg.randn(3, 5), mg.tensor([1.0, 2.0, 0.0])), RuntimeError,
     has("int64", "float32")),
    ("nll_loss-float-target", lambda: F.nll_loss(mg.randn(3, 5), mg.tensor([1.0, 2.0, 0.0])),
     RuntimeError, has("int64", "float32")),
    ("Embedding-float-index", lambda: nn.Embedding(4, 2)(mg.tensor([1.0, 2.0])), RuntimeError,
     has("integer", "float32")),
    ("gather-float-index", lambda: mg.gather(a(), 1, mg.tensor([[0.0], [1.0]])), RuntimeError,
     has("int64", "float32")),
    ("index-float", lambda: mg.randn(3)[mg.tensor([0.0])], IndexError, has("float32")),
    ("masked_fill-float-mask", lambda: a().masked_fill(mg.ones(*A), 0.0), RuntimeError,
     has("boolean", "float32")),
    ("bitwise-float", lambda: mg.bitwise_and(mg.randn(2), mg.randn(2)), NotImplementedError,
     has("bitwise_and", "float32")),
    ("tensor-of-strings", lambda: mg.tensor(["a"]), TypeError, has("<U1", "supported dtypes")),
    ("tensor-of-objects", lambda: mg.tensor([object()]), TypeError, has("object")),
    ("from_numpy-complex", lambda: mg.from_numpy(np.ones(2, complex)), TypeError, has("complex128")),
    ("to-unknown-dtype", lambda: mg.zeros(2).to(dtype="float128"), TypeError, has("float128")),
    ("set_default_dtype-int", lambda: mg.set_default_dtype(mg.int64), TypeError,
     has("floating-point", "int64")),

    # -- out-of-range class indices and indices
    ("cross_entropy-class", lambda: F.cross_entropy(mg.randn(3, 5), mg.tensor([1, 5, 0])),
     IndexError, has("target 5", "5 classes")),
    ("cross_entropy-negative-class", lambda: F.cross_entropy(mg.randn(3, 5), mg.tensor([1, -2, 0])),
     IndexError, has("target -2")),
    ("nll_loss-class", lambda: F.nll_loss(mg.randn(3, 5), mg.tensor([1, 5, 0])), IndexError,
     has("target 5")),
    ("one_hot-class", lambda: F.one_hot(mg.tensor([0, 3]), num_classes=3), RuntimeError,
     has("num_classes")),
    ("Embedding-index", lambda: nn.Embedding(4, 2)(mg.tensor([1, 4])), IndexError,
     has("[0, 4)", "max 4")),
    ("binary_cross_entropy-range", lambda: F.binary_cross_entropy(mg.tensor([0.5, 1.5]),
                                                                  mg.tensor([0.0, 1.0])),
     RuntimeError, has("between 0 and 1")),
    ("getitem", lambda: mg.randn(3)[5], IndexError, has("index 5", "size 3")),
    ("getitem-negative", lambda: mg.randn(3, 2)[:, -3], IndexError, has("index -3", "dimension 1")),
    ("getitem-tensor", lambda: mg.randn(3)[mg.tensor([0, 3])], IndexError, has("index 3", "size 3")),
    ("getitem-too-many", lambda: mg.randn(3)[0, 0], IndexError, has("too many indices", "(3,)")),
    ("gather-index", lambda: mg.gather(a(), 1, mg.tensor([[0, 3], [1, 1]])), IndexError,
     has("index 3", "size 3")),
    ("index_select", lambda: mg.index_select(a(), 1, mg.tensor([4])), IndexError,
     has("index 4", "size 3")),
    ("scatter-index", lambda: mg.zeros(2, 3).scatter(1, mg.tensor([[3], [0]]), 1.0), IndexError,
     has("index 3", "size 3")),
    ("take_along_dim", lambda: mg.take_along_dim(a(), mg.tensor([[5]]), 1), IndexError,
     has("index 5", "size 3")),
    ("dim-sum", lambda: a().sum(dim=2), IndexError, has("[-2, 1]", "got 2")),
    ("dim-softmax", lambda: F.softmax(a(), dim=-3), IndexError, has("[-2, 1]", "got -3")),
    ("dim-softmax-tuple", lambda: F.softmax(a(), dim=(0, 1)), TypeError, has("dim", "tuple")),
    ("dim-transpose", lambda: a().transpose(0, 2), IndexError, has("got 2")),
    ("dim-squeeze", lambda: mg.randn(2).squeeze(3), IndexError, has("got 3")),
    ("dim-permute-duplicate", lambda: a().permute(0, 0), RuntimeError, has("duplicate", "(0, 0)")),
    ("dim-var-duplicate", lambda: a().var(dim=(0, 0)), RuntimeError, has("multiple times")),
    ("flatten-dims", lambda: a().flatten(1, 0), RuntimeError, has("start_dim", "end_dim")),
    ("Sequential-index", lambda: nn.Sequential(nn.ReLU())[3], IndexError, has("index 3")),

    # -- negative or zero sizes and counts
    ("zeros-negative", lambda: mg.zeros(-1), RuntimeError, has("negative dimension -1")),
    ("randn-negative", lambda: mg.randn(2, -3), RuntimeError, has("negative dimension -3", "[2, -3]")),
    ("ones-negative", lambda: mg.ones((2, -1)), RuntimeError, has("negative dimension -1")),
    ("empty-negative", lambda: mg.empty(-5), RuntimeError, has("negative dimension -5")),
    ("full-negative", lambda: mg.full((-1,), 2.0), RuntimeError, has("negative dimension -1")),
    ("randint-negative", lambda: mg.randint(0, 3, (-1,)), RuntimeError, has("negative dimension")),
    ("Linear-negative", lambda: nn.Linear(-1, 3), RuntimeError, has("negative dimension -1")),
    ("Embedding-negative", lambda: nn.Embedding(-2, 3), RuntimeError, has("negative dimension -2")),
    ("BatchNorm1d-negative", lambda: nn.BatchNorm1d(-1), RuntimeError, has("negative dimension")),
    ("arange-step0", lambda: mg.arange(0, 5, 0), RuntimeError, has("step must be nonzero")),
    ("arange-sign", lambda: mg.arange(0, 5, -1), RuntimeError, has("step sign")),
    ("randint-range", lambda: mg.randint(5, 3, (2,)), RuntimeError, has("from=5", "to=3")),
    ("chunk-0", lambda: mg.randn(4).chunk(0), RuntimeError, has("chunks", "got: 0")),
    ("split-0", lambda: mg.randn(4).split(0), RuntimeError, has("split_size", "(4,)")),
    ("LSTM-num_layers", lambda: nn.LSTM(3, 4, num_layers=0), ValueError, has("num_layers", "0")),
    ("DataLoader-batch_size-0", lambda: DataLoader(TensorDataset(mg.zeros(3)), batch_size=0),
     ValueError, has("batch_size=0")),
    ("DataLoader-batch_size-negative",
     lambda: DataLoader(TensorDataset(mg.zeros(3)), batch_size=-1), ValueError, has("batch_size=-1")),
    ("StepLR-step_size-0", lambda: optim.lr_scheduler.StepLR(optim.SGD(params(), lr=0.1), 0),
     ValueError, has("step_size", "0")),
    ("max-of-empty", lambda: mg.zeros(0).max(), IndexError, has("non-zero size", "(0,)")),
    ("MultiheadAttention-heads", lambda: nn.MultiheadAttention(6, 4), AssertionError,
     has("(6)", "(4)")),

    # -- invalid probabilities and distributions
    ("dropout-p", lambda: F.dropout(mg.randn(3), p=1.5), ValueError, has("between 0 and 1", "1.5")),
    ("Dropout-negative", lambda: nn.Dropout(p=-0.1), ValueError, has("-0.1")),
    ("Dropout-nan", lambda: nn.Dropout(p=NAN), ValueError, has("nan")),
    ("normal-negative-std", lambda: mg.normal(0.0, -1.0, (2,)), RuntimeError, has("std -1.0")),
    ("normal_-nan-std", lambda: mg.zeros(3).normal_(0.0, NAN), RuntimeError, has("std nan")),
    ("uniform_-range", lambda: mg.zeros(3).uniform_(2.0, 1.0), RuntimeError, has("from=2.0")),
    ("bernoulli-p", lambda: mg.bernoulli(mg.tensor([0.2, 1.5])), RuntimeError, has("0 <= p <= 1")),
    ("bernoulli_-p", lambda: mg.zeros(3).bernoulli_(NAN), RuntimeError, has("0 <= p <= 1", "nan")),

    # -- NaN/inf/out-of-range hyper-parameters, for every optimizer
    *[(f"{o}-{k}={v}", (lambda o=o, k=k, v=v: OPTIMIZERS[o](**{k: v})), ValueError, has(msg))
      for o, k, v, msg in OPT_BAD],
    ("SGD-lr-tensor-nan", lambda: optim.SGD(params(), lr=mg.tensor(NAN)), ValueError,
     has("learning rate: nan")),
    ("SGD-nesterov", lambda: optim.SGD(params(), lr=0.1, nesterov=True), ValueError,
     has("Nesterov", "momentum")),
    ("optimizer-empty", lambda: optim.SGD([], lr=0.1), ValueError, has("empty parameter list")),
    ("optimizer-non-tensor", lambda: optim.SGD([1.0], lr=0.1), TypeError, has("Tensors", "float")),
    ("optimizer-duplicate", lambda: optim.SGD(params() * 2, lr=0.1), ValueError,
     has("more than once")),
    ("optimizer-overlapping-groups", _overlapping_groups, ValueError,
     has("more than one parameter group")),
    ("CosineAnnealingLR-T_max", lambda: optim.lr_scheduler.CosineAnnealingLR(
        optim.SGD(params(), lr=0.1), T_max=0), ValueError, has("T_max", "0")),
    ("scheduler-not-an-optimizer", lambda: optim.lr_scheduler.StepLR(3, 2), TypeError,
     has("not an Optimizer")),

    # -- autograd misuse
    ("backward-non-scalar", lambda: (mg.randn(3, requires_grad=True) * 2).backward(), RuntimeError,
     has("scalar outputs", "(3,)")),
    ("backward-no-grad", lambda: mg.randn(3).sum().backward(), RuntimeError,
     has("does not require grad")),
    ("backward-twice", _double_backward, RuntimeError, has("backward through the graph a second time",
                                                           "retain_graph=True")),
    ("inplace-on-saved", _inplace_on_saved, RuntimeError,
     has("modified by an inplace operation", "(3,)")),
    ("inplace-on-saved-via-view", _inplace_on_saved_through_view, RuntimeError,
     has("modified by an inplace operation", "(2, 3)")),
    ("inplace-on-leaf", lambda: mg.randn(3, requires_grad=True).add_(1), RuntimeError,
     has("leaf Variable", "add_")),
    ("grad-unused", _grad_unused, RuntimeError, has("inputs[1]", "allow_unused=True")),
    ("grad-input-no-grad", lambda: mg.autograd.grad((mg.randn(2, requires_grad=True) * 2).sum(),
                                                    [mg.randn(2)]),
     RuntimeError, has("inputs[0]", "does not require grad")),
    ("requires_grad_-non-leaf", lambda: (mg.randn(2, requires_grad=True) * 2).requires_grad_(False),
     RuntimeError, has("leaf variables")),
    ("retain_grad-no-grad", lambda: mg.randn(2).retain_grad(), RuntimeError, has("requires_grad=False")),
    ("register_hook-no-grad", lambda: mg.randn(2).register_hook(lambda g: g), RuntimeError,
     has("doesn't require gradient")),
    ("numpy-requires-grad", lambda: mg.randn(3, requires_grad=True).numpy(), RuntimeError,
     has("detach().numpy()")),
    ("item-multi", lambda: mg.randn(3).item(), RuntimeError, has("3 elements")),
    ("bool-multi", lambda: bool(mg.randn(3)), RuntimeError, has("3 elements", "ambiguous")),
    ("clip_grad_norm_-nonfinite", _clip_nonfinite, RuntimeError, has("non-finite")),

    # -- state dicts
    ("load_state_dict-missing", lambda: _linear_state(bias=None), RuntimeError,
     has("Missing key(s)", '"bias"')),
    ("load_state_dict-unexpected", lambda: _linear_state(extra=mg.zeros(1)), RuntimeError,
     has("Unexpected key(s)", '"extra"')),
    ("load_state_dict-shape", lambda: _linear_state(weight=mg.zeros(3, 3)), RuntimeError,
     has("size mismatch for weight", "[3, 3]", "[2, 3]")),
    ("optimizer-load_state_dict-groups", lambda: optim.SGD(params(), lr=0.1).load_state_dict(
        {"state": {}, "param_groups": []}), ValueError, has("0 parameter groups", "has 1")),
    ("optimizer-load_state_dict-size", _optimizer_state_size, ValueError, has("2 params", "1")),
    ("Parameter-slot-assignment", _assign_tensor_to_parameter, TypeError,
     has("parameter 'weight'", "Parameter or None")),
    ("register_parameter-dot", lambda: nn.Module().register_parameter("a.b", None), KeyError,
     has('can\\\'t contain "."')),
    ("add_module-non-module", lambda: nn.Module().add_module("a", 3), TypeError,
     has("int is not a Module")),
    ("load-garbage", lambda: mg.load(io.BytesIO(b"garbage bytes here")), CheckpointError,
     has("not a minigrad checkpoint")),
    ("save-unpicklable", lambda: mg.save({"f": lambda: 0}, io.BytesIO()),
     (pickle.PicklingError, AttributeError),
     has("Can't pickle", "lambda")),

    # -- unknown strings: reduction, padding, mode, nonlinearity, approximate, norm
    *[(f"reduction-{k}", (lambda f=f: f("avg")), ValueError, has("'avg'", "reduction"))
      for k, f in REDUCTIONS.items()],
    ("conv2d-padding-string", lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3),
                                               padding="full"), ValueError, has("'full'", "same")),
    ("Conv2d-padding-string", lambda: nn.Conv2d(3, 4, 3, padding="full"), ValueError,
     has("'full'", "valid")),
    ("Conv2d-padding_mode", lambda: nn.Conv2d(3, 4, 3, padding_mode="mirror"), ValueError,
     has("padding_mode='mirror'")),
    ("Conv2d-same-strided", lambda: nn.Conv2d(3, 4, 3, padding="same", stride=2), ValueError,
     has("'same'", "strided")),
    ("pad-mode", lambda: F.pad(mg.randn(1, 1, 4, 4), (1, 1), mode="wrap"), NotImplementedError,
     has("'wrap'")),
    ("pad-length", lambda: F.pad(mg.randn(1, 1, 3), (1,)), RuntimeError, has("divisible by 2")),
    ("pad-reflect-too-big", lambda: F.pad(mg.randn(1, 1, 3), (5, 5), mode="reflect"), RuntimeError,
     has("(5, 5)", "[1, 1, 3]")),
    ("interpolate-mode", lambda: F.interpolate(mg.randn(1, 1, 4, 4), scale_factor=2,
                                               mode="cubicish"), ValueError, has("'cubicish'")),
    ("Upsample-mode", lambda: nn.Upsample(scale_factor=2, mode="cubicish")(mg.randn(1, 1, 4, 4)),
     ValueError, has("'cubicish'")),
    ("interpolate-size", lambda: F.interpolate(mg.randn(1, 1, 4, 4), size=(2, 2, 2)), ValueError,
     has("(2, 2, 2)")),
    ("RNN-nonlinearity", lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError,
     has("'sigmoid'")),
    ("calculate_gain", lambda: nn.init.calculate_gain("swish"), ValueError, has("swish")),
    ("kaiming-nonlinearity", lambda: nn.init.kaiming_uniform_(mg.empty(3, 4), nonlinearity="swish"),
     ValueError, has("swish")),
    ("kaiming-mode", lambda: nn.init.kaiming_uniform_(mg.empty(3, 4), mode="fan_avg"), ValueError,
     has("fan_avg")),
    ("gelu-approximate", lambda: F.gelu(mg.randn(3), approximate="fast"), ValueError, has("'fast'")),
    ("norm-p", lambda: mg.randn(3).norm(p="nucc"), RuntimeError, has("'nucc'")),

    # -- devices
    ("device-unknown", lambda: mg.zeros(2, device="tpu"), RuntimeError, has("'tpu'", "cpu", "cuda")),
    ("device-index", lambda: mg.zeros(2, device="cuda:x"), RuntimeError, has("'cuda:x'")),
    ("device-negative-index", lambda: mg.device("cpu:-1"), RuntimeError, has("'cpu:-1'")),
    ("to-unknown-device", lambda: mg.zeros(2).to("gpu"), RuntimeError, has("'gpu'")),
    pytest.param("cuda-unavailable", lambda: mg.zeros(2, device="cuda"), RuntimeError,
                 has("CUDA is not available", "CuPy"),
                 marks=pytest.mark.skipif(CUDA, reason="CUDA is available")),
    pytest.param("mixed-devices", lambda: mg.zeros(2) + mg.zeros(2, device="cuda"), RuntimeError,
                 has("same device", "cpu", "cuda"),
                 marks=pytest.mark.skipif(not CUDA, reason="needs CUDA")),
    pytest.param("mixed-devices-matmul", lambda: mg.zeros(2, 2) @ mg.zeros(2, 2, device="cuda"),
                 RuntimeError, has("same device", "cpu", "cuda"),
                 marks=pytest.mark.skipif(not CUDA, reason="needs CUDA")),
]


def _id(case):
    return case.values[0] if hasattr(case, "values") else case[0]


@pytest.mark.parametrize("name,thunk,exc,pattern", CASES, ids=[_id(c) for c in CASES])
def test_bad_input_raises_clear_error(name, thunk, exc, pattern):
    with pytest.raises(exc, match=pattern):
        thunk()
    assert mg.is_grad_enabled()  # a failed call leaves grad mode as it was
    assert not mg.autograd.is_anomaly_enabled()


def test_the_table_is_large_and_unique():
    names = [_id(c) for c in CASES]
    assert len(names) == len(set(names))
    assert len(names) >= 60


def test_zero_sizes_are_legal_like_pytorch():
    """Zero-sized layers and tensors are not errors in PyTorch (only a warning that initialising
    them is a no-op); minigrad agrees, and they compute the obvious empty or bias-only results."""
    with pytest.warns(UserWarning, match="zero-element"):
        lin = nn.Linear(0, 3)
    with mg.no_grad():
        lin.bias.fill_(0.5)
    y = lin(mg.zeros(2, 0))
    np.testing.assert_array_equal(y.detach().numpy(), np.full((2, 3), 0.5))
    y.sum().backward()
    assert lin.weight.grad.shape == (3, 0)
    np.testing.assert_array_equal(lin.bias.grad.numpy(), [2.0, 2.0, 2.0])
    assert mg.zeros(0, 3).sum(0).shape == (3,)
    assert mg.ones(2, 0).sum().item() == 0.0
