"""The float32 erf/erfc path (a polynomial fit evaluated in cache-sized blocks) against
float64 over the whole range, and the GELU built on it (forward and its first-order array
backward), on one thread and on the thread pool."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import _threads, ops
from minigrad.ops import _special

special = pytest.importorskip("scipy.special")

# every result is compared in units of the float32 spacing at the float64 value (ulp); the
# bounds are the measured maxima on a grid twice as dense (this one is part of it), rounded
# up: erfc 7.9, erf 4.04 ulp (the float32
# polynomial contributes up to ~5, each of the two float32 exps up to ~2)
GRID = np.concatenate([np.linspace(-11, 11, 1_000_001, dtype=np.float32),
                       np.random.default_rng(0).uniform(-11, 11, 200_000).astype(np.float32),
                       np.float32([0, -0.0, 1e-30, -1e-30, 1e-40, 30, -30, 3e38, -3e38])])


def _ulp_error(got, want):
    normal = np.abs(want) > np.finfo(np.float32).tiny
    ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    return (np.abs(got - want) / ulp)[normal], np.abs(got - want)[~normal]


@pytest.mark.parametrize("threads", [1, 2])
def test_erfc_float32_whole_range(threads):
    old = _threads.get_num_threads()
    _threads.set_num_threads(threads)
    try:
        got = _special.erfc(np, GRID)
    finally:
        _threads.set_num_threads(old)
    assert got.dtype == np.float32
    ulps, sub = _ulp_error(got, special.erfc(GRID.astype(np.float64)))
    assert ulps.max() <= 8.0, ulps.max()
    assert sub.max() <= 3 * 2.0**-149  # subnormal results: absolute (measured 2.6 ulp)


def test_erf_float32_whole_range():
    ulps, sub = _ulp_error(_special.erf(np, GRID), special.erf(GRID.astype(np.float64)))
    assert ulps.max() <= 4.5, ulps.max()
    assert sub.max() <= 2.0**-149


def test_erfc_float32_special_values_and_shapes():
    got = _special.erfc(np, np.float32([np.inf, -np.inf, np.nan]))
    assert got[0] == 0 and got[1] == 2 and np.isnan(got[2])
    x = np.random.default_rng(1).standard_normal((70, 300)).astype(np.float32)  # several blocks
    want = special.erfc(x.astype(np.float64))
    for a, w in ((x, want), (x.T, want.T), (x[::2, ::3], want[::2, ::3]), (x[0, 0], want[0, 0])):
        got = _special.erfc(np, a)
        assert got.shape == np.shape(a) and got.dtype == np.float32
        np.testing.assert_allclose(got, w, rtol=8 * 2.0**-23)


@pytest.mark.parametrize("shape", [(5, 7), (3, 64, 512)])
def test_gelu_float32_forward_and_backward(shape):
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32) * 3
    gy = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    t = mg.tensor(x, requires_grad=True)
    y = ops.gelu(t)
    y.backward(mg.tensor(gy))
    x64 = x.astype(np.float64)
    # the argument rounded as minigrad (and PyTorch) rounds it: erfc's condition number 2 z^2
    # would magnify that rounding beyond the float32 result's own
    phi = 0.5 * special.erfc((x * np.float32(-math.sqrt(0.5))).astype(np.float64))
    np.testing.assert_allclose(y.detach().numpy(), x64 * phi, rtol=10 * 2.0**-24,
                               atol=1e-43)  # subnormal results (x < -13): absolute
    want = gy * (phi + x64 * np.exp(-0.5 * x64 * x64) / math.sqrt(2 * math.pi))
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-5, atol=1e-6)
