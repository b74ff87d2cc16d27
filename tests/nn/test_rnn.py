"""RNN / LSTM / GRU and their cells against torch.nn (weights copied through the state
dict), gradchecks at tiny sizes, init statistics and errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: thread start-up dominates on a busy machine

KINDS = {
    "rnn_tanh": (lambda *a, **k: nn.RNN(*a, **k), lambda *a, **k: torch.nn.RNN(*a, **k)),
    "rnn_relu": (lambda *a, **k: nn.RNN(*a, nonlinearity="relu", **k),
                 lambda *a, **k: torch.nn.RNN(*a, nonlinearity="relu", **k)),
    "lstm": (nn.LSTM, torch.nn.LSTM),
    "gru": (nn.GRU, torch.nn.GRU),
}
CONFIGS = [
    dict(num_layers=1),
    dict(num_layers=2, batch_first=True),
    dict(num_layers=2, bidirectional=True),
    dict(num_layers=1, bidirectional=True, batch_first=True, bias=False),
]


def _pair_modules(kind, *args, **kw):
    ours, theirs = KINDS[kind]
    t = theirs(*args, **kw).double()
    m = ours(*args, **kw)
    sd = t.state_dict()
    assert list(m.state_dict()) == list(sd), "parameter names/order differ from PyTorch"
    m.load_state_dict({k: mg.tensor(v.numpy()) for k, v in sd.items()})
    m.double()
    return m, t


def _leaf(a):
    return mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("with_state", [False, True])
def test_layer_vs_torch(kind, cfg, with_state, rng):
    In, H, T, N = 3, 4, 5, 2
    m, t = _pair_modules(kind, In, H, **cfg)
    D = 2 if cfg.get("bidirectional") else 1
    L = cfg["num_layers"]
    x_shape = (N, T, In) if cfg.get("batch_first") else (T, N, In)
    xm, xt = _leaf(rng.standard_normal(x_shape))
    states = []
    if with_state:
        n_states = 2 if kind == "lstm" else 1
        states = [_leaf(rng.standard_normal((L * D, N, H))) for _ in range(n_states)]
    hx_m = hx_t = None
    if states:
        hx_m = tuple(s[0] for s in states) if kind == "lstm" else states[0][0]
        hx_t = tuple(s[1] for s in states) if kind == "lstm" else states[0][1]
    out_m, hn_m = m(xm, hx_m)
    out_t, hn_t = t(xt, hx_t)
    assert tuple(out_m.shape) == tuple(out_t.shape)
    _close(out_m, out_t)
    hn_m = hn_m if kind == "lstm" else (hn_m,)
    hn_t = hn_t if kind == "lstm" else (hn_t,)
    for a, b in zip(hn_m, hn_t):
        _close(a, b)
    # one backward through output and final states with random upstream gradients
    gs = [rng.standard_normal(tuple(o.shape)) for o in (out_m,) + tuple(hn_m)]
    outs_m = (out_m,) + tuple(hn_m)
    loss_m = sum(((o * mg.tensor(g)).sum() for o, g in zip(outs_m, gs)), mg.tensor(0.0))
    loss_t = sum((o * torch.tensor(g)).sum() for o, g in zip((out_t,) + tuple(hn_t), gs))
    loss_m.backward()
    loss_t.backward()
    _close(xm.grad, xt.grad)
    for sm, st in states:
        _close(sm.grad, st.grad)
    tp = dict(t.named_parameters())
    for name, p in m.named_parameters():
        _close(p.grad, tp[name].grad, 1e-9)


@pytest.mark.parametrize("kind", list(KINDS))
def test_unbatched_vs_torch(kind, rng):
    m, t = _pair_modules(kind, 3, 4, num_layers=2)
    x = rng.standard_normal((5, 3))
    h = rng.standard_normal((2, 4))
    hx_m = (mg.tensor(h), mg.tensor(h * 0.5)) if kind == "lstm" else mg.tensor(h)
    hx_t = (torch.tensor(h), torch.tensor(h * 0.5)) if kind == "lstm" else torch.tensor(h)
    out_m, hn_m = m(mg.tensor(x), hx_m)
    out_t, hn_t = t(torch.tensor(x), hx_t)
    _close(out_m, out_t)
    for a, b in zip(hn_m if kind == "lstm" else (hn_m,), hn_t if kind == "lstm" else (hn_t,)):
        assert tuple(a.shape) == (2, 4)
        _close(a, b)


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_layer_gradcheck(kind, rng):
    """Finite differences for input, initial state and every parameter (2 layers, both ways)."""
    H = 2 if kind == "rnn_tanh" else 1  # few parameters: every element is perturbed
    m = KINDS[kind][0](2, H, num_layers=2, bidirectional=True).double()
    x = mg.tensor(rng.standard_normal((3, 1, 2)), requires_grad=True)
    h0 = mg.tensor(rng.standard_normal((4, 1, H)), requires_grad=True)
    params = list(m.parameters())

    def fn(x, h0, *_):
        hx = (h0, h0 * 0.5) if kind == "lstm" else h0
        out, hn = m(x, hx)
        return out, hn[1] if kind == "lstm" else hn

    assert gradcheck(fn, [x, h0, *params])


@pytest.mark.parametrize("cell", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_vs_torch(cell, batched, rng):
    ours, theirs = {
        "rnn_tanh": (nn.RNNCell, torch.nn.RNNCell),
        "rnn_relu": (lambda i, h: nn.RNNCell(i, h, nonlinearity="relu"),
                     lambda i, h: torch.nn.RNNCell(i, h, nonlinearity="relu")),
        "lstm": (nn.LSTMCell, torch.nn.LSTMCell),
        "gru": (nn.GRUCell, torch.nn.GRUCell),
    }[cell]
    t = theirs(3, 4).double()
    m = ours(3, 4)
    assert list(m.state_dict()) == list(t.state_dict())
    m.load_state_dict({k: mg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    m.double()
    lead = (2,) if batched else ()
    xm, xt = _leaf(rng.standard_normal(lead + (3,)))
    hm, ht = _leaf(rng.standard_normal(lead + (4,)))
    steps_m, steps_t = [], []
    state_m = (hm, hm * 0.5) if cell == "lstm" else hm
    state_t = (ht, ht * 0.5) if cell == "lstm" else ht
    for _ in range(2):  # two steps: the state feeds back
        state_m, state_t = m(xm, state_m), t(xt, state_t)
        steps_m.append(state_m[0] if cell == "lstm" else state_m)
        steps_t.append(state_t[0] if cell == "lstm" else state_t)
    for a, b in zip(steps_m, steps_t):
        _close(a, b)
    g = rng.standard_normal(tuple(steps_m[-1].shape))
    (steps_m[-1] * mg.tensor(g)).sum().backward()
    (steps_t[-1] * torch.tensor(g)).sum().backward()
    _close(xm.grad, xt.grad)
    _close(hm.grad, ht.grad)
    tp = dict(t.named_parameters())
    for name, p in m.named_parameters():
        _close(p.grad, tp[name].grad)
    assert m(xm)[0].shape == steps_m[0].shape if cell == "lstm" else m(xm).shape == steps_m[0].shape


def test_cell_gradcheck(rng):
    m = nn.LSTMCell(2, 2).double()
    x = mg.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    h = mg.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    c = mg.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    assert gradcheck(lambda x, h, c, *_: m(x, (h, c)), [x, h, c, *m.parameters()])
    g = nn.GRUCell(2, 2).double()
    assert gradcheck(lambda x, h, *_: g(x, h), [x, h, *g.parameters()])


def test_parameter_names_shapes_and_init():
    m = nn.LSTM(10, 20, num_layers=2, bidirectional=True)
    t = torch.nn.LSTM(10, 20, num_layers=2, bidirectional=True)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    bound = 1 / np.sqrt(20)
    w = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert w.dtype == np.float32
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.05)  # U(-b, b)
    assert abs(w.mean()) < 0.05 * bound
    assert repr(m) == "LSTM(10, 20, num_layers=2, bidirectional=True)"
    kw = dict(batch_first=True, bias=False)
    assert repr(nn.GRU(3, 4, **kw)) == repr(torch.nn.GRU(3, 4, **kw))
    assert len(m.all_weights) == 4 and len(m.all_weights[0]) == 4


def test_dropout_between_layers(rng):
    m, t = _pair_modules("lstm", 3, 8, num_layers=2, dropout=0.5)
    x = rng.standard_normal((4, 2, 3))
    a, _ = m(mg.tensor(x))
    b, _ = m(mg.tensor(x))
    # training mode drops units between the layers
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    m.eval()
    t.eval()
    _close(m(mg.tensor(x))[0], t(torch.tensor(x))[0])
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)


def test_float32_and_long_sequence_speed_shape():
    m = nn.GRU(4, 8, batch_first=True)
    x = mg.randn(3, 50, 4, requires_grad=True)
    out, h = m(x)
    assert out.dtype == mg.float32 and out.shape == (3, 50, 8) and h.shape == (1, 3, 8)
    out.sum().backward()
    assert x.grad.shape == (3, 50, 4) and np.isfinite(x.grad.numpy()).all()


def test_errors():
    m = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match="Expected 3, got 5"):
        m(mg.randn(2, 1, 5))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 1, 4\), got \(1, 1, 4\)"):
        m(mg.randn(2, 1, 3), (mg.zeros(1, 1, 4), mg.zeros(2, 1, 4)))
    with pytest.raises(ValueError, match="2D or 3D"):
        m(mg.randn(3))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(RuntimeError, match="does not match"):
        nn.GRUCell(3, 4)(mg.randn(2, 3), mg.randn(3, 4))


def test_double_backward_raises_clearly():
    m = nn.RNN(2, 2).double()
    x = mg.randn(3, 1, 2, dtype=mg.float64, requires_grad=True)
    out, _ = m(x)
    (g,) = mg.autograd.grad(out.sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="not twice differentiable"):
        g.sum().backward()
    assert gradgradcheck is not None
