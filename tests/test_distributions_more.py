"""Exponential, Laplace, LogNormal, Geometric, OneHotCategorical and Independent against
torch.distributions (log_prob, entropy, moments, cdf/icdf, KL and their gradients), rsample
gradients against finite differences, sampling statistics and validation errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D

from .test_distributions import _compare


def _params(rng, name):
    """(constructor kwargs as float64 arrays, a valid value array) for one family."""
    b = (3, 4)
    if name == "Exponential":
        return dict(rate=rng.uniform(0.5, 2, b)), rng.exponential(1.0, (2,) + b)
    if name == "Laplace":
        return dict(loc=rng.standard_normal((3, 1)), scale=rng.uniform(0.5, 2, (4,))), \
            rng.standard_normal((2,) + b)
    if name == "LogNormal":
        return dict(loc=rng.standard_normal(b) * 0.3, scale=rng.uniform(0.3, 1, b)), \
            rng.uniform(0.2, 3, (2,) + b)
    if name.startswith("Geometric"):
        key = name.split("-")[1]
        a = rng.uniform(0.1, 0.9, b) if key == "probs" else rng.standard_normal(b)
        return {key: a}, rng.integers(0, 6, (2,) + b).astype(np.float64)
    if name.startswith("OneHotCategorical"):
        key = name.split("-")[1]
        a = rng.uniform(0.1, 1, (3, 5)) if key == "probs" else rng.standard_normal((3, 5))
        return {key: a}, np.eye(5)[rng.integers(0, 5, (2, 3))]
    raise KeyError(name)


def _make(lib, name, arrays, leaves):
    dist = lib.distributions
    kw = {}
    for k, a in arrays.items():
        t = lib.tensor(a, requires_grad=True)
        leaves.append(t)
        kw[k] = t
    if name == "Independent":
        return dist.Independent(dist.Normal(**kw), 1)
    return getattr(dist, name.split("-")[0])(**kw)


NAMES = ["Exponential", "Laplace", "LogNormal", "Geometric-probs", "Geometric-logits",
         "OneHotCategorical-probs", "OneHotCategorical-logits", "Independent"]
QUANTITIES = ["log_prob", "entropy", "mean", "variance", "stddev", "mode", "cdf", "icdf",
              "kl"]
NO_GRAD = {"mode"}  # piecewise constant (or loc itself, checked by mean)
MISSING: set = set()


def _quantity(d, lib, q, value, other):
    if q == "log_prob":
        return d.log_prob(lib.tensor(value))
    if q == "cdf":
        return d.cdf(lib.tensor(value))
    if q == "icdf":
        return d.icdf(d.cdf(lib.tensor(value)).detach())
    if q == "kl":
        return lib.distributions.kl_divergence(d, other)
    return getattr(d, q)() if q == "entropy" else getattr(d, q)


def _shifted(arrays):
    """Parameters of a second distribution (no gradient) for KL."""
    out = {}
    for k, a in arrays.items():
        out[k] = a + 0.3 if k in ("loc", "logits") else a * 0.7 if k != "probs" else np.sqrt(a)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_matches_torch(name, rng):
    torch = pytest.importorskip("torch")
    if name == "Independent":
        arrays, value = dict(loc=rng.standard_normal((3, 4)), scale=rng.uniform(0.5, 2, (3, 4))), \
            rng.standard_normal((2, 3, 4))
    else:
        arrays, value = _params(rng, name)
    checked = 0
    for q in QUANTITIES:
        if (name, q) in MISSING:
            continue
        ml, tl = [], []
        m, t = _make(mg, name, arrays, ml), _make(torch, name, arrays, tl)
        try:
            other_t = _make(torch, name, _shifted(arrays), [])
            want = _quantity(t, torch, q, value, other_t)
        except NotImplementedError:
            with pytest.raises(NotImplementedError):  # torch doesn't have it: neither do we
                _quantity(m, mg, q, value, _make(mg, name, _shifted(arrays), []))
            continue
        got = _quantity(m, mg, q, value, _make(mg, name, _shifted(arrays), []))
        assert m.batch_shape == tuple(t.batch_shape) and m.event_shape == tuple(t.event_shape)
        assert m.has_rsample == t.has_rsample
        assert tuple(got.shape) == tuple(want.shape), q
        if q in NO_GRAD or not want.requires_grad:
            np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(),
                                       rtol=1e-10, atol=1e-12, err_msg=q)
        else:
            _compare(got, want, ml, tl, rng)
        checked += 1
    assert checked >= 6
    assert m.sample((7,)).shape == tuple(t.sample((7,)).shape)


@pytest.mark.parametrize("name", ["Exponential", "Laplace", "LogNormal"])
def test_rsample_gradient_matches_finite_differences(name, rng):
    arrays, _ = _params(rng, name)

    def draw(**kw):
        mg.manual_seed(7)
        return getattr(D, name)(**kw).rsample((5,))

    leaves = {k: mg.tensor(a, requires_grad=True) for k, a in arrays.items()}
    w = rng.standard_normal(tuple(draw(**leaves).shape))
    (draw(**leaves) * mg.tensor(w)).sum().backward()
    h = 1e-6
    for k, a in arrays.items():
        idx = (0,) * a.ndim
        up, down = dict(arrays), dict(arrays)
        up[k], down[k] = a.copy(), a.copy()
        up[k][idx] += h
        down[k][idx] -= h
        fd = ((draw(**{j: mg.tensor(v) for j, v in up.items()}).numpy() -
               draw(**{j: mg.tensor(v) for j, v in down.items()}).numpy()) * w).sum() / (2 * h)
        np.testing.assert_allclose(leaves[k].grad.numpy()[idx], fd, rtol=1e-6, atol=1e-8)


def test_sampling_moments():
    mg.manual_seed(0)
    mg.set_default_dtype(mg.float64)
    try:
        _check_moments()
    finally:
        mg.set_default_dtype(mg.float32)


def _check_moments():
    n = 40000
    cases = [(D.Exponential(mg.tensor([0.5, 2.0])), [2.0, 0.5], [4.0, 0.25]),
             (D.Laplace(mg.tensor([1.0, -1.0]), mg.tensor([0.5, 2.0])), [1.0, -1.0],
              [0.5, 8.0]),
             (D.LogNormal(mg.tensor([0.0, 0.5]), mg.tensor([0.25, 0.5])),
              np.exp([0.25**2 / 2, 0.5 + 0.5**2 / 2]),
              np.expm1([0.25**2, 0.5**2]) * np.exp([0.25**2, 1 + 0.5**2])),
             (D.Geometric(probs=mg.tensor([0.3, 0.8])), [1 / 0.3 - 1, 1 / 0.8 - 1],
              [(1 / 0.3 - 1) / 0.3, (1 / 0.8 - 1) / 0.8])]
    for d, mean, var in cases:
        x = d.sample((n,)).numpy()
        # within 5 standard errors of the mean; variance within 10%
        assert np.all(np.abs(x.mean(0) - mean) < 5 * np.sqrt(np.array(var) / n))
        np.testing.assert_allclose(x.var(0), var, rtol=0.1)
        np.testing.assert_allclose(d.mean.numpy(), mean, rtol=1e-12)
        np.testing.assert_allclose(d.variance.numpy(), var, rtol=1e-12)
    oh = D.OneHotCategorical(probs=mg.tensor([0.2, 0.3, 0.5])).sample((n,)).numpy()
    assert set(np.unique(oh.sum(-1))) == {1.0}
    np.testing.assert_allclose(oh.mean(0), [0.2, 0.3, 0.5], atol=5 * np.sqrt(0.25 / n))


def test_independent_shapes_and_errors():
    base = D.Normal(mg.zeros(2, 3, 4), mg.ones(2, 3, 4))
    ind = D.Independent(base, 2)
    assert ind.batch_shape == (2,) and ind.event_shape == (3, 4) and ind.has_rsample
    assert ind.log_prob(mg.zeros(2, 3, 4)).shape == (2,)
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims <="):
        D.Independent(base, 4)
    with pytest.raises(NotImplementedError):
        D.kl_divergence(D.Independent(base, 1), D.Independent(base, 2))


def test_validation_errors():
    with pytest.raises(ValueError, match="rate.*GreaterThan"):
        D.Exponential(mg.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="support"):
        D.Exponential(1.0).log_prob(mg.tensor(-1.0))
    with pytest.raises(ValueError, match="scale.*GreaterThan"):
        D.Laplace(0.0, -1.0)
    with pytest.raises(ValueError, match="scale.*GreaterThan"):
        D.LogNormal(0.0, 0.0)
    with pytest.raises(ValueError, match="support"):
        D.LogNormal(0.0, 1.0).log_prob(mg.tensor(-2.0))
    with pytest.raises(ValueError, match="to be positive"):
        D.Geometric(probs=mg.tensor([0.0, 0.5]))
    with pytest.raises(ValueError, match="support"):
        D.Geometric(probs=0.5).log_prob(mg.tensor(1.5))
    with pytest.raises(ValueError, match="support"):
        D.OneHotCategorical(logits=mg.zeros(3)).log_prob(mg.tensor([1.0, 1.0, 0.0]))
    with pytest.raises(NotImplementedError, match="rsample"):
        D.Geometric(probs=0.5).rsample()
