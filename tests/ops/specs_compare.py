"""Specs for selection ops: maximum, minimum, clamp/clip, lerp, where with scalars.
Comparisons and logical ops have no gradient (NOT_DIFFERENTIABLE; tested in
tests/ops/test_numerics_unary.py)."""
import numpy as np

from minigrad import ops

from .specs import OpSpec, away_from

BIN = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((), ())]
TRI = [((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((2, 3), (), ()), ((), (), ())]


def _torch_clamp(lo, hi):
    def fn(a):
        import torch

        return torch.clamp(a, lo, hi)

    return fn


SPECS = [
    OpSpec("maximum", ops.maximum, np.maximum, BIN, broadcast=True,
           torch_fn=lambda a, b: a.maximum(b)),
    OpSpec("minimum", ops.minimum, np.minimum, BIN, broadcast=True,
           torch_fn=lambda a, b: a.minimum(b)),
    OpSpec("clamp", lambda a: ops.clamp(a, -0.5, 0.7), lambda a: np.clip(a, -0.5, 0.7),
           [((3, 4),), ((),)], domain=away_from([-0.5, 0.7]), torch_fn=_torch_clamp(-0.5, 0.7)),
    OpSpec("clamp", lambda a: a.clamp(min=-0.5), lambda a: np.maximum(a, -0.5), [((3, 4),)],
           domain=away_from([-0.5]), torch_fn=_torch_clamp(-0.5, None), id="clamp_min"),
    OpSpec("clamp", lambda a: a.clamp(max=0.5), lambda a: np.minimum(a, 0.5), [((3, 4),)],
           domain=away_from([0.5]), torch_fn=_torch_clamp(None, 0.5), id="clamp_max"),
    OpSpec("clamp", ops.clamp, lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi), TRI,
           domain=[(-2, 2), (-1.5, -0.1), (0.1, 1.5)], broadcast=True,
           torch_fn=lambda x, lo, hi: x.clamp(lo, hi), id="clamp_tensor"),
    OpSpec("clamp", ops.clamp, lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
           [((3, 4), (3, 4), (4,))], domain=[(-2, 2), (0.5, 1.5), (-1.5, -0.5)],
           torch_fn=lambda x, lo, hi: x.clamp(lo, hi), id="clamp_tensor_min_gt_max"),
    OpSpec("clip", lambda a: ops.clip(a, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), [((3, 4),)],
           domain=away_from([-0.5, 0.5])),
    OpSpec("lerp", ops.lerp, lambda a, b, w: a + w * (b - a), TRI, broadcast=True,
           torch_fn=lambda a, b, w: a.lerp(b, w)),
    OpSpec("lerp", lambda a, b: ops.lerp(a, b, 0.3), lambda a, b: a + 0.3 * (b - a), BIN[:2],
           torch_fn=lambda a, b: a.lerp(b, 0.3), id="lerp_scalar"),
    OpSpec("where", lambda a: ops.where(a > 0, a, 0.0), lambda a: np.where(a > 0, a, 0.0),
           [((3, 4),), ((),)], domain=away_from([0]), id="where_scalar_other"),
    OpSpec("where", lambda a: ops.where(a > 0, 1.5, a), lambda a: np.where(a > 0, 1.5, a),
           [((3, 4),)], domain=away_from([0]), id="where_scalar_input"),
]

NOT_DIFFERENTIABLE = {
    **{n: "logical op (bool result, no gradient)"
       for n in ("logical_and", "logical_or", "logical_xor", "logical_not")},
    **{n: "float classification (bool result, no gradient)" for n in ("isnan", "isinf", "isfinite")},
    "equal": "returns a Python bool",
    "allclose": "returns a Python bool",
    "isclose": "comparison (bool result, no gradient)",
}
