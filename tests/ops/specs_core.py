"""Specs for the ops the core was bootstrapped with (arithmetic, a few unary, sum, matmul)."""
import numpy as np

import minigrad as mg
from minigrad import ops

from .specs import OpSpec, away_from, positive

BIN = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((), ())]

SPECS = [
    OpSpec("add", lambda a, b: a + b, np.add, BIN, broadcast=True, torch_fn=lambda a, b: a + b),
    OpSpec("add", lambda a, b: ops.add(a, b, alpha=2.5), lambda a, b: a + 2.5 * b, BIN[:2], id="add_alpha"),
    OpSpec("sub", lambda a, b: a - b, np.subtract, BIN, broadcast=True, torch_fn=lambda a, b: a - b),
    OpSpec("mul", lambda a, b: a * b, np.multiply, BIN, broadcast=True, torch_fn=lambda a, b: a * b),
    OpSpec("div", lambda a, b: a / b, np.divide, BIN, broadcast=True,
           domain=[(-2, 2), away_from([0], -2, 2, 0.3)], torch_fn=lambda a, b: a / b),
    OpSpec("neg", lambda a: -a, np.negative, [((3, 4),), ((),)], torch_fn=lambda a: -a),
    OpSpec("pow", lambda a: a**3, lambda a: a**3, [((3, 4),), ((),)], id="pow_scalar"),
    OpSpec("pow", lambda a: a**0.5, np.sqrt, [((3, 4),)], domain=positive(), id="pow_half"),
    OpSpec("pow", lambda a, b: a**b, np.power, BIN[:3], domain=[positive(), (-2, 2)],
           broadcast=True, id="pow_tensor", torch_fn=lambda a, b: a**b),
    OpSpec("pow", lambda b: 2.0**b, lambda b: 2.0**b, [((3,),)], id="rpow"),
    OpSpec("exp", ops.exp, np.exp, [((3, 4),), ((),)], torch_fn=lambda a: a.exp()),
    OpSpec("log", ops.log, np.log, [((3, 4),), ((),)], domain=positive(), torch_fn=lambda a: a.log()),
    OpSpec("tanh", ops.tanh, np.tanh, [((3, 4),), ((),)], torch_fn=lambda a: a.tanh()),
    OpSpec("sigmoid", ops.sigmoid, lambda a: 1 / (1 + np.exp(-a)), [((3, 4),), ((),)],
           torch_fn=lambda a: a.sigmoid()),
    OpSpec("relu", ops.relu, lambda a: np.maximum(a, 0), [((3, 4),), ((),)],
           domain=away_from([0]), torch_fn=lambda a: a.relu()),
    OpSpec("sum", lambda a: a.sum(), np.sum, [((3, 4),), ((),)], id="sum_all"),
    OpSpec("sum", lambda a: a.sum(dim=-1), lambda a: a.sum(axis=-1), [((3, 4),), ((2, 3, 4),)], id="sum_neg"),
    OpSpec("sum", lambda a: a.sum(dim=(0, 2), keepdim=True), lambda a: a.sum(axis=(0, 2), keepdims=True),
           [((2, 3, 4),)], id="sum_keepdim"),
    OpSpec("matmul", lambda a, b: a @ b, np.matmul,
           [((3, 4), (4, 5)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
            ((2, 1, 3, 4), (5, 4, 2))], torch_fn=lambda a, b: a @ b),
    OpSpec("reshape", lambda a: a.reshape(4, -1), lambda a: a.reshape(4, -1), [((2, 3, 2),)]),
    OpSpec("view", lambda a: a.view(-1), lambda a: a.reshape(-1), [((2, 3),), ((),)]),
    OpSpec("permute", lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), [((2, 3, 4),)]),
    OpSpec("transpose", lambda a: a.transpose(0, -1), lambda a: np.swapaxes(a, 0, -1), [((2, 3, 4),)]),
    OpSpec("broadcast_to", lambda a: ops.broadcast_to(a, (2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4)),
           [((3, 1),), ((),)]),
    OpSpec("expand", lambda a: a.expand(2, -1, 4), lambda a: np.broadcast_to(a, (2, 3, 4)), [((3, 1),)]),
    OpSpec("sum_to", lambda a: ops.sum_to(a, (3, 1)), lambda a: a.sum(0).sum(-1, keepdims=True),
           [((2, 3, 4),)]),
    OpSpec("clone", ops.clone, np.copy, [((3, 4),), ((),)]),
    OpSpec("contiguous", lambda a: a.T.contiguous(), lambda a: np.ascontiguousarray(a.T), [((3, 4),)]),
    OpSpec("where", lambda a, b: ops.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
           [((3, 4), (3, 4)), ((3, 1), (4,))], domain=away_from([0])),
    OpSpec("getitem", lambda a: a[1:, ::2], lambda a: a[1:, ::2], [((3, 4),)], id="getitem_slice"),
    OpSpec("getitem", lambda a: a[mg.tensor([0, 2, 0])], lambda a: a[[0, 2, 0]], [((3, 4),)],
           id="getitem_repeat"),
    OpSpec("unsqueeze", lambda a: a.unsqueeze(-1), lambda a: a[..., None], [((3, 4),), ((),)]),
    OpSpec("squeeze", lambda a: a.squeeze(1), lambda a: a.squeeze(1), [((3, 1, 4),)]),
]

NOT_DIFFERENTIABLE = {
    "to": "a dtype cast is flat at float32 resolution, so finite differences through it are "
          "meaningless; its gradient (a cast back) is tested in tests/autograd/test_engine.py",
    "eq": "comparison", "ne": "comparison", "lt": "comparison", "le": "comparison",
    "gt": "comparison", "ge": "comparison",
}
