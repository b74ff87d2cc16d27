"""Layers: gradcheck (inputs and parameters, float64), torch equivalence, init statistics,
train/eval behaviour."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd import gradcheck


def _x(*shape, seed=0):
    return mg.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=mg.float64,
                     requires_grad=True)


def check_module(m, *inputs):
    """gradcheck a module for its float inputs and every parameter (float64)."""
    m.double()
    params = [p for p in m.parameters() if p.requires_grad]
    n = len(inputs)
    assert gradcheck(lambda *a: m(*a[:n]), (*inputs, *params))


def _to_torch(m, tmod):
    torch = pytest.importorskip("torch")
    tmod.load_state_dict({k: torch.from_numpy(np.array(v.numpy(force=True)))
                          for k, v in m.state_dict().items()})
    return tmod


def _compare_grads(m, tm, x, tx):
    """Same forward output, input grad and parameter grads as torch for a random upstream."""
    y, ty = m(x), tm(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(1).standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(mg.tensor(g))
    ty.backward(__import__("torch").from_numpy(g))
    if x.requires_grad:
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (k, p), tp in zip(m.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=k)


def _pair(shape, seed=0, dtype=np.float32):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (mg.tensor(a, requires_grad=True),
            torch.tensor(a, requires_grad=True))


# ---- gradcheck ------------------------------------------------------------------------------

SIMPLE = [
    ("Linear", lambda: nn.Linear(3, 2), (4, 3)),
    ("Linear-nobias-3d", lambda: nn.Linear(3, 2, bias=False), (2, 2, 3)),
    ("BatchNorm1d-2d", lambda: nn.BatchNorm1d(3), (4, 3)),
    ("BatchNorm1d-3d", lambda: nn.BatchNorm1d(2), (3, 2, 2)),
    ("BatchNorm2d", lambda: nn.BatchNorm2d(2), (2, 2, 2, 2)),
    ("BatchNorm2d-eval", lambda: nn.BatchNorm2d(2).eval(), (2, 2, 2, 2)),
    ("BatchNorm1d-untracked", lambda: nn.BatchNorm1d(2, track_running_stats=False).eval(), (3, 2)),
    ("LayerNorm", lambda: nn.LayerNorm(4), (2, 4)),
    ("LayerNorm-2d", lambda: nn.LayerNorm((2, 3)), (2, 2, 3)),
    ("LayerNorm-nobias", lambda: nn.LayerNorm(3, bias=False), (2, 3)),
    ("GroupNorm", lambda: nn.GroupNorm(2, 4), (2, 4, 3)),
    ("GroupNorm-1", lambda: nn.GroupNorm(1, 2, affine=False), (2, 2, 2)),
    ("Flatten", lambda: nn.Flatten(), (2, 3, 2)),
    ("Unflatten", lambda: nn.Unflatten(1, (2, 3)), (2, 6)),
    ("Identity", lambda: nn.Identity(5), (2, 3)),
    ("Dropout-eval", lambda: nn.Dropout(0.5).eval(), (3, 3)),
    ("Sequential", lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), (2, 3)),
]


@pytest.mark.parametrize("name,make,shape", SIMPLE, ids=[s[0] for s in SIMPLE])
def test_gradcheck_layers(name, make, shape):
    m = make()
    if not m.training:
        # eval-mode stats that are not the trivial (0, 1)
        for b in m.buffers():
            if b.is_floating_point():
                b.copy_(mg.rand(*b.shape) + 0.5)
    check_module(m, _x(*shape))


def test_gradcheck_bilinear():
    m = nn.Bilinear(3, 2, 4)
    check_module(m, _x(5, 3), _x(5, 2, seed=1))


def test_gradcheck_dropout_train():
    m = nn.Dropout(0.4)

    def f(x):
        mg.manual_seed(3)  # the same mask at every finite-difference evaluation
        return m(x)

    x = _x(4, 5)
    assert gradcheck(f, (x,))


def test_gradcheck_embedding():
    # (no padding_idx: its row's gradient is zero by definition, not by finite differences)
    m = nn.Embedding(5, 3).double()
    idx = mg.tensor([[0, 1, 4], [4, 2, 1]])
    assert gradcheck(lambda w: m(idx), (m.weight,))


ACTS = [
    ("ReLU", nn.ReLU()), ("LeakyReLU", nn.LeakyReLU(0.2)), ("ELU", nn.ELU(0.7)),
    ("GELU", nn.GELU()), ("GELU-tanh", nn.GELU("tanh")), ("SiLU", nn.SiLU()),
    ("Tanh", nn.Tanh()), ("Sigmoid", nn.Sigmoid()), ("Softplus", nn.Softplus(2.0, 3.0)),
    ("Softmax", nn.Softmax(1)), ("LogSoftmax", nn.LogSoftmax(-1)), ("Hardtanh", nn.Hardtanh(-0.5, 0.7)),
    ("SELU", nn.SELU()), ("Mish", nn.Mish()),
]


@pytest.mark.parametrize("name,m", ACTS, ids=[a[0] for a in ACTS])
def test_gradcheck_activations(name, m):
    x = _x(3, 4)
    with mg.no_grad():  # keep away from the kinks at 0, -0.5, 0.7 and the softplus threshold
        x.array[np.abs(x.array) < 0.05] += 0.2
        for k in (-0.5, 0.7, 1.5):
            x.array[np.abs(x.array - k) < 0.05] += 0.1
    check_module(m, x)


# ---- equivalence with torch -----------------------------------------------------------------


def test_linear_matches_torch():
    torch = pytest.importorskip("torch")
    m = nn.Linear(5, 3)
    tm = _to_torch(m, torch.nn.Linear(5, 3))
    _compare_grads(m, tm, *_pair((2, 4, 5)))


def test_bilinear_matches_torch():
    torch = pytest.importorskip("torch")
    m = nn.Bilinear(3, 4, 2)
    tm = _to_torch(m, torch.nn.Bilinear(3, 4, 2))
    (x1, t1), (x2, t2) = _pair((5, 3)), _pair((5, 4), seed=1)
    np.testing.assert_allclose(m(x1, x2).detach().numpy(), tm(t1, t2).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind,shape,kw", [
    ("BatchNorm1d", (6, 3), {}), ("BatchNorm1d", (4, 3, 5), {"momentum": None}),
    ("BatchNorm2d", (3, 2, 4, 4), {"momentum": 0.3}), ("BatchNorm2d", (2, 2, 3, 3), {"affine": False}),
])
def test_batchnorm_matches_torch(kind, shape, kw):
    torch = pytest.importorskip("torch")
    c = shape[1]
    m = getattr(nn, kind)(c, **kw)
    tm = getattr(torch.nn, kind)(c, **kw)
    if m.affine:
        with mg.no_grad():
            m.weight.copy_(mg.rand(c) + 0.5)
            m.bias.copy_(mg.randn(c))
    _to_torch(m, tm)
    for step in range(3):  # training steps update the running stats identically
        x, tx = _pair(shape, seed=step)
        _compare_grads(m, tm, x, tx)
        for name in ("running_mean", "running_var"):
            np.testing.assert_allclose(getattr(m, name).numpy(), getattr(tm, name).numpy(),
                                       rtol=1e-5, atol=1e-6)
        assert int(m.num_batches_tracked) == int(tm.num_batches_tracked) == step + 1
    m.eval()
    tm.eval()
    x, tx = _pair(shape, seed=9)
    _compare_grads(m, tm, x, tx)


def test_layernorm_groupnorm_match_torch():
    torch = pytest.importorskip("torch")
    for m, tm, shape in [(nn.LayerNorm((3, 4)), torch.nn.LayerNorm((3, 4)), (2, 3, 4)),
                         (nn.GroupNorm(2, 6), torch.nn.GroupNorm(2, 6), (2, 6, 5))]:
        with mg.no_grad():
            for p in m.parameters():
                p.copy_(mg.randn(*p.shape))
        _to_torch(m, tm)
        _compare_grads(m, tm, *_pair(shape))


def test_embedding_matches_torch():
    torch = pytest.importorskip("torch")
    m = nn.Embedding(6, 3, padding_idx=2)
    tm = _to_torch(m, torch.nn.Embedding(6, 3, padding_idx=2))
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    y, ty = m(mg.tensor(idx)), tm(torch.tensor(idx))
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    g = np.random.default_rng(0).standard_normal((2, 3, 3)).astype(np.float32)
    y.backward(mg.tensor(g))
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-6)
    assert not m.weight.grad.numpy()[2].any()


# ---- init statistics ------------------------------------------------------------------------


def _std_tol(n, kurtosis):
    """6 standard errors of a sample std from n draws of a distribution with this kurtosis."""
    return 6 * math.sqrt((kurtosis - 1) / (4 * n))


def test_linear_default_init_statistics():
    m = nn.Linear(1000, 1000)
    w = m.weight.detach().numpy()
    bound = 1 / math.sqrt(1000)
    assert np.abs(w).max() <= bound
    assert abs(w.std() / (bound / math.sqrt(3)) - 1) < _std_tol(w.size, 1.8)
    assert abs(w.mean()) < 6 * bound / math.sqrt(3) / math.sqrt(w.size)
    b = m.bias.detach().numpy()
    assert np.abs(b).max() <= bound and abs(b.std() / (bound / math.sqrt(3)) - 1) < _std_tol(b.size, 1.8)
    assert m.weight.dtype == mg.float32 and m.weight.shape == (1000, 1000)


def test_other_default_inits():
    e = nn.Embedding(500, 200, padding_idx=3).weight.detach().numpy()
    assert not e[3].any()
    e = np.delete(e, 3, axis=0)
    assert abs(e.std() - 1) < _std_tol(e.size, 3) and abs(e.mean()) < 6 / math.sqrt(e.size)
    bl = nn.Bilinear(50, 20, 30).weight.detach().numpy()
    assert np.abs(bl).max() <= 1 / math.sqrt(50)
    bn = nn.BatchNorm2d(4)
    assert (bn.weight.detach().numpy() == 1).all() and not bn.bias.detach().numpy().any()
    assert (bn.running_var.numpy() == 1).all() and bn.num_batches_tracked.dtype == mg.int64
    ln = nn.LayerNorm(3, elementwise_affine=False)
    assert ln.weight is None and list(ln.parameters()) == []


# ---- modes ----------------------------------------------------------------------------------


def test_dropout_train_and_eval():
    m = nn.Dropout(0.3)
    x = mg.ones(200, 500)
    y = m(x).numpy()
    zero = (y == 0).mean()
    assert abs(zero - 0.3) < 6 * math.sqrt(0.3 * 0.7 / y.size)
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    m.eval()
    assert m(x) is x
    assert not nn.Dropout(1.0)(x).numpy().any()
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(p)
        with pytest.raises(ValueError):
            nn.functional.dropout(x, p)


def test_batchnorm_train_eval_behaviour():
    m = nn.BatchNorm1d(3, momentum=None)
    x1, x2 = mg.randn(8, 3) * 2 + 1, mg.randn(8, 3) - 1
    y = m(x1).detach().numpy()
    np.testing.assert_allclose(y.mean(0), 0, atol=1e-5)  # train: batch statistics
    m(x2)
    both = np.stack([x1.numpy(), x2.numpy()])
    # momentum=None: cumulative average of the batch statistics
    np.testing.assert_allclose(m.running_mean.numpy(), both.mean(1).mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.running_var.numpy(), both.var(1, ddof=1).mean(0), rtol=1e-5)
    m.eval()
    ye = m(x1).detach().numpy()
    ref = (x1.numpy() - m.running_mean.numpy()) / np.sqrt(m.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(ye, ref, rtol=1e-5, atol=1e-6)
    assert int(m.num_batches_tracked) == 2  # eval does not count
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        m(mg.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(mg.randn(1, 3))


def test_layer_errors_name_shapes():
    with pytest.raises(RuntimeError, match=r"\(2, 4\).*\(3, 5\)|\(3, 5\).*\(2, 4\)"):
        nn.Linear(5, 3)(mg.randn(2, 4))
    with pytest.raises(RuntimeError, match=r"\[4\].*\(2, 3\)"):
        nn.LayerNorm(4)(mg.randn(2, 3))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    with pytest.raises(IndexError, match="out of range"):
        nn.Embedding(3, 2)(mg.tensor([3]))
