"""nn.utils.weight_norm / spectral_norm (the forward pre-hook forms), against finite
differences and PyTorch: parameter and buffer names, values, power iteration, gradients."""
import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd.gradcheck import gradcheck
from minigrad.nn.utils.weight_norm import _weight_norm

pytestmark = pytest.mark.filterwarnings("ignore:`torch.nn.utils.weight_norm` is deprecated")


def _np(t):
    return t.detach().numpy()


def test_weight_norm_composite_gradcheck():
    rng = np.random.default_rng(0)
    v = mg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    for dim, gshape in ((0, (3, 1)), (1, (1, 4)), (-1, ())):
        g = mg.tensor(rng.standard_normal(gshape) + 2.0, requires_grad=True)
        assert gradcheck(lambda g, v, d=dim: _weight_norm(v, g, d), (g, v))


def test_weight_norm_params_forward_and_remove():
    m = nn.Linear(4, 3).double()
    w0 = _np(m.weight).copy()
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        nn.utils.weight_norm(m)
    assert [n for n, _ in m.named_parameters()] == ["bias", "weight_g", "weight_v"]
    assert tuple(m.weight_g.shape) == (3, 1) and tuple(m.weight_v.shape) == (3, 4)
    np.testing.assert_allclose(_np(m.weight_g)[:, 0], np.linalg.norm(w0, axis=1))
    np.testing.assert_allclose(_np(m.weight), w0)  # g*v/|v| reproduces the weight
    with mg.no_grad():
        m.weight_g.mul_(2.0)
    x = mg.randn(2, 4, dtype=mg.float64)
    np.testing.assert_allclose(_np(m(x)), _np(x) @ (2 * w0).T + _np(m.bias))
    m(x).sum().backward()
    assert m.weight_g.grad is not None and m.weight_v.grad is not None
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        nn.utils.weight_norm(m)
    nn.utils.remove_weight_norm(m)
    assert [n for n, _ in m.named_parameters()] == ["bias", "weight"]
    np.testing.assert_allclose(_np(m.weight), 2 * w0)
    assert not m._forward_pre_hooks
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(m)


def test_weight_norm_dim_none_is_whole_tensor():
    m = nn.utils.weight_norm(nn.Conv1d(2, 3, 3).double(), dim=None)
    assert m.weight_g.shape == ()
    np.testing.assert_allclose(float(m.weight_g), np.linalg.norm(_np(m.weight_v)))


def test_spectral_norm_sigma_and_power_iteration():
    rng = np.random.default_rng(1)
    m = nn.Linear(5, 4).double()
    nn.utils.spectral_norm(m, n_power_iterations=30)
    assert [n for n, _ in m.named_parameters()] == ["bias", "weight_orig"]
    assert [n for n, _ in m.named_buffers()] == ["weight_u", "weight_v"]
    assert list(m.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    x = mg.tensor(rng.standard_normal((2, 5)))
    m(x)  # training: 30 power iterations converge to the top singular pair
    w = _np(m.weight_orig).copy()
    sig = np.linalg.svd(w, compute_uv=False)[0]
    np.testing.assert_allclose(_np(m.weight), w / sig, rtol=1e-6)
    u = _np(m.weight_u).copy()
    m.eval()
    with mg.no_grad():
        m.weight_orig.mul_(3.0)
    m(x)  # eval: no iteration, u unchanged, sigma from the stored u, v
    np.testing.assert_array_equal(_np(m.weight_u), u)
    np.testing.assert_allclose(_np(m.weight), w / sig, rtol=1e-6)
    nn.utils.remove_spectral_norm(m)
    assert list(m.state_dict()) == ["bias", "weight"]
    assert not m._state_dict_hooks and not m._load_state_dict_pre_hooks
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        nn.utils.remove_spectral_norm(m)


def test_spectral_norm_gradcheck_through_sigma():
    m = nn.utils.spectral_norm(nn.Conv2d(2, 3, 2).double()).eval()
    u, v = m.weight_u.detach(), m.weight_v.detach()
    fn = m._forward_pre_hooks[next(iter(m._forward_pre_hooks))]

    def f(w):
        wm = fn.reshape_weight_to_matrix(w)
        return w / u.dot(wm.mv(v))

    assert gradcheck(f, (m.weight_orig.detach().clone().requires_grad_(),))


def test_spectral_norm_conv_transpose_default_dim_and_errors():
    m = nn.utils.spectral_norm(nn.ConvTranspose2d(3, 5, 2))
    assert tuple(m.weight_u.shape) == (5,) and tuple(m.weight_v.shape) == (3 * 2 * 2,)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(m)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)


def test_deepcopy_keeps_hooks_working():
    m = nn.utils.spectral_norm(nn.Linear(3, 2))
    c = copy.deepcopy(m)
    c(mg.randn(1, 3))
    assert c.weight_orig is not m.weight_orig


# ---- against PyTorch ----------------------------------------------------------------------
def _pair(torch, make):
    t, m = make(torch.nn).double(), make(nn).double()
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    return t, m


def _compare(torch, t, m, x):
    yt, ym = t(torch.tensor(x)), m(mg.tensor(x))
    np.testing.assert_allclose(_np(ym), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    yt.pow(2).sum().backward()
    ym.pow(2).sum().backward()
    for (nt, pt), (nm, pm) in zip(t.named_parameters(), m.named_parameters()):
        assert nt == nm
        np.testing.assert_allclose(_np(pm.grad), pt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (nt, bt), (nm, bm) in zip(t.named_buffers(), m.named_buffers()):
        assert nt == nm
        np.testing.assert_allclose(_np(bm), bt.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim):
    torch = pytest.importorskip("torch")
    t, m = _pair(torch, lambda lib: (torch.nn if lib is torch.nn else nn).utils.weight_norm(
        lib.Conv1d(2, 3, 3), dim=dim))
    assert list(t.state_dict()) == list(m.state_dict())
    _compare(torch, t, m, np.random.default_rng(2).standard_normal((2, 2, 5)))


@pytest.mark.parametrize("training", [True, False])
def test_spectral_norm_matches_torch(training):
    torch = pytest.importorskip("torch")
    t, m = _pair(torch, lambda lib: (torch.nn if lib is torch.nn else nn).utils.spectral_norm(
        lib.ConvTranspose1d(2, 3, 3), n_power_iterations=2))
    assert list(t.state_dict()) == list(m.state_dict())
    t.train(training)
    m.train(training)
    x = np.random.default_rng(3).standard_normal((2, 2, 4))
    for _ in range(2):  # the second call starts from the refined u, v
        _compare(torch, t, m, x)
    sd = t.state_dict()
    assert sd._metadata[""]["spectral_norm"] == m.state_dict()._metadata[""]["spectral_norm"]
