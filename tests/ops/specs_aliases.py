"""Specs for minigrad/ops/aliases.py: the composites (frac, clamp_min, clamp_max, ravel)
are gradient-checked here; the pure aliases are the same function objects as ops already in
the table (checked below), so their entries cover them."""
import numpy as np

from minigrad import ops
from minigrad.ops import aliases

from .specs import OpSpec, away_from

SPECS = [
    OpSpec("frac", lambda a: ops.frac(a), lambda a: a - np.trunc(a), [((3, 4),), ((),)],
           domain=away_from([-1.0, 0.0, 1.0]), torch_fn=lambda a: a.frac()),
    OpSpec("clamp_min", lambda a: a.clamp_min(0.1), lambda a: np.maximum(a, 0.1), [((3, 4),)],
           domain=away_from([0.1]), torch_fn=lambda a: a.clamp_min(0.1)),
    OpSpec("clamp_max", lambda a: ops.clamp_max(a, -0.2), lambda a: np.minimum(a, -0.2),
           [((3, 4),)], domain=away_from([-0.2]), torch_fn=lambda a: a.clamp_max(-0.2)),
    OpSpec("ravel", lambda a: a.transpose(0, 1).ravel(), lambda a: a.T.ravel(), [((3, 4),)],
           torch_fn=lambda a: a.transpose(0, 1).ravel()),
    OpSpec("positive", lambda a: ops.positive(a) * 1.0, lambda a: a * 1.0, [((3,),)]),
]

_COMPOSITES = {s.name for s in SPECS}
NOT_DIFFERENTIABLE = {
    name: f"the same function as ops.{getattr(aliases, name).__name__}, covered by its entries"
    for name in aliases.__all__ if name not in _COMPOSITES
}
assert all(getattr(aliases, n) is getattr(ops, getattr(aliases, n).__name__)
           for n in NOT_DIFFERENTIABLE)
