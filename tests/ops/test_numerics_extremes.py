"""Numerics at the edges the differential fuzzer's probe found: float32 overflow inside
std/var and the normalizations, lerp at infinities, prod/cumprod gradients with zeros in
O(n) memory. Compared with PyTorch where its results are finite, else with float64 maths."""
import tracemalloc
import warnings

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
# float32 values whose squares (or sums) overflow float32 but whose std does not
BIG = {f"{kind}{scale:.0e}": (base * scale).astype(np.float32)
       for scale in (1e20, 1e30, 3e36)
       for kind, base in (("pos", RNG.uniform(0.3, 1, (3, 8))),
                          ("mixed", RNG.uniform(-1, 1, (3, 8))),
                          ("offset", 1 + RNG.uniform(-1, 1, (3, 8)) * 1e-2))}


def _quiet(f):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return f()


@pytest.mark.parametrize("name", sorted(BIG))
@pytest.mark.parametrize("op", ["std", "std_unbiased_false", "std_mean", "std_dim"])
def test_float32_std_of_huge_values_is_finite_as_in_torch(name, op):
    a = BIG[name]
    f = {"std": lambda L, x: L.std(x), "std_unbiased_false": lambda L, x: x.std(unbiased=False),
         "std_mean": lambda L, x: L.std_mean(x, 1)[0], "std_dim": lambda L, x: x.std(-1)}[op]
    rt = f(torch, torch.tensor(a)).numpy()
    rm = _quiet(lambda: f(mg, mg.tensor(a)))
    assert rm.dtype == mg.float32 and np.isfinite(rt).all()
    np.testing.assert_allclose(rm.numpy(), rt, rtol=1e-5)


def test_float16_std_is_rounded_after_the_square_root():
    a = (RNG.uniform(-1, 1, 16) * 3e4).astype(np.float16)  # var ~ 3e8 > float16's 65504
    rt = torch.tensor(a).std()
    rm = mg.tensor(a).std()
    assert rm.dtype == mg.float16 and np.isfinite(rm.item())
    np.testing.assert_allclose(rm.item(), rt.item(), rtol=1e-3)


def test_var_of_huge_float32_values_uses_float64_where_float32_overflows():
    a = np.full(8, 2e38, np.float32)  # the float32 sum for the mean overflows
    assert mg.var(mg.tensor(a)).item() == 0.0
    b = BIG["mixed1e+20"]
    want = b.astype(np.float64).var(axis=1, ddof=1)  # > float32's max: inf, as torch
    got = mg.tensor(b).var(1).numpy()
    np.testing.assert_array_equal(np.isinf(got), want > np.finfo(np.float32).max)


def test_std_gradient_is_zero_on_a_constant_slice():
    for L in (mg, torch):
        x = L.tensor([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]], dtype=L.float64, requires_grad=True)
        L.std(x, 1).sum().backward()
        if L is mg:
            gm = x.grad.numpy()
        else:
            gt = x.grad.numpy()
    np.testing.assert_allclose(gm, gt, rtol=1e-12)
    assert (gm[0] == 0).all()


@pytest.mark.parametrize("scale", [1e20, 1e30, 1e37])
def test_normalizations_of_huge_float32_values(scale):
    """PyTorch's CPU kernels give nan here (E[x^2] - E[x]^2 overflows); minigrad computes
    the statistics in float64 once float32 overflows, so the result is the true one."""
    a = (RNG.uniform(-1, 1, (4, 8)) * scale).astype(np.float32)
    a64 = a.astype(np.float64)
    want = (a64 - a64.mean(1, keepdims=True)) / np.sqrt(a64.var(1, keepdims=True) + 1e-5)
    x = mg.tensor(a, requires_grad=True)
    ln = mg.nn.functional.layer_norm(x, (8,))
    ln.backward(mg.tensor(RNG.standard_normal((4, 8)).astype(np.float32)))
    np.testing.assert_allclose(ln.detach().numpy(), want, atol=1e-5)
    assert np.isfinite(x.grad.numpy()).all()
    bn = mg.nn.functional.batch_norm(mg.tensor(a.T.copy()), None, None, training=True)
    np.testing.assert_allclose(bn.numpy().T, want, atol=1e-5)


INF = float("inf")


@pytest.mark.parametrize("weight", [0.25, 0.75, "tensor"])
def test_lerp_at_infinities_matches_torch(weight):
    s = [0.0, 1.0, INF, 0.0, -INF, 1.0, 1e38, 1.0, 1.0]
    e = [INF, INF, 1.0, -INF, INF, 2.0, -3e38, 2.0, 2.0]
    w = [0.25, 0.75, 0.5, 0.5, 0.25, 1.0, 0.5, INF, -INF]
    out = []
    for L in (torch, mg):
        S = L.tensor(s, requires_grad=True)
        E = L.tensor(e, requires_grad=True)
        W = L.tensor(w, requires_grad=True) if weight == "tensor" else weight
        y = L.lerp(S, E, W)
        y.backward(L.ones_like(y))
        grads = [S.grad.numpy(), E.grad.numpy()] + ([W.grad.numpy()] if weight == "tensor" else [])
        out.append([y.detach().numpy()] + grads)
    for a, b in zip(out[1], out[0]):
        np.testing.assert_array_equal(a, b)


def test_lerp_errors_as_torch():
    with pytest.raises(NotImplementedError, match="lerp_kernel_scalar"):
        mg.lerp(mg.tensor([1, 2]), mg.tensor([3, 4]), 0.5)
    with pytest.raises(RuntimeError, match="expected dtype float for `weight` but got dtype double"):
        mg.lerp(mg.tensor([1.0]), mg.tensor([2.0]), mg.tensor([0.5], dtype=mg.float64))


def _peak_mb(f):
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("op", ["prod", "prod_dim", "cumprod"])
def test_prod_and_cumprod_gradients_with_zeros_take_linear_memory(op):
    """100,000 elements holding zeros: the exact gradient without an n-by-n matrix (that
    took 9.3 GiB for prod); peak memory a few copies of the input (800 KB each)."""
    n = 100_000
    a = np.ones(n)
    a[[5, 70_000]] = 0.0
    a[[7, 99_999]] = 2.0
    f = {"prod": lambda t: t.prod(), "prod_dim": lambda t: t.reshape(10, -1).prod(1).sum(),
         "cumprod": lambda t: t.cumprod(0).sum()}[op]
    for zeros in ([5, 70_000], [70_000]):
        b = a.copy()
        b[[5, 70_000]] = 1.0
        b[zeros] = 0.0
        x = mg.tensor(b, requires_grad=True)
        peak = _peak_mb(lambda: f(x).backward())
        assert peak < 40 * b.nbytes / 2**20, peak
        tx = torch.tensor(b, requires_grad=True)
        f(tx).backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("f", [lambda t: t.prod(), lambda t: t.prod(-1), lambda t: t.cumprod(0),
                               lambda t: t.cumprod(-1)])
@pytest.mark.parametrize("a", [[[1.0, 0.0, 3.0], [0.0, 0.0, 2.0], [1.0, 2.0, 3.0]],
                               [[0.0, 2.0, 0.0, 3.0]], [[1.5, -2.0, 0.0, 0.5]]])
def test_prod_and_cumprod_with_zeros_are_twice_differentiable(f, a):
    x = mg.tensor(np.array(a), requires_grad=True)
    assert mg.autograd.gradcheck(f, (x,))
    assert mg.autograd.gradgradcheck(f, (x,))
