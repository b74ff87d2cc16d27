"""minigrad/ops/products.py beyond the spec table: errors as PyTorch raises them, deprecation
warnings, in-place forms, integer dtypes, empty results."""
import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize("fn,shapes,err,match", [
    (mg.trace, [(2, 2, 2)], RuntimeError, "trace: expected a matrix, but got tensor with dim 3"),
    (mg.mv, [(2, 3), (2, 3)], RuntimeError, "vector \\+ matrix @ vector expected, got 1, 2, 2"),
    (mg.mv, [(2, 3), (2,)], RuntimeError, r"size mismatch, got input \(2\), mat \(2x3\), vec \(2\)"),
    (mg.addmm, [(3,), (2, 2, 2), (2, 2)], RuntimeError, "mat1 must be a 2-D tensor"),
    (mg.addmm, [(3, 1, 1), (2, 2), (2, 2)], RuntimeError, r"input of shape \(3, 1, 1\)"),
    (mg.addr, [(2, 2), (2, 2), (2,)], RuntimeError, "vec1 must be a 1-D tensor"),
    (mg.baddbmm, [(2, 2), (2, 2), (2,)], RuntimeError, "3-D"),
    (lambda a, b: mg.tensordot(a, b, 1), [(2, 3), (2, 3)], RuntimeError, "contracted dimensions need to match"),
    (mg.inner, [(2, 3), (2,)], RuntimeError, r"must match .* \[2, 3\] and \[2\]"),
    (mg.vdot, [(2,), (3,)], RuntimeError, "inconsistent tensor size"),
    (mg.vander, [(2, 2)], RuntimeError, "x must be a one-dimensional tensor"),
    (mg.cov, [(2, 2, 2)], RuntimeError, "expected input to have two or fewer dimensions"),
    (lambda a: mg.renorm(a, 2, 5, 1.0), [(2, 2)], IndexError, "Dimension out of range"),
    (lambda a, b: mg.cross(a, b, dim=0), [(2, 2), (2, 2)], RuntimeError, "must have length 3"),
    (lambda a: mg.combinations(a), [(2, 2)], RuntimeError, "Expect a 1D vector"),
])
def test_errors_match_pytorch(fn, shapes, err, match):
    with pytest.raises(err, match=match):
        fn(*[mg.ones(*s) for s in shapes])


def test_addcdiv_refuses_integer_division():
    i = mg.ones(2, dtype=mg.int64)
    with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported"):
        mg.addcdiv(i, i, i)


def test_deprecations_warn_as_pytorch():
    a = mg.randn(3, 3)
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        c = mg.cross(a, a)
    np.testing.assert_allclose(c.numpy(), np.zeros((3, 3)), atol=1e-6)
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        mg.chain_matmul(a, a, a)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="no dimension of size 3"):
        mg.cross(mg.ones(2, 2), mg.ones(2, 2))


def test_inplace_forms_write_into_self_and_record_the_graph():
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    a, b = mg.tensor(rng.standard_normal((3, 4))), mg.tensor(rng.standard_normal((4, 2)))
    y = x * 1
    out = y.addmm_(a, b, beta=0.5, alpha=2)
    assert out is y
    np.testing.assert_allclose(y.detach().numpy(), 0.5 * x.detach().numpy() + 2 * a.numpy() @ b.numpy())
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 2), 0.5))
    z = mg.ones(2, 2)
    z.renorm_(1, 0, 1.0)
    np.testing.assert_allclose(z.numpy(), np.full((2, 2), 1 / (2 + 1e-7)), rtol=1e-6)
    for name in ("addbmm_", "addmm_", "addmv_", "addr_", "baddbmm_", "renorm_", "addcmul_",
                 "addcdiv_"):
        assert callable(getattr(mg.Tensor, name)), name


def test_integer_results_and_empty_combinations():
    m = mg.arange(4).reshape(2, 2)
    assert m.trace().dtype == mg.int64 and m.trace().item() == 3
    v = mg.vander(mg.tensor([2, 3]))
    assert v.dtype == mg.int64 and v.tolist() == [[2, 1], [3, 1]]
    assert tuple(mg.combinations(mg.arange(3.0), r=4).shape) == (0, 4)
    assert tuple(mg.combinations(mg.arange(3.0), r=0).shape) == (0,)
    assert tuple(mg.vander(mg.arange(3.0), N=0).shape) == (3, 0)


def test_vander_and_cov_match_pytorch_values():
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 1.5, -2.0, 3.0])
    np.testing.assert_allclose(mg.vander(mg.tensor(x)).numpy(), torch.vander(torch.tensor(x)).numpy())
    np.testing.assert_allclose(mg.vander(mg.tensor(x), N=2, increasing=True).numpy(),
                               torch.vander(torch.tensor(x), N=2, increasing=True).numpy())
    one = np.array([1.0, 2.0, 4.0])
    assert mg.cov(mg.tensor(one)).item() == pytest.approx(torch.cov(torch.tensor(one)).item())
    assert mg.corrcoef(mg.tensor(one)).item() == torch.corrcoef(torch.tensor(one)).item()


def test_top_level_addmv_():
    x = mg.zeros(2)
    out = mg.addmv_(x, mg.ones(2, 3), mg.ones(3), alpha=2)
    assert out is x and x.tolist() == [6.0, 6.0]
