"""nn.init statistics and gains, and nn.utils (clipping, vector conversion)."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import init


def _std_ok(a, std, kurtosis):
    """Sample std within 6 standard errors of ``std`` (SE of a std: sqrt((k - 1) / 4n))."""
    return abs(a.std() / std - 1) < 6 * math.sqrt((kurtosis - 1) / (4 * a.size))


def _mean_ok(a, std):
    return abs(a.mean()) < 6 * std / math.sqrt(a.size)


GAINS = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
         ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv_transpose1d", None)]


@pytest.mark.parametrize("nl,param", GAINS)
def test_calculate_gain_matches_torch(nl, param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nl, param) == pytest.approx(torch.nn.init.calculate_gain(nl, param),
                                                            rel=1e-12)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


SHAPE = (400, 100, 3)  # fan_in 300, fan_out 1200; 120k samples


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming(mode):
    fan = 300 if mode == "fan_in" else 1200
    w = init.kaiming_uniform_(mg.empty(*SHAPE), a=0.1, mode=mode).numpy()
    std = init.calculate_gain("leaky_relu", 0.1) / math.sqrt(fan)
    assert np.abs(w).max() <= math.sqrt(3) * std and _std_ok(w, std, 1.8) and _mean_ok(w, std)
    w = init.kaiming_normal_(mg.empty(*SHAPE), mode=mode, nonlinearity="relu").numpy()
    std = math.sqrt(2 / fan)
    assert _std_ok(w, std, 3) and _mean_ok(w, std)
    with pytest.raises(ValueError, match="not supported"):
        init.kaiming_uniform_(mg.empty(2, 2), mode="fan_avg")


def test_xavier():
    std = math.sqrt(2 / (300 + 1200))
    w = init.xavier_uniform_(mg.empty(*SHAPE), gain=2.0).numpy()
    assert np.abs(w).max() <= 2 * math.sqrt(3) * std and _std_ok(w, 2 * std, 1.8)
    w = init.xavier_normal_(mg.empty(*SHAPE)).numpy()
    assert _std_ok(w, std, 3) and _mean_ok(w, std)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(mg.empty(5))


def test_uniform_normal_constant_eye():
    t = mg.empty(300, 300)
    assert init.uniform_(t, -2, 3) is t
    a = t.numpy()
    assert a.min() >= -2 and a.max() < 3 and _std_ok(a, 5 / math.sqrt(12), 1.8)
    assert abs(a.mean() - 0.5) < 6 * (5 / math.sqrt(12)) / 300
    a = init.normal_(mg.empty(300, 300, dtype=mg.float64), 1.0, 0.5).numpy()
    assert a.dtype == np.float64 and _std_ok(a, 0.5, 3) and abs(a.mean() - 1) < 6 * 0.5 / 300
    assert (init.constant_(mg.empty(3), 0.3).numpy() == np.float32(0.3)).all()
    assert (init.ones_(mg.empty(2)).numpy() == 1).all() and not init.zeros_(mg.ones(2)).numpy().any()
    np.testing.assert_array_equal(init.eye_(mg.empty(2, 3)).numpy(), np.eye(2, 3))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(mg.empty(2, 2, 2))


def test_trunc_normal():
    a = init.trunc_normal_(mg.empty(200, 500), mean=0.5, std=1.0, a=-1.0, b=1.5).numpy()
    assert a.min() >= -1.0 and a.max() <= 1.5
    # moments of N(0.5, 1) truncated to [-1.5, 1] std units
    from math import erf, exp, pi, sqrt
    alpha, beta = -1.5, 1.0
    phi = lambda z: exp(-z * z / 2) / sqrt(2 * pi)
    Z = 0.5 * (erf(beta / sqrt(2)) - erf(alpha / sqrt(2)))
    mean = 0.5 + (phi(alpha) - phi(beta)) / Z
    var = 1 + (alpha * phi(alpha) - beta * phi(beta)) / Z - ((phi(alpha) - phi(beta)) / Z) ** 2
    assert abs(a.mean() - mean) < 6 * sqrt(var / a.size)
    assert abs(a.std() / sqrt(var) - 1) < 6 * sqrt(2 / (4 * a.size))  # kurtosis < 3


def test_orthogonal():
    for shape in [(6, 4), (4, 6), (3, 2, 4)]:
        w = init.orthogonal_(mg.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        r, c = w.shape
        g = w @ w.T if r <= c else w.T @ w
        np.testing.assert_allclose(g, 4 * np.eye(min(r, c)), atol=1e-5)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(mg.empty(3))


def test_generator_and_no_grad():
    p = nn.Parameter(mg.empty(4, 4))
    g1, g2 = mg.Generator(), mg.Generator()
    g1.manual_seed(7)
    g2.manual_seed(7)
    for fn in (init.kaiming_uniform_, init.xavier_normal_, init.orthogonal_, init.trunc_normal_):
        a = fn(p, generator=g1).detach().numpy().copy()
        b = fn(p, generator=g2).detach().numpy()
        np.testing.assert_array_equal(a, b)
        assert p.is_leaf and p.requires_grad and p.grad_fn is None


# ---- nn.utils -------------------------------------------------------------------------------


def _with_grads(*grads):
    ps = []
    for g in grads:
        p = nn.Parameter(mg.zeros(*np.shape(g)))
        p.grad = mg.tensor(np.asarray(g, np.float32))
        ps.append(p)
    return ps


def test_clip_grad_norm():
    torch = pytest.importorskip("torch")
    gs = [np.array([3.0, 4.0]), np.array([[12.0]])]
    for norm_type in (2.0, 1.0, float("inf"), 3):
        ps = _with_grads(*gs)
        tps = [torch.zeros(*np.shape(g), requires_grad=True) for g in gs]
        for tp, g in zip(tps, gs):
            tp.grad = torch.tensor(g, dtype=torch.float32)
        total = nn.utils.clip_grad_norm_(ps, 5.0, norm_type)
        ttotal = torch.nn.utils.clip_grad_norm_(tps, 5.0, norm_type)
        assert total.dtype == mg.float32
        assert float(total) == pytest.approx(float(ttotal), rel=1e-6)
        for p, tp in zip(ps, tps):
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-6)
    ps = _with_grads([0.1, 0.2])
    nn.utils.clip_grad_norm_(ps[0], 10.0)  # a single tensor; no clipping needed
    np.testing.assert_array_equal(ps[0].grad.numpy(), np.float32([0.1, 0.2]))
    ps = _with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    assert float(nn.utils.clip_grad_norm_([nn.Parameter(mg.zeros(2))], 1.0)) == 0.0


def test_clip_grad_value():
    ps = _with_grads([-3.0, 0.5, 2.0])
    nn.utils.clip_grad_value_(ps, 1.0)
    np.testing.assert_array_equal(ps[0].grad.numpy(), [-1.0, 0.5, 1.0])


def test_parameters_vector_roundtrip():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (11,) and v.requires_grad
    np.testing.assert_array_equal(v.detach().numpy()[:6], m[0].weight.detach().numpy().ravel())
    (v * 2).sum().backward()
    assert (m[0].weight.grad.numpy() == 2).all()
    nn.utils.vector_to_parameters(mg.arange(11).float(), m.parameters())
    np.testing.assert_array_equal(m[1].bias.detach().numpy(), [10.0])
    np.testing.assert_array_equal(m[0].weight.detach().numpy(), np.arange(6).reshape(2, 3))
    with pytest.raises(TypeError, match="expected minigrad.Tensor"):
        nn.utils.vector_to_parameters(np.zeros(11), m.parameters())
