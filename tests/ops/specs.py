"""The op table: every public differentiable op with its NumPy reference and input domain.

One ``OpSpec`` per op. ``tests/ops/test_ops.py`` runs, for every entry and every shape
set: forward vs the NumPy reference (float64 and float32), ``gradcheck`` and (when
``twice``) ``gradgradcheck`` in float64, a non-contiguous variant, and a comparison with
PyTorch when it is installed. ``test_table_is_complete`` fails for a public op missing
from the table (or from ``NOT_DIFFERENTIABLE``).

Family tables live next to this file (``specs_<family>.py``) and are gathered here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class OpSpec:
    """One op under test.

    Attributes:
        name: public name (function in ``minigrad.ops``) this entry covers.
        fn: minigrad callable over Tensors (and fixed non-tensor arguments).
        ref: NumPy reference over float64 arrays, same argument order.
        shapes: list of shape tuples, one shape per tensor input, e.g.
            ``[((3, 4), (4,)), ((), ())]`` (cover broadcasting, 0-d, negative dims...).
        domain: ``(low, high)`` for uniform inputs, or ``callable(rng, shape) -> array``
            (e.g. positive inputs for log, values away from kinks for abs).
        twice: whether gradgradcheck applies (op twice differentiable).
        torch_fn: optional equivalent over torch tensors for the torch comparison.
        grad_inputs: indices of inputs that are differentiable (default: all).
        int_inputs: {index: (low, high)} integer (index) inputs, drawn int64.
        broadcast: inputs are elementwise-broadcastable (hypothesis draws shapes).
        atol, rtol: gradcheck tolerances (defaults are the library's).
        fwd_rtol: forward comparison tolerance for float32.
        torch_rtol: tolerance of the PyTorch comparison (float64); looser only where
            PyTorch's own kernel rounds a constant to float32 (say which, at the entry).
    """

    name: str
    fn: Callable
    ref: Callable | None
    shapes: list
    domain: object = (-2.0, 2.0)
    twice: bool = True
    torch_fn: Callable | None = None
    grad_inputs: tuple | None = None
    int_inputs: dict = field(default_factory=dict)
    broadcast: bool = False
    atol: float = 1e-5
    rtol: float = 1e-3
    fwd_rtol: float = 1e-5
    torch_rtol: float = 1e-10
    id: str | None = None

    def __post_init__(self):
        if self.id is None:
            self.id = self.name

    def make_inputs(self, rng, shapes, dtype=np.float64):
        arrays = []
        for i, s in enumerate(shapes):
            if i in self.int_inputs:
                lo, hi = self.int_inputs[i]
                arrays.append(rng.integers(lo, hi, size=s).astype(np.int64))
                continue
            dom = self.domain[i] if isinstance(self.domain, list) else self.domain
            if callable(dom):
                a = np.asarray(dom(rng, s), dtype=np.float64)
            else:
                a = rng.uniform(dom[0], dom[1], size=s)
            arrays.append(np.asarray(a, dtype=dtype))
        return arrays

    def differentiable(self, i):
        if i in self.int_inputs:
            return False
        return self.grad_inputs is None or i in self.grad_inputs


def away_from(points, low=-2.0, high=2.0, gap=0.05):
    """Domain sampler: uniform on [low, high] but at least ``gap`` away from ``points``
    (kinks such as 0 for abs/relu, where finite differences are meaningless)."""

    def draw(rng, shape):
        a = rng.uniform(low, high, size=shape)
        for p in points:
            near = np.abs(a - p) < gap
            a = np.where(near, p + np.sign(a - p + 1e-12) * gap * 2, a)
        return a

    return draw


def positive(low=0.1, high=3.0):
    return (low, high)


def distinct(low=-2.0, high=2.0):
    """Domain sampler whose values are pairwise well separated (for max/min/sort-like ops,
    where ties make the derivative undefined)."""

    def draw(rng, shape):
        n = int(np.prod(shape)) if shape else 1
        vals = rng.permutation(n) * (high - low) / max(n, 1) + low
        return vals.reshape(shape) + rng.uniform(0, 0.1 * (high - low) / max(n, 1), size=shape)

    return draw


# Public ops in minigrad.ops that have no gradient (comparisons, logical, integer results)
# or are covered through other entries; each with the reason.
NOT_DIFFERENTIABLE: dict[str, str] = {}


def all_specs():
    from . import specs_core

    specs = list(specs_core.SPECS)
    not_diff = dict(specs_core.NOT_DIFFERENTIABLE)
    for mod in ("specs_elementwise", "specs_unary", "specs_compare", "specs_reduce",
                "specs_movement", "specs_indexing", "specs_linalg", "specs_conv", "specs_loss",
                "specs_norm", "specs_rnn", "specs_sorting", "specs_joining", "specs_scattering",
                "specs_views", "specs_special", "specs_resample", "specs_aliases", "specs_nn",
                "specs_statistics", "specs_products", "specs_inplace_forms",
                "specs_special_fns",
                "specs_linalg_ops", "specs_nn_tail", "specs_selecting", "specs_cells", "specs_fft",
                "specs_strided"):
        try:
            m = __import__(f"tests.ops.{mod}", fromlist=["SPECS"])
        except ModuleNotFoundError as e:
            if e.name != f"tests.ops.{mod}":
                raise
            continue
        specs += list(m.SPECS)
        not_diff.update(getattr(m, "NOT_DIFFERENTIABLE", {}))
    NOT_DIFFERENTIABLE.update(not_diff)
    return specs
