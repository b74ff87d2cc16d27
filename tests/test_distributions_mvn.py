"""MultivariateNormal against torch.distributions for each parameterisation (log_prob,
entropy, moments, the three matrices, KL, with gradients), rsample gradients against finite
differences, sample covariance and validation errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D

from .test_distributions import _compare


def _spd(rng, *batch, n=3):
    a = rng.standard_normal(batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _arrays(rng, which):
    loc = rng.standard_normal((2, 1, 3))  # broadcast against a (4,) batch of matrices
    m = _spd(rng, 4)
    if which == "scale_tril":
        m = np.linalg.cholesky(m)
    return loc, m


QUANTITIES = ["log_prob", "entropy", "mean", "variance", "covariance_matrix",
              "precision_matrix", "scale_tril", "kl"]


@pytest.mark.parametrize("which", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_matches_torch(which, rng):
    torch = pytest.importorskip("torch")
    loc, mat = _arrays(rng, which)
    value = rng.standard_normal((5, 2, 4, 3))
    other = dict(loc=rng.standard_normal(3), covariance_matrix=_spd(rng))
    for q in QUANTITIES:
        leaves = {}
        dists = []
        for lib in (mg, torch):
            lt, mt = lib.tensor(loc, requires_grad=True), lib.tensor(mat, requires_grad=True)
            leaves[lib] = [lt, mt]
            dists.append(lib.distributions.MultivariateNormal(lt, **{which: mt}))
        m, t = dists
        assert m.batch_shape == tuple(t.batch_shape) and m.event_shape == tuple(t.event_shape)

        def get(d, lib):
            if q == "log_prob":
                return d.log_prob(lib.tensor(value))
            if q == "entropy":
                return d.entropy()
            if q == "kl":
                o = lib.distributions.MultivariateNormal(
                    lib.tensor(other["loc"]), covariance_matrix=lib.tensor(
                        other["covariance_matrix"]))
                return lib.distributions.kl_divergence(d, o)
            return getattr(d, q)

        got, want = get(m, mg), get(t, torch)
        assert tuple(got.shape) == tuple(want.shape), q
        _compare(got, want, leaves[mg], leaves[torch], rng, rtol=1e-9, atol=1e-11)


def test_rsample_gradient_matches_finite_differences(rng):
    loc = rng.standard_normal(3)
    L = np.linalg.cholesky(_spd(rng))

    def draw(lt, Lt):
        mg.manual_seed(3)
        return D.MultivariateNormal(lt, scale_tril=Lt).rsample((4,))

    lt, Lt = mg.tensor(loc, requires_grad=True), mg.tensor(L, requires_grad=True)
    w = rng.standard_normal((4, 3))
    (draw(lt, Lt) * mg.tensor(w)).sum().backward()
    h = 1e-6
    for arr, grad, idx in ((loc, lt.grad, (1,)), (L, Lt.grad, (2, 0))):
        up, down = arr.copy(), arr.copy()
        up[idx] += h
        down[idx] -= h
        args = lambda a: (mg.tensor(a), mg.tensor(L)) if arr is loc else (mg.tensor(loc),
                                                                         mg.tensor(a))
        fd = ((draw(*args(up)).numpy() - draw(*args(down)).numpy()) * w).sum() / (2 * h)
        np.testing.assert_allclose(grad.numpy()[idx], fd, rtol=1e-6)


def test_sample_covariance():
    mg.manual_seed(0)
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    d = D.MultivariateNormal(mg.tensor([1.0, -1.0, 0.0], dtype=mg.float64),
                             covariance_matrix=mg.tensor(cov))
    x = d.sample((40000,)).numpy()
    assert not d.sample().requires_grad
    np.testing.assert_allclose(x.mean(0), [1.0, -1.0, 0.0], atol=5 * np.sqrt(2.0 / 40000))
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.05)


def test_validation_errors():
    with pytest.raises(ValueError, match="Exactly one of"):
        D.MultivariateNormal(mg.zeros(2))
    with pytest.raises(ValueError, match="Exactly one of"):
        D.MultivariateNormal(mg.zeros(2), covariance_matrix=mg.eye(2), scale_tril=mg.eye(2))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        D.MultivariateNormal(mg.tensor(0.0), covariance_matrix=mg.eye(1))
    with pytest.raises(ValueError, match="covariance_matrix.*PositiveDefinite"):
        D.MultivariateNormal(mg.zeros(2), covariance_matrix=mg.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="scale_tril.*LowerCholesky"):
        D.MultivariateNormal(mg.zeros(2), scale_tril=mg.tensor([[1.0, 1.0], [0.0, 1.0]]))
