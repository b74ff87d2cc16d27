"""Reductions beyond the spec table: numerics at +/-1e4, float16 accumulation, integer and
bool results (argmax/argmin/all/any), return types, dtypes and errors."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import ops

BIG = np.array([[1e4, -1e4, 0.0, 1e4 - 1.0], [-1e4, -1e4, -1e4 + 2.0, -1e4]], dtype=np.float32)


def _np_log_softmax(a, axis):
    a = a.astype(np.float64)
    z = a - a.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family_finite_at_1e4(dim):
    x = mg.tensor(BIG, requires_grad=True)
    ls = ops.log_softmax(x, dim)
    sm = ops.softmax(x, dim)
    lse = ops.logsumexp(x, dim)
    for t in (ls, sm, lse):
        assert t.dtype == mg.float32 and np.isfinite(t.detach().numpy()).all()
    ref = _np_log_softmax(BIG, dim)
    np.testing.assert_allclose(ls.detach().numpy(), ref, rtol=1e-6, atol=1e-3)
    np.testing.assert_allclose(sm.detach().numpy(), np.exp(ref), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(lse.detach().numpy(),
                               (BIG.astype(np.float64) - ref).mean(axis=dim), rtol=1e-6)
    (ls.sum() + (sm * sm).sum() + lse.sum()).backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_softmax_twice_differentiable_at_1e4():
    x = mg.tensor(BIG.astype(np.float64), requires_grad=True)
    (g,) = mg.autograd.grad((ops.softmax(x, 1) ** 2).sum(), x, create_graph=True)
    (gg,) = mg.autograd.grad(g.sum(), x)
    assert np.isfinite(gg.numpy()).all()


def test_float16_accumulates_in_float32():
    x16 = np.full(10000, 0.1, dtype=np.float16)
    x = mg.tensor(x16)
    want_sum = np.float16(x16.astype(np.float32).sum())
    assert x.sum().dtype == mg.float16 and x.sum().item() == want_sum
    assert x.mean().dtype == mg.float16
    assert x.mean().item() == np.float16(x16.astype(np.float32).mean())
    # a float16 running sum would stall at 256 (0.1 is below half an ulp there)
    assert np.float16(np.cumsum(x16)[-1]) == 256.0
    cs = x.cumsum(0)
    assert cs.dtype == mg.float16 and cs[-1].item() == want_sum
    y16 = (100 + np.random.default_rng(0).standard_normal(500)).astype(np.float16)
    v = mg.tensor(y16).var()
    assert v.dtype == mg.float16
    assert v.item() == np.float16(y16.astype(np.float32).var(ddof=1))


def test_float16_softmax_and_norm():
    x = mg.tensor(np.array([[300.0, 1.0, -60000.0]], dtype=np.float16))
    s = ops.softmax(x, -1)
    assert s.dtype == mg.float16 and np.isfinite(s.numpy()).all()
    n = mg.tensor(np.full(4, 300.0, dtype=np.float16)).norm()  # 300^2 overflows float16
    assert n.dtype == mg.float16 and n.item() == 600.0


@pytest.mark.parametrize("fn,npfn", [(ops.argmax, np.argmax), (ops.argmin, np.argmin)])
def test_argmax_argmin(fn, npfn, rng):
    a = rng.standard_normal((3, 4, 5))
    x = mg.tensor(a, requires_grad=True)
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            r = fn(x, dim, keepdim)
            assert r.dtype == mg.int64 and not r.requires_grad
            np.testing.assert_array_equal(r.numpy(), npfn(a, axis=dim, keepdims=keepdim))
    r = fn(x)
    assert r.shape == () and r.item() == npfn(a)
    assert fn(x, keepdim=True).shape == (1, 1, 1)
    assert fn(mg.tensor(2.0), 0).item() == 0
    # ties: the first occurrence, as in PyTorch
    assert fn(mg.tensor([1.0, 1.0, 1.0])).item() == 0


def test_max_return_type_and_binary():
    x = mg.tensor([[1.0, 5.0], [7.0, 2.0]])
    r = x.max(1)
    values, indices = r
    assert r.values is values and r.indices is indices
    np.testing.assert_array_equal(values.numpy(), [5.0, 7.0])
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert indices.dtype == mg.int64
    r = x.min(0, keepdim=True)
    assert r.values.shape == (1, 2) and r.indices.shape == (1, 2)
    assert "values" in repr(r) and "indices" in repr(r)
    if hasattr(ops, "maximum"):
        np.testing.assert_array_equal(ops.max(x, x.T).numpy(), np.maximum(x.numpy(), x.numpy().T))


@pytest.mark.parametrize("fn,npfn", [(ops.all, np.all), (ops.any, np.any)])
def test_all_any(fn, npfn):
    a = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    for x in (a, a > 2, a.astype(np.int64)):
        for dim in (None, 0, -1, (0, 1)):
            for keepdim in (False, True):
                r = fn(mg.tensor(x), dim, keepdim)
                assert r.dtype == mg.bool
                np.testing.assert_array_equal(r.numpy(), npfn(x, axis=dim, keepdims=keepdim))
    assert fn(mg.tensor(True)).item() is True


def test_integer_reductions():
    x = mg.tensor([[1, 2, 3], [4, 5, 6]])
    assert x.sum().dtype == mg.int64 and x.prod().item() == 720
    assert mg.tensor([True, True]).sum().item() == 2
    assert x.int().cumsum(1).dtype == mg.int64
    assert x.amax(1).dtype == mg.int64
    with pytest.raises(RuntimeError, match="floating point"):
        x.mean()
    with pytest.raises(RuntimeError, match="floating point"):
        x.norm()
    assert x.mean(dtype=mg.float32).item() == 3.5


def test_dim_spellings():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = mg.tensor(a)
    np.testing.assert_array_equal(x.sum(()).numpy(), a.sum())  # () reduces all, like torch
    np.testing.assert_array_equal(x.mean([0, -1]).numpy(), a.mean((0, 2)))
    np.testing.assert_array_equal(x.amax(None, True).numpy(), a.max(keepdims=True))
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sum(3)
    with pytest.raises(RuntimeError, match="multiple times"):
        x.sum((1, -2))


def test_var_correction_spellings():
    a = np.random.default_rng(0).standard_normal((4, 5))
    x = mg.tensor(a)
    np.testing.assert_allclose(x.var(False).numpy(), a.var())  # legacy unbiased positional
    np.testing.assert_allclose(x.var(1, True).numpy(), a.var(1, ddof=1))
    np.testing.assert_allclose(x.std(0, correction=3).numpy(), a.std(0, ddof=3))
    with pytest.warns(UserWarning, match="degrees of freedom"):
        v = x.var(0, correction=4).var(0, correction=5)
    assert math.isnan(v.item()) or math.isinf(v.item())
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert math.isnan(mg.tensor([2.0]).var().item())


def test_empty_reductions():
    e = mg.zeros(0, 3)
    assert e.sum().item() == 0 and e.prod().item() == 1
    assert math.isnan(e.mean().item())
    assert ops.logsumexp(e, 0).shape == (3,)
    with pytest.raises(IndexError, match=r"non-zero size.*\(0, 3\)"):
        e.amax(0)
    with pytest.raises(IndexError, match="non-zero size"):
        e.max(0)
    with pytest.raises(RuntimeError, match="numel"):
        e.argmax()


def test_norm_gradient_zero_at_origin():
    for p in (2, "fro", 3, 1.5, 0.5, 1):
        x = mg.zeros(3, requires_grad=True)
        x.norm(p).backward()
        np.testing.assert_array_equal(x.grad.numpy(), 0.0)
    assert mg.tensor([0.0, 2.0, 0.0]).norm(0).item() == 1.0  # count of nonzeros


def test_prod_cumprod_grad_with_zeros_against_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 2.0, 3.0, 0.5], [0.0, 0.0, 1.5, 2.0], [1.0, 2.0, 3.0, 4.0]])
    for fn in (lambda t: t.prod(1), lambda t: t.prod(), lambda t: t.cumprod(1),
               lambda t: t.cumprod(0)):
        x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, z = fn(x), fn(t)
        g = np.random.default_rng(1).standard_normal(tuple(z.shape))
        y.backward(mg.tensor(g))
        z.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_top_level_names():
    for name in ("softmax", "log_softmax", "logsumexp", "amax", "argmax", "var", "std", "norm"):
        f = getattr(mg, name)  # the op, under PyTorch's keyword spellings (_parser.py)
        assert getattr(f, "__wrapped_op__", f) is getattr(ops, name)
