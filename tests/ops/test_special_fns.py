"""Accuracy of the special functions (minigrad/ops/_gamma.py, _bessel.py) over wide ranges,
their values at poles, zeros and infinities, and the no-gradient elementwise ops of
math_extra.py, against mpmath (the oracle, at 40 digits), SciPy and PyTorch."""
import math

import numpy as np
import pytest
import scipy.special as sp

import minigrad as mg
from minigrad import special as msp

mpmath = pytest.importorskip("mpmath")
EPS = np.finfo(np.float64).eps
EDGES = np.array([0.0, -0.0, -1.0, -2.0, -2.5, 1.0, 2.0, np.inf, -np.inf, np.nan, 1e-300,
                  -1e-300, 1e300, -1e300, 5e-324])


def _ours(fn, x, *args):
    return fn(mg.tensor(x), *args).numpy()


def _ulps(got, want):
    return np.max(np.abs(got - want) / np.abs(want)) / EPS


def _mp(fn, xs):
    with mpmath.workdps(40):
        return np.array([float(fn(mpmath.mpf(float(v)))) for v in xs])


def _wide(rng, n=120):
    """Points over the whole positive range: (0, 3), (0, 30) and log-uniform to 1e300."""
    return np.concatenate([rng.uniform(0, 3, n), rng.uniform(0, 30, n),
                           np.exp(rng.uniform(-690, 690, n))])


def test_lgamma_accuracy(rng):
    x = _wide(rng)
    assert _ulps(_ours(mg.lgamma, x), _mp(lambda v: mpmath.loggamma(v), x)) < 4
    # near its zeros at 1 and 2 too (relative accuracy; SciPy loses it there)
    z = np.concatenate([1 + rng.uniform(-1e-5, 1e-5, 40), 2 + rng.uniform(-1e-5, 1e-5, 40)])
    assert _ulps(_ours(mg.lgamma, z), _mp(lambda v: mpmath.loggamma(v), z)) < 4
    neg = rng.uniform(-30, 0, 200)  # the reflection: absolute accuracy near its zeros
    want = _mp(lambda v: mpmath.log(abs(mpmath.gamma(v))), neg)
    assert np.max(np.abs(_ours(mg.lgamma, neg) - want) / np.maximum(1, np.abs(want))) < 8 * EPS
    big = np.exp(rng.uniform(-700, 700, 20000))  # broad coverage against SciPy
    np.testing.assert_allclose(_ours(mg.lgamma, big), sp.gammaln(big), rtol=1e-14, atol=1e-15)


def test_digamma_accuracy(rng):
    x = _wide(rng)
    assert _ulps(_ours(mg.digamma, x), _mp(mpmath.digamma, x)) < 6
    # about the positive root 1.4616... and the first negative one -0.5040...
    roots = np.concatenate([1.4616321449683622 + rng.uniform(-0.3, 0.3, 60),
                            -0.5040830082644554 + rng.uniform(-0.12, 0.12, 60)])
    assert _ulps(_ours(mg.digamma, roots), _mp(mpmath.digamma, roots)) < 6
    neg = rng.uniform(-20, 0, 200)
    want = _mp(mpmath.digamma, neg)
    assert np.max(np.abs(_ours(mg.digamma, neg) - want) / np.maximum(1, np.abs(want))) < 8 * EPS


@pytest.mark.parametrize("n", [1, 2, 3, 6])
def test_polygamma_accuracy(n, rng):
    x = np.concatenate([rng.uniform(0, 3, 100), np.exp(rng.uniform(-20, 200 / (n + 1), 100))])
    assert _ulps(_ours(lambda t: mg.polygamma(n, t), x),
                 _mp(lambda v: mpmath.polygamma(n, v), x)) < 16
    neg = rng.uniform(-20, 0, 100)  # the reflection (cot's derivatives)
    want = _mp(lambda v: mpmath.polygamma(n, v), neg)
    got = _ours(lambda t: mg.polygamma(n, t), neg)
    assert np.max(np.abs(got - want) / np.maximum(1, np.abs(want))) < 256 * EPS


def test_zeta_accuracy(rng):
    s = rng.uniform(1.01, 40, 40)
    q = np.exp(rng.uniform(-5, 10, 40))
    with mpmath.workdps(200):  # mpmath's zeta needs these digits at large q and s
        want = np.array([float(mpmath.zeta(mpmath.mpf(a), mpmath.mpf(b))) for a, b in zip(s, q)])
    got = msp.zeta(mg.tensor(s), mg.tensor(q)).numpy()
    assert _ulps(got, want) < 16


def test_igamma_accuracy(rng):
    a = np.exp(rng.uniform(-5, 8, 100))
    x = a * np.exp(rng.uniform(-3, 3, 100))
    with mpmath.workdps(30):
        want_p = np.array([float(mpmath.gammainc(u, 0, v, regularized=True))
                           for u, v in zip(a, x)])
        want_q = np.array([float(mpmath.gammainc(u, v, mpmath.inf, regularized=True))
                           for u, v in zip(a, x)])
    got_p = mg.igamma(mg.tensor(a), mg.tensor(x)).numpy()
    got_q = msp.gammaincc(mg.tensor(a), mg.tensor(x)).numpy()
    # P and Q are ill-conditioned in their tails: rounding x and a alone moves log P by about
    # (|a - x| + a |log(x/a)|) eps, so the bound grows with that
    bound = (16 + 2 * (np.abs(a - x) + a * np.abs(np.log(x / a)))) * EPS
    for got, want in ((got_p, want_p), (got_q, want_q)):
        ok = want > 1e-300
        assert (np.abs(got[ok] - want[ok]) / want[ok] <= bound[ok]).all()
    big_a, big_x = np.exp(rng.uniform(-5, 8, 20000)), np.exp(rng.uniform(-5, 9, 20000))
    np.testing.assert_allclose(mg.igamma(mg.tensor(big_a), mg.tensor(big_x)).numpy(),
                               sp.gammainc(big_a, big_x), rtol=1e-10, atol=1e-300)


def test_erfinv_ndtri_erfcx_accuracy(rng):
    u = np.concatenate([rng.uniform(-1, 1, 200), 1 - np.exp(rng.uniform(-36, 0, 100)),
                        rng.uniform(-1e-9, 1e-9, 20)])
    assert _ulps(_ours(mg.erfinv, u), _mp(mpmath.erfinv, u)) < 4
    p = np.concatenate([np.exp(rng.uniform(-744, 0, 150)), rng.uniform(0, 1, 150)])
    with mpmath.workdps(40):
        want = np.array([float(-mpmath.sqrt(2) * mpmath.erfinv(1 - 2 * mpmath.mpf(v)))
                         if v > 1e-12 else float(mpmath.findroot(
                             lambda z: mpmath.log(mpmath.ncdf(z) / mpmath.mpf(v)), sp.ndtri(v)))
                         for v in p])
    assert _ulps(_ours(msp.ndtri, p), want) < 8
    z = np.concatenate([rng.uniform(-5, 30, 150), np.exp(rng.uniform(-20, 300, 100))])
    assert _ulps(_ours(msp.erfcx, z), _mp(lambda v: mpmath.exp(v * v) * mpmath.erfc(v), z)) < 6
    x = np.concatenate([rng.uniform(-40, 10, 200), -np.exp(rng.uniform(3.7, 20, 50))])
    assert _ulps(_ours(msp.log_ndtr, x), _mp(lambda v: mpmath.log(mpmath.ncdf(v)), x)) < 8


@pytest.mark.parametrize("nu,scaled,fn", [(0, False, mg.i0), (0, True, msp.i0e),
                                          (1, False, msp.i1), (1, True, msp.i1e)])
def test_bessel_accuracy(nu, scaled, fn, rng):
    x = np.concatenate([rng.uniform(-40, 40, 200), np.exp(rng.uniform(-30, 6.5, 100))])

    def ref(v):
        r = mpmath.besseli(nu, v)
        return r * mpmath.exp(-abs(v)) if scaled else r

    assert _ulps(_ours(fn, x), _mp(ref, x)) < 16
    # no early overflow: i0(713) is finite (SciPy and PyTorch give inf from 710)
    if not scaled:
        assert np.isfinite(_ours(fn, np.array([713.0]))).all()


def test_edges_match_pytorch():
    torch = pytest.importorskip("torch")
    t = torch.tensor(EDGES)
    for ours, theirs in ((mg.lgamma, torch.lgamma), (mg.digamma, torch.digamma),
                         (mg.erfinv, torch.erfinv), (mg.i0, torch.i0),
                         (msp.i0e, torch.special.i0e), (msp.i1e, torch.special.i1e),
                         (msp.ndtr, torch.special.ndtr), (msp.erfcx, torch.special.erfcx),
                         (msp.log_ndtr, torch.special.log_ndtr), (msp.ndtri, torch.special.ndtri),
                         (mg.sinc, torch.sinc), (msp.entr, torch.special.entr),
                         (mg.logit, torch.logit)):
        a, b = _ours(ours, EDGES), theirs(t).numpy()
        if ours is mg.i0:  # i0(+-inf) is inf, the limit (PyTorch and SciPy give nan)
            assert (a[np.isinf(EDGES)] == np.inf).all()
            b[np.isinf(EDGES)] = np.inf
        np.testing.assert_array_equal(np.signbit(a[a == 0]), np.signbit(b[a == 0]))
        # atol: one subnormal step (i1e(5e-324) is half of it, rounded either way)
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=5e-324, err_msg=ours.__name__)
    # the poles of polygamma are +-inf (PyTorch's trigamma returns large finite values there)
    for n in (1, 2, 3):
        got = _ours(lambda x: mg.polygamma(n, x), EDGES)
        want = sp.polygamma(n, EDGES)
        want[EDGES == np.inf] = 0.0
        want[EDGES == -np.inf] = np.nan
        np.testing.assert_allclose(got, want, rtol=1e-13)
    a = np.array([0.0, 0.0, 1.0, 1.0, -1.0, 1.0, np.inf, np.inf, 2.0, np.nan, 3.0])
    x = np.array([1.0, 0.0, 0.0, np.inf, 1.0, -1.0, 1.0, np.inf, np.nan, 1.0, 2.0])
    for ours, theirs in ((mg.igamma, torch.igamma), (mg.igammac, torch.igammac)):
        np.testing.assert_allclose(ours(mg.tensor(a), mg.tensor(x)).numpy(),
                                   theirs(torch.tensor(a), torch.tensor(x)).numpy(), rtol=1e-13)
    z = msp.zeta(mg.tensor([2.0, 1.0, 0.5, 3.0, 3.0], dtype=mg.float64),
                 mg.tensor([1.0, 1.0, 1.0, -2.5, -2.0], dtype=mg.float64))
    np.testing.assert_allclose(z.numpy(), torch.special.zeta(
        torch.tensor([2.0, 1.0, 0.5, 3.0, 3.0], dtype=torch.float64),
        torch.tensor([1.0, 1.0, 1.0, -2.5, -2.0], dtype=torch.float64)).numpy(), rtol=1e-13)


def test_dtypes_and_errors():
    torch = pytest.importorskip("torch")
    for fn in (mg.lgamma, mg.digamma, mg.erfinv, mg.i0, mg.sinc, mg.deg2rad):
        assert fn(mg.tensor([1, 2])).dtype == mg.float32  # integers give the default float
        assert fn(mg.tensor([0.5], dtype=mg.float16)).dtype == mg.float16
    assert mg.float_power(mg.tensor([2.0]), 2).dtype == mg.float64
    assert mg.frexp(mg.tensor([3.0])).exponent.dtype == mg.int32
    with pytest.raises(RuntimeError, match="greater than \\(p-1\\)/2"):
        mg.mvlgamma(mg.tensor([0.4]), 2)
    with pytest.raises(RuntimeError, match="float_power_ has dtype Float"):
        mg.tensor([2.0]).float_power_(2)
    with pytest.raises(RuntimeError, match="different dtypes"):
        mg.heaviside(mg.tensor([1.0]), mg.tensor([1]))
    with pytest.raises(NotImplementedError, match="gcd"):
        mg.gcd(mg.tensor([1.0]), mg.tensor([2.0]))
    with pytest.raises(RuntimeError, match="only supports floating-point"):
        mg.frexp(mg.tensor([3]))
    with pytest.raises(RuntimeError):
        mg.polygamma(-1, mg.tensor([1.0]))
    q = mg.tensor([1.5], requires_grad=True)
    s = mg.tensor([2.5], requires_grad=True)
    with pytest.raises(NotImplementedError, match="zeta"):
        msp.zeta(s, q).sum().backward()
    with pytest.raises(NotImplementedError, match="'igamma: input' is not implemented"):
        mg.igamma(s, q).sum().backward()
    ta = torch.tensor([2.5], dtype=torch.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match="'igamma: input' is not implemented"):
        torch.igamma(ta, torch.tensor([1.5], dtype=torch.float64)).sum().backward()
    assert torch is not None


def test_no_gradient_ops_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    a = np.array([-2.0, -0.0, 0.0, 1.5, np.inf, -np.inf, np.nan])
    v = np.array([0.5])
    for name in ("signbit", "isneginf", "isposinf"):
        np.testing.assert_array_equal(getattr(mg, name)(mg.tensor(a)).numpy(),
                                      getattr(torch, name)(torch.tensor(a)).numpy())
    np.testing.assert_array_equal(mg.heaviside(mg.tensor(a), mg.tensor(v)).numpy(),
                                  torch.heaviside(torch.tensor(a), torch.tensor(v)).numpy())
    b = rng.standard_normal(7)
    np.testing.assert_array_equal(mg.nextafter(mg.tensor(a), mg.tensor(b)).numpy(),
                                  torch.nextafter(torch.tensor(a), torch.tensor(b)).numpy())
    i, j = rng.integers(-50, 50, 20), rng.integers(-50, 50, 20)
    for name in ("gcd", "lcm"):
        np.testing.assert_array_equal(getattr(mg, name)(mg.tensor(i), mg.tensor(j)).numpy(),
                                      getattr(torch, name)(torch.tensor(i), torch.tensor(j))
                                      .numpy())
    np.testing.assert_array_equal(mg.nan_to_num(mg.tensor(a), posinf=9.0).numpy(),
                                  torch.nan_to_num(torch.tensor(a), posinf=9.0).numpy())
    m, e = mg.frexp(mg.tensor(a))
    tm, te = torch.frexp(torch.tensor(a))
    np.testing.assert_array_equal(m.numpy(), tm.numpy())
    np.testing.assert_array_equal(e.numpy(), te.numpy())
    np.testing.assert_array_equal(mg.ldexp(mg.tensor([1.5, 3.0]), mg.tensor([-2, 3])).numpy(),
                                  torch.ldexp(torch.tensor([1.5, 3.0], dtype=torch.float64),
                                              torch.tensor([-2, 3])).numpy())


def test_gradients_at_special_points_match_pytorch():
    torch = pytest.importorskip("torch")
    cases = [("xlogy", [0.0, 0.0, 2.0], [0.0, 3.0, 0.5]), ("fmax", [1.0, np.nan, 2.0],
             [1.0, 1.0, np.nan]), ("fmin", [1.0, np.nan, 2.0], [1.0, 1.0, np.nan])]
    for name, x, y in cases:
        mx = mg.tensor(x, dtype=mg.float64, requires_grad=True)
        my = mg.tensor(y, dtype=mg.float64, requires_grad=True)
        tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        ty = torch.tensor(y, dtype=torch.float64, requires_grad=True)
        getattr(mg, name)(mx, my).sum().backward()
        getattr(torch, name)(tx, ty).sum().backward()
        np.testing.assert_array_equal(mx.grad.numpy(), tx.grad.numpy(), err_msg=name)
        np.testing.assert_array_equal(my.grad.numpy(), ty.grad.numpy(), err_msg=name)
    for name, x, kw in (("sinc", [0.0], {}), ("logit", [0.05, 0.5, 0.95, 1.5], {"eps": 0.1}),
                        ("logit", [0.5, 1.5], {}), ("nan_to_num", [np.nan, np.inf, 1.0], {})):
        mx = mg.tensor(x, dtype=mg.float64, requires_grad=True)
        tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        getattr(mg, name)(mx, **kw).sum().backward()
        getattr(torch, name)(tx, **kw).sum().backward()
        np.testing.assert_array_equal(mx.grad.numpy(), tx.grad.numpy(), err_msg=name)
    for name in ("i1", "i1e"):  # 1/2 at 0
        mx = mg.tensor([0.0], requires_grad=True)
        getattr(msp, name)(mx).sum().backward()
        assert mx.grad.item() == 0.5


def test_special_namespace():
    torch = pytest.importorskip("torch")
    x = np.linspace(0.1, 0.9, 5)
    for name in msp.__all__:
        ours, theirs = getattr(msp, name), getattr(torch.special, name)
        if name in ("polygamma", "multigammaln"):
            args = ((1, mg.tensor(x)), (1, torch.tensor(x))) if name == "polygamma" else \
                ((mg.tensor(x + 1), 2), (torch.tensor(x + 1), 2))
        elif name in ("xlogy", "xlog1py", "zeta", "gammainc", "gammaincc"):
            args = ((mg.tensor(x + 1), mg.tensor(x)), (torch.tensor(x + 1), torch.tensor(x)))
        elif name in ("softmax", "log_softmax", "logsumexp"):
            args = ((mg.tensor(x), 0), (torch.tensor(x), 0))
        else:
            args = ((mg.tensor(x),), (torch.tensor(x),))
        np.testing.assert_allclose(ours(*args[0]).numpy(), theirs(*args[1]).numpy(),
                                   rtol=1e-9, err_msg=name)
    out = mg.zeros(5, dtype=mg.float64)
    msp.expit(mg.tensor(x), out=out)
    np.testing.assert_allclose(out.numpy(), 1 / (1 + np.exp(-x)))
    assert math.isclose(msp.gammaln(input=mg.tensor(3.0)).item(), math.log(2.0), rel_tol=1e-7)
