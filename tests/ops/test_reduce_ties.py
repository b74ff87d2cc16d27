"""Gradients of max/min/amax/amin/norm(inf) at ties.

The documented rule (minigrad/ops/reduce.py, as in PyTorch): amax/amin and max()/min()
without dim spread the gradient evenly over the tied elements; max(dim)/min(dim) route it
to the returned index (the first occurrence)."""
import numpy as np
import pytest

import minigrad as mg

X = np.array([[1.0, 3.0, 3.0, 2.0],
              [5.0, 5.0, 5.0, 0.0],
              [-1.0, -4.0, -1.0, -4.0]])

CASES = {
    "max_all": lambda t: t.max(),
    "min_all": lambda t: t.min(),
    "amax_dim": lambda t: t.amax(1),
    "amin_dim_keepdim": lambda t: t.amin(-1, keepdim=True),
    "amax_tuple": lambda t: t.amax((0, 1)),
    "amin_dim0": lambda t: t.amin(0),
    "max_dim": lambda t: t.max(1).values,
    "min_dim_keepdim": lambda t: t.min(-1, keepdim=True).values,
    "max_dim0": lambda t: t.max(0).values,
    "norm_inf": lambda t: t.norm(float("inf"), dim=1),
}


def _grad(fn, x, lib, g):
    if lib == "torch":
        import torch

        t = torch.tensor(x, requires_grad=True)
        fn(t).backward(torch.tensor(g))
        return t.grad.numpy()
    t = mg.tensor(x, requires_grad=True)
    fn(t).backward(mg.tensor(g))
    return t.grad.numpy()


@pytest.mark.parametrize("name", CASES)
def test_ties_match_torch(name):
    torch = pytest.importorskip("torch")
    fn = CASES[name]
    out = fn(torch.tensor(X))
    g = np.random.default_rng(0).standard_normal(tuple(out.shape))
    np.testing.assert_allclose(_grad(fn, X, "mg", g), _grad(fn, X, "torch", g), rtol=1e-12)


def test_even_spread_rule():
    g = _grad(lambda t: t.amax(1), X, "mg", np.ones(3))
    np.testing.assert_array_equal(g, [[0, .5, .5, 0], [1 / 3, 1 / 3, 1 / 3, 0], [.5, 0, .5, 0]])
    g = _grad(lambda t: t.max(), X, "mg", np.array(1.0))
    np.testing.assert_array_equal(g, [[0, 0, 0, 0], [1 / 3, 1 / 3, 1 / 3, 0], [0, 0, 0, 0]])
    g = _grad(lambda t: t.amin(1), X, "mg", np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [[1, 0, 0, 0], [0, 0, 0, 2], [0, 1.5, 0, 1.5]])


def test_dim_routes_to_first_index():
    r = mg.tensor(X).max(1)
    np.testing.assert_array_equal(r.indices.numpy(), [1, 0, 0])
    g = _grad(lambda t: t.max(1).values, X, "mg", np.ones(3))
    np.testing.assert_array_equal(g, [[0, 1, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]])
    g = _grad(lambda t: t.min(1).values, X, "mg", np.ones(3))
    np.testing.assert_array_equal(g, [[1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0]])


def test_tie_gradients_twice_differentiable():
    """The tie weights are constants: the gradient is linear in the upstream gradient."""
    x = mg.tensor(X, requires_grad=True)
    gy = mg.tensor(np.ones(3), requires_grad=True)
    (gx,) = mg.autograd.grad(x.amax(1), x, gy, create_graph=True)
    (ggy,) = mg.autograd.grad((gx * gx).sum(), gy)
    np.testing.assert_allclose(ggy.numpy(), [2 * (0.25 + 0.25), 2 * (3 / 9), 2 * 0.5])
