"""nn.utils.parametrize and nn.utils.parametrizations (weight_norm, spectral_norm,
orthogonal): registration, state-dict keys, right_inverse, caching, removal, gradients
(finite differences) and agreement with PyTorch."""
import copy
import pickle

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd.gradcheck import gradcheck
from minigrad.nn.utils import parametrizations as P
from minigrad.nn.utils import parametrize


def _np(t):
    return t.detach().numpy()


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).mT

    def right_inverse(self, A):
        return A.triu()


class Transpose(nn.Module):
    def forward(self, X):
        return X.mT


class Scale(nn.Module):
    def forward(self, X):
        return 2.0 * X


def test_register_access_assign_remove():
    m = nn.Linear(3, 3).double()
    parametrize.register_parametrization(m, "weight", Symmetric())
    assert type(m).__name__ == "ParametrizedLinear"
    assert parametrize.type_before_parametrizations(m) is nn.Linear
    assert parametrize.is_parametrized(m) and parametrize.is_parametrized(m, "weight")
    assert not parametrize.is_parametrized(m, "bias")
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    w = _np(m.weight)
    np.testing.assert_allclose(w, w.T)
    a = mg.tensor(np.arange(9.0).reshape(3, 3))
    m.weight = a + a.mT  # assignment goes through right_inverse
    np.testing.assert_allclose(_np(m.weight), _np(a + a.mT))
    np.testing.assert_allclose(_np(m.parametrizations.weight.original), np.triu(_np(a + a.mT)))
    m(mg.ones(2, 3, dtype=mg.float64)).sum().backward()
    assert m.parametrizations.weight.original.grad is not None
    # chained: applied after the first
    parametrize.register_parametrization(m, "weight", Scale())
    np.testing.assert_allclose(_np(m.weight), 2 * _np(a + a.mT))
    orig = m.parametrizations.weight.original
    parametrize.remove_parametrizations(m, "weight")  # keeps the parametrized value
    assert type(m) is nn.Linear and "parametrizations" not in m._modules
    assert m.weight is orig and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(_np(m.weight), 2 * _np(a + a.mT))
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(m, "weight")


def test_remove_leave_original_and_errors():
    m = nn.Linear(3, 3)
    w0 = _np(m.weight).copy()
    parametrize.register_parametrization(m, "weight", Scale())
    parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_array_equal(_np(m.weight), w0)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
        parametrize.register_parametrization(m, "nope", Scale())
    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(nn.Linear(3, 2), "weight", Transpose())
    P.weight_norm(m)
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        parametrize.register_parametrization(nn.Linear(2, 2), "weight", Scale()).weight = \
            mg.zeros(2, 2)


def test_buffer_parametrization_and_cached():
    m = nn.BatchNorm1d(3)
    parametrize.register_parametrization(m, "running_var", Scale())
    assert "parametrizations.running_var.original" in m.state_dict()
    calls = []

    class Count(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X

    lin = nn.Linear(2, 2)
    parametrize.register_parametrization(lin, "weight", Count())
    calls.clear()
    with parametrize.cached():
        lin.weight
        lin.weight
    assert len(calls) == 1
    lin.weight
    assert len(calls) == 2


def test_pickle_refused_deepcopy_and_transfer():
    m = P.orthogonal(nn.Linear(3, 3))
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(m)
    c = copy.deepcopy(m)
    np.testing.assert_allclose(_np(c.weight), _np(m.weight))
    dst = nn.Linear(3, 3)
    parametrize.transfer_parametrizations_and_params(m, dst)
    assert dst.parametrizations.weight.original is m.parametrizations.weight.original
    np.testing.assert_allclose(_np(dst.weight), _np(m.weight))


def test_weight_norm_parametrization_gradcheck_and_legacy_checkpoint():
    m = P.weight_norm(nn.Linear(3, 2).double())
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original0",
                                    "parametrizations.weight.original1"]
    g0 = m.parametrizations.weight.original0.detach().clone().requires_grad_()
    v0 = m.parametrizations.weight.original1.detach().clone().requires_grad_()
    plist = m.parametrizations.weight
    assert gradcheck(lambda g, v: plist[0](g, v), (g0, v0))
    # a checkpoint of the legacy hook form loads into the parametrization
    with pytest.warns(FutureWarning):
        old = nn.utils.weight_norm(nn.Linear(3, 2).double())
    m.load_state_dict(old.state_dict())
    np.testing.assert_allclose(_np(m.weight), _np(old.weight))


def test_spectral_norm_parametrization():
    m = P.spectral_norm(nn.Linear(6, 4).double())
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original",
                                    "parametrizations.weight.0._u",
                                    "parametrizations.weight.0._v"]
    for _ in range(20):
        w = m.weight  # each access in training mode refines u, v
    w0 = _np(m.parametrizations.weight.original)
    np.testing.assert_allclose(_np(w), w0 / np.linalg.svd(w0, compute_uv=False)[0], rtol=1e-6)
    m.eval()
    u = _np(m.parametrizations.weight[0]._u).copy()
    sn = m.parametrizations.weight[0]
    assert gradcheck(sn, (m.parametrizations.weight.original.detach().clone()
                          .requires_grad_(),))
    np.testing.assert_array_equal(_np(sn._u), u)
    with pytest.raises(IndexError, match="Dimension out of range"):
        P.spectral_norm(nn.Linear(2, 2), dim=2)


@pytest.mark.parametrize("omap", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4)])
def test_orthogonal_gradcheck(omap, shape):
    m = P.orthogonal(nn.Linear(shape[1], shape[0]).double(), orthogonal_map=omap)
    w = _np(m.weight)
    small = min(shape)
    gram = w.T @ w if shape[0] >= shape[1] else w @ w.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)
    orth = m.parametrizations.weight[0]
    # a generic point; householder reads the signs of the diagonal through int(), so keep
    # that diagonal away from the integers where int() jumps
    x = np.random.default_rng(5).standard_normal(shape)
    np.fill_diagonal(x, [1.5, -1.5, 1.5, -1.5][:min(shape)])
    x = mg.tensor(x, requires_grad=True)
    assert gradcheck(orth, (x,))


def test_orthogonal_without_trivialization_and_errors():
    m = P.orthogonal(nn.Linear(3, 4).double(), orthogonal_map="householder",
                     use_trivialization=False)
    w = _np(m.weight)
    np.testing.assert_allclose(w.T @ w, np.eye(3), atol=1e-12)
    with pytest.raises(ValueError, match="orthogonal_map has to be one of"):
        P.orthogonal(nn.Linear(2, 2), orthogonal_map="qr")
    with pytest.raises(ValueError, match="Expected a matrix"):
        P.orthogonal(nn.Linear(2, 2), name="bias")


# ---- against PyTorch ----------------------------------------------------------------------
CASES = [
    ("weight_norm", {}), ("weight_norm", {"dim": None}), ("spectral_norm", {}),
    ("spectral_norm", {"n_power_iterations": 3}), ("orthogonal", {}),
    ("orthogonal", {"orthogonal_map": "cayley"}),
    ("orthogonal", {"orthogonal_map": "householder"}),
    ("orthogonal", {"orthogonal_map": "householder", "use_trivialization": False}),
]


@pytest.mark.parametrize("shape", [(3, 5), (5, 3)])
@pytest.mark.parametrize(("fn", "kw"), CASES)
def test_parametrizations_match_torch(fn, kw, shape):
    torch = pytest.importorskip("torch")
    t = getattr(torch.nn.utils.parametrizations, fn)(
        torch.nn.Linear(shape[1], shape[0]).double(), **kw)
    m = getattr(P, fn)(nn.Linear(shape[1], shape[0]).double(), **kw)
    assert list(t.state_dict()) == list(m.state_dict())
    assert [n for n, _ in t.named_parameters()] == [n for n, _ in m.named_parameters()]
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(4).standard_normal((2, shape[1]))
    for _ in range(2):
        yt, ym = t(torch.tensor(x)), m(mg.tensor(x))
        np.testing.assert_allclose(_np(ym), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
        t.zero_grad()
        m.zero_grad()
        yt.pow(2).sum().backward()
        ym.pow(2).sum().backward()
        for pt, pm in zip(t.parameters(), m.parameters()):
            np.testing.assert_allclose(_np(pm.grad), pt.grad.numpy(), rtol=1e-8, atol=1e-12)
    for (nt, bt), (nm, bm) in zip(t.named_buffers(), m.named_buffers()):
        assert nt == nm
        np.testing.assert_allclose(_np(bm), bt.numpy(), rtol=1e-9, atol=1e-12)
