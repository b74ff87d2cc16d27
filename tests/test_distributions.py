"""minigrad.distributions against torch.distributions (log_prob, entropy, moments, KL and
their gradients), sampling statistics, rsample gradients and validation errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import distributions as D


def _pair(torch, a):
    return mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _compare(m_out, t_out, m_leaves, t_leaves, rng, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol,
                               atol=atol)
    g = rng.standard_normal(tuple(m_out.shape))
    (m_out * mg.tensor(g)).sum().backward()
    (t_out * __import__("torch").tensor(g)).sum().backward()
    for a, b in zip(m_leaves, t_leaves):
        assert (a.grad is None) == (b.grad is None)  # e.g. Normal's entropy ignores loc
        if a.grad is not None:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)
        a.grad, b.grad = None, None


def _build(name, torch, rng):
    if name == "Normal":
        loc, scale = rng.standard_normal((3, 1)), rng.uniform(0.5, 2, (4,))
        (lm, lt), (sm, st) = _pair(torch, loc), _pair(torch, scale)
        value = rng.standard_normal((2, 3, 4))
        return (D.Normal(lm, sm), torch.distributions.Normal(lt, st), [lm, sm], [lt, st], value)
    if name == "Uniform":
        low = rng.uniform(-2, -1, (3, 4))
        (lm, lt), (hm, ht) = _pair(torch, low), _pair(torch, low + rng.uniform(1, 2, (3, 4)))
        value = low + rng.uniform(0, 1, (3, 4)) * (hm.detach().numpy() - low)
        return (D.Uniform(lm, hm), torch.distributions.Uniform(lt, ht), [lm, hm], [lt, ht], value)
    if name.startswith("Bernoulli"):
        key = name.split("-")[1]
        a = rng.uniform(0.1, 0.9, (3, 4)) if key == "probs" else rng.standard_normal((3, 4))
        am, at = _pair(torch, a)
        value = rng.integers(0, 2, (3, 4)).astype(np.float64)
        return (D.Bernoulli(**{key: am}), torch.distributions.Bernoulli(**{key: at}), [am], [at],
                value)
    key = name.split("-")[1]
    a = rng.uniform(0.1, 1, (2, 3, 5)) if key == "probs" else rng.standard_normal((2, 3, 5))
    am, at = _pair(torch, a)
    value = rng.integers(0, 5, (4, 2, 3))
    return (D.Categorical(**{key: am}), torch.distributions.Categorical(**{key: at}), [am], [at],
            value)


NAMES = ["Normal", "Uniform", "Bernoulli-probs", "Bernoulli-logits", "Categorical-probs",
         "Categorical-logits"]


QUANTITIES = {
    "log_prob": lambda d, lib, v: d.log_prob(lib.tensor(v)),
    "entropy": lambda d, lib, v: d.entropy(),
    "mean": lambda d, lib, v: d.mean, "variance": lambda d, lib, v: d.variance,
    "stddev": lambda d, lib, v: d.stddev,
    "kl": lambda d, lib, v: (lib.distributions if lib is not mg else D).kl_divergence(
        d, type(d)(**_same_params(d))),
}


@pytest.mark.parametrize("name", NAMES)
def test_matches_torch(name, rng):
    torch = pytest.importorskip("torch")
    for q, fn in QUANTITIES.items():
        if name.startswith("Categorical") and q in ("mean", "variance", "stddev"):
            continue  # nan by definition
        state = rng.bit_generator.state
        m, t, ml, tl, value = _build(name, torch, rng)  # fresh graphs for each quantity
        rng.bit_generator.state = state
        assert m.batch_shape == tuple(t.batch_shape) and m.event_shape == tuple(t.event_shape)
        assert m.has_rsample == t.has_rsample
        _compare(fn(m, mg, value), fn(t, torch, value), ml, tl, rng)
        assert m.sample((7,)).shape == tuple(t.sample((7,)).shape)


def _same_params(d):
    """Parameters of a second distribution: the first one's, shifted (no gradient)."""
    import torch

    lib = torch if isinstance(d, torch.distributions.Distribution) else mg
    if type(d).__name__ == "Normal":
        return dict(loc=lib.tensor(d.loc.detach().numpy() + 0.3),
                    scale=lib.tensor(d.scale.detach().numpy() * 1.5))
    if type(d).__name__ == "Uniform":
        return dict(low=lib.tensor(d.low.detach().numpy() - 0.5),
                    high=lib.tensor(d.high.detach().numpy() + 0.5))
    return dict(probs=lib.tensor(np.sqrt(d.probs.detach().numpy())))


def test_rsample_is_reparameterised():
    loc = mg.tensor([1.0, -2.0], dtype=mg.float64, requires_grad=True)
    scale = mg.tensor([0.5, 2.0], dtype=mg.float64, requires_grad=True)
    x = D.Normal(loc, scale).rsample((20000,))
    x.sum().backward()
    # d/dloc sum(loc + eps*scale) = n; d/dscale = sum(eps) = sum((x - loc) / scale)
    eps = (x.detach().numpy() - [1.0, -2.0]) / [0.5, 2.0]
    np.testing.assert_allclose(loc.grad.numpy(), [20000, 20000])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0), rtol=1e-10)
    # and the draws have the right moments (standard errors 0.5/141 and 2/141)
    np.testing.assert_allclose(x.detach().numpy().mean(0), [1.0, -2.0], atol=5 * 2 / 141)
    np.testing.assert_allclose(x.detach().numpy().std(0), [0.5, 2.0], rtol=0.03)
    assert not D.Normal(loc, scale).sample((3,)).requires_grad
    low = mg.tensor(0.0, dtype=mg.float64, requires_grad=True)
    high = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    u = D.Uniform(low, high).rsample((1000,))
    u.sum().backward()
    np.testing.assert_allclose(high.grad.item(), (u.detach().numpy() / 2).sum(), rtol=1e-10)


def test_discrete_sampling_frequencies():
    probs = mg.tensor([0.1, 0.2, 0.7])
    s = D.Categorical(probs=probs).sample((30000,)).numpy()
    assert s.dtype == np.int64
    freq = np.bincount(s, minlength=3) / s.size
    # binomial standard error at most sqrt(0.25 / 30000) ~ 0.003
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.015)
    b = D.Bernoulli(probs=mg.tensor([0.25, 0.9])).sample((30000,)).numpy()
    np.testing.assert_allclose(b.mean(0), [0.25, 0.9], atol=0.015)
    assert D.Categorical(logits=mg.zeros(2, 4)).enumerate_support().shape == (4, 2)


def test_validation_errors():
    with pytest.raises(ValueError, match="scale.*GreaterThan"):
        D.Normal(mg.zeros(2), mg.tensor([1.0, -1.0]))
    D.Normal(mg.zeros(2), mg.tensor([1.0, -1.0]), validate_args=False)
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Bernoulli()
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Categorical(probs=mg.ones(2), logits=mg.ones(2))
    with pytest.raises(ValueError, match="probs.*Interval"):
        D.Bernoulli(probs=mg.tensor([1.5]))
    with pytest.raises(ValueError, match="support"):
        D.Categorical(logits=mg.zeros(3)).log_prob(mg.tensor(3))
    with pytest.raises(ValueError, match="support"):
        D.Uniform(0.0, 1.0).log_prob(mg.tensor(2.0))
    with pytest.raises(ValueError, match="LessThan"):
        D.Uniform(1.0, 0.0)
    with pytest.raises(NotImplementedError, match="rsample"):
        D.Categorical(logits=mg.zeros(3)).rsample()
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0))
