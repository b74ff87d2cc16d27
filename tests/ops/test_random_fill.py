"""In-place samplers of minigrad/ops/random_fill.py: support, moments within 6 standard
errors of the distribution's (n = 40000, seeded), seeding, errors as PyTorch's."""
import math

import numpy as np
import pytest

import minigrad as mg

N = 40000


def _close(sample, mean, var):
    """The sample mean within 6 standard errors of ``mean``."""
    assert abs(sample.mean() - mean) < 6 * math.sqrt(var / sample.size)


def test_exponential_cauchy_geometric_log_normal():
    mg.manual_seed(0)
    e = mg.empty(N, dtype=mg.float64).exponential_(2.0).numpy()
    assert (e >= 0).all()
    _close(e, 0.5, 0.25)
    c = mg.empty(N, dtype=mg.float64).cauchy_(1.0, 2.0).numpy()
    assert abs(np.median(c) - 1.0) < 0.1  # the median is the location
    assert abs(np.mean(np.abs(c - 1.0) < 2.0) - 0.5) < 0.02  # P(|X - m| < sigma) = 1/2
    g = mg.empty(N).geometric_(0.25).numpy()
    assert g.min() >= 1 and (g == np.round(g)).all()
    _close(g, 4.0, 0.75 / 0.25 ** 2)
    ln = mg.empty(N, dtype=mg.float64).log_normal_(0.5, 0.25).numpy()
    _close(np.log(ln), 0.5, 0.25 ** 2)


def test_random_ranges_and_dtypes():
    mg.manual_seed(1)
    r = mg.empty(N, dtype=mg.int64).random_(3, 7).numpy()
    assert set(np.unique(r)) == {3, 4, 5, 6}
    r = mg.empty(N).random_(5).numpy()
    assert set(np.unique(r)) == {0, 1, 2, 3, 4}
    b = mg.empty(1000, dtype=mg.bool).random_().numpy()
    assert set(np.unique(b)) == {False, True}
    u8 = mg.empty(N, dtype=mg.uint8).random_().numpy()
    assert u8.max() > 250 and u8.min() < 5
    f = mg.empty(N).random_().numpy()  # float32: integers in [0, 2^24]
    assert f.max() <= 2 ** 24 and (f == np.round(f)).all() and f.max() > 2 ** 23
    kw = mg.empty(100, dtype=mg.int64).random_(**{"from": 10, "to": 12}).numpy()
    assert set(np.unique(kw)) == {10, 11}


def test_seeding_and_generator():
    mg.manual_seed(7)
    a = mg.empty(5).exponential_().numpy().copy()
    mg.manual_seed(7)
    b = mg.empty(5).exponential_().numpy()
    np.testing.assert_array_equal(a, b)
    g1, g2 = mg.Generator().manual_seed(3), mg.Generator().manual_seed(3)
    np.testing.assert_array_equal(mg.empty(5).cauchy_(generator=g1).numpy(),
                                  mg.empty(5).cauchy_(generator=g2).numpy())


def test_bernoulli_method():
    mg.manual_seed(2)
    p = mg.full((N,), 0.3)
    s = p.bernoulli().numpy()
    assert set(np.unique(s)) == {0.0, 1.0}
    _close(s, 0.3, 0.21)
    s = mg.zeros(N).bernoulli(0.8).numpy()
    _close(s, 0.8, 0.16)


def test_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    cases = [("exponential_", (0.0,)), ("cauchy_", (0.0, -1.0)), ("geometric_", (1.5,)),
             ("log_normal_", (1.0, 0.0)), ("random_", (3, 3))]
    for name, args in cases:
        with pytest.raises(RuntimeError) as ours:
            getattr(mg.empty(3), name)(*args)
        with pytest.raises(RuntimeError) as theirs:
            getattr(torch.empty(3), name)(*args)
        assert str(ours.value).split(",")[0] == str(theirs.value).split(",")[0]
    with pytest.raises(RuntimeError, match="leaf Variable"):
        mg.zeros(3, requires_grad=True).exponential_()


def test_poisson_binomial():
    mg.manual_seed(3)
    rates = mg.full((N,), 3.5, dtype=mg.float64)
    s = mg.poisson(rates).numpy()
    assert s.dtype == np.float64 and (s == np.round(s)).all() and s.min() >= 0
    _close(s, 3.5, 3.5)
    b = mg.binomial(mg.full((N,), 10.0), mg.full((N,), 0.3)).numpy()
    assert b.min() >= 0 and b.max() <= 10 and b.dtype == np.float32
    _close(b, 3.0, 10 * 0.3 * 0.7)
    with pytest.raises(RuntimeError, match="rate"):
        mg.poisson(mg.tensor([-1.0]))
