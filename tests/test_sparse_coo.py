"""Sparse COO tensors (minigrad.sparse): construction, conversions, products and sums with
dense tensors, gradients through them, and clear errors; compared with PyTorch when installed."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import gradcheck

IDX = [[0, 1, 1, 0], [2, 0, 2, 2]]  # column (0, 2) appears twice: uncoalesced
VAL = [3.0, 4.0, 5.0, -1.0]


def _sp(dtype=mg.float64):
    return mg.sparse_coo_tensor(IDX, VAL, (2, 3), dtype=dtype)


def test_build_and_metadata():
    s = _sp()
    assert s.is_sparse and not mg.ones(2).is_sparse and isinstance(s, mg.Tensor)
    assert s.layout is mg.sparse_coo and s.shape == (2, 3) and s.dtype == mg.float64
    assert s._nnz() == 4 and not s.is_coalesced()
    want = np.zeros((2, 3))
    np.add.at(want, tuple(np.array(IDX)), VAL)
    np.testing.assert_array_equal(s.to_dense().numpy(), want)
    c = s.coalesce()
    assert c.is_coalesced() and c._nnz() == 3
    np.testing.assert_array_equal(c.indices().numpy(), [[0, 1, 1], [2, 0, 2]])
    np.testing.assert_array_equal(c.values().numpy(), [2.0, 4.0, 5.0])
    assert mg.sparse_coo_tensor(IDX, VAL).shape == (2, 3)  # size inferred from the indices


def test_errors_are_clear():
    s = _sp()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.indices()
    with pytest.raises(NotImplementedError, match="sparse COO"):
        mg.exp(s)
    with pytest.raises(RuntimeError, match="add\\(sparse, dense\\) is not supported"):
        s + mg.ones(2, 3, dtype=mg.float64)
    with pytest.raises(RuntimeError, match="same size"):
        mg.ones(3, 3, dtype=mg.float64) + s
    with pytest.raises(RuntimeError, match="size is inconsistent"):
        mg.sparse_coo_tensor(IDX, VAL, (2, 2))
    with pytest.raises(RuntimeError, match="same nnz"):
        mg.sparse_coo_tensor(IDX, VAL[:3], (2, 3))
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        mg.mm(s, mg.ones(3, 2))


def test_products_sums_and_to_sparse():
    s = _sp()
    s_dense = s.to_dense().numpy()
    b = np.arange(6.0).reshape(3, 2)
    for out in (s @ mg.tensor(b), mg.mm(s, mg.tensor(b)), mg.spmm(s, mg.tensor(b)), mg.sparse.mm(s, mg.tensor(b))):
        np.testing.assert_allclose(out.numpy(), s_dense @ b)
    a = np.arange(8.0).reshape(4, 2)
    np.testing.assert_allclose((mg.tensor(a) @ s).numpy(), a @ s_dense)
    np.testing.assert_allclose((mg.eye(2, 3, dtype=mg.float64) + s).numpy(), np.eye(2, 3) + s_dense)
    np.testing.assert_allclose((s + s).to_dense().numpy(), 2 * s_dense)
    np.testing.assert_allclose(s.t().to_dense().numpy(), s_dense.T)
    x = np.array([[0.0, 2.0, 0.0], [-3.0, 0.0, 1.5]])
    sx = mg.tensor(x).to_sparse()
    assert sx.is_coalesced() and sx._nnz() == 3
    np.testing.assert_array_equal(sx.to_dense().numpy(), x)
    # an int adjacency plus a float identity promotes like dense + dense
    adj = mg.sparse_coo_tensor([[0, 1], [1, 0]], mg.ones(2), (2, 2), dtype=mg.int64)
    assert adj.dtype == mg.int64 and (mg.eye(2) + adj).dtype == mg.float32


def test_gradients_reach_dense_operands_and_values():
    rng = np.random.default_rng(0)
    b = mg.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    a = mg.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    assert gradcheck(lambda b: _sp() @ b, (b,))
    assert gradcheck(lambda a: a @ _sp(), (a,))
    # an all-nonzero x keeps its sparsity pattern under the finite steps; zeros of x get a
    # zero gradient (outside the pattern), checked against PyTorch in test_matches_torch
    x = mg.tensor(rng.uniform(0.5, 1.5, (2, 3)), requires_grad=True)
    assert gradcheck(lambda x: x.to_sparse() @ b.detach(), (x,))
    assert gradcheck(lambda x: x.to_sparse().to_dense(), (x,))


def test_matches_torch():
    torch = pytest.importorskip("torch")
    ts = torch.sparse_coo_tensor(IDX, VAL, (2, 3), dtype=torch.float64, check_invariants=True)
    s = _sp()
    b = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose((s @ mg.tensor(b)).numpy(), (ts @ torch.tensor(b)).numpy())
    tc, c = ts.coalesce(), s.coalesce()
    np.testing.assert_array_equal(c.indices().numpy(), tc.indices().numpy())
    np.testing.assert_array_equal(c.values().numpy(), tc.values().numpy())
    x = np.array([[0.0, 2.0], [3.0, 0.0]])
    tx = torch.tensor(x, requires_grad=True)
    (tx.to_sparse() @ torch.tensor(b[:2])).pow(2).sum().backward()
    mx = mg.tensor(x, requires_grad=True)
    (mx.to_sparse() @ mg.tensor(b[:2])).pow(2).sum().backward()
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy())
    # PyTorch's gradients through to_sparse: products and dense + sparse send the whole dense
    # gradient back (zeros of x included); to_dense() and values() mask it to the pattern
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    cases = [lambda t, s, w: (s(t).to_dense() * w).sum(), lambda t, s, w: (w @ s(t)).pow(2).sum(),
             lambda t, s, w: (s(t).t() @ w).pow(2).sum(), lambda t, s, w: (t.eye(2, dtype=w.dtype) + s(t)).pow(2).sum(),
             lambda t, s, w: (s(t).coalesce().values() * w[0]).sum()]
    for case in cases:
        tx, mx = torch.tensor(x, requires_grad=True), mg.tensor(x, requires_grad=True)
        case(torch, lambda _: tx.to_sparse(), torch.tensor(w)).backward()
        case(mg, lambda _: mx.to_sparse(), mg.tensor(w)).backward()
        np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy())
    assert str(s.layout) == str(ts.layout)
