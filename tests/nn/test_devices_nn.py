"""Every layer and loss type on every available device: forward + backward on ``device``
give the CPU's outputs and gradients, and everything (outputs, gradients, buffers) stays on
``device``. Without a GPU only the cpu parameter runs (the cuda one is absent, not failed)."""
import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F


def _layer(name, make, *inputs):
    return pytest.param(make, inputs, id=name)


# input kinds: ("f", shape) normal; ("p", shape) in (0.05, 0.95); ("i", shape, high) ints
# in [0, high); ("logp", shape) log-probabilities along dim 1
CASES = [
    _layer("Linear", lambda: nn.Linear(5, 3), ("f", (4, 5))),
    _layer("Bilinear", lambda: nn.Bilinear(3, 4, 2), ("f", (4, 3)), ("f", (4, 4))),
    _layer("Conv1d", lambda: nn.Conv1d(3, 4, 3, padding=1), ("f", (2, 3, 7))),
    _layer("Conv2d", lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), ("f", (2, 3, 7, 6))),
    _layer("Conv2d-groups-dilation", lambda: nn.Conv2d(4, 6, 3, dilation=2, groups=2),
           ("f", (2, 4, 7, 7))),
    _layer("ConvTranspose1d", lambda: nn.ConvTranspose1d(3, 2, 3, stride=2), ("f", (2, 3, 5))),
    _layer("ConvTranspose2d", lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1,
                                                         output_padding=1), ("f", (2, 3, 4, 5))),
    _layer("MaxPool1d", lambda: nn.MaxPool1d(2), ("f", (2, 3, 8))),
    _layer("MaxPool2d", lambda: nn.MaxPool2d(3, stride=2, padding=1), ("f", (2, 3, 7, 6))),
    _layer("AvgPool1d", lambda: nn.AvgPool1d(3, stride=2, padding=1), ("f", (2, 3, 8))),
    _layer("AvgPool2d-exclude-pad", lambda: nn.AvgPool2d(3, stride=2, padding=1,
                                                         count_include_pad=False),
           ("f", (2, 3, 7, 7))),
    _layer("AvgPool2d-divisor", lambda: nn.AvgPool2d(2, divisor_override=3), ("f", (2, 3, 4, 6))),
    _layer("AdaptiveAvgPool1d", lambda: nn.AdaptiveAvgPool1d(3), ("f", (2, 3, 8))),
    _layer("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((3, 2)), ("f", (2, 3, 7, 5))),
    _layer("Upsample-nearest-x2", lambda: nn.Upsample(scale_factor=2), ("f", (2, 3, 4, 5))),
    _layer("Upsample-nearest-size", lambda: nn.Upsample(size=(5, 7)), ("f", (2, 3, 4, 5))),
    _layer("Upsample-bilinear", lambda: nn.Upsample(size=(5, 7), mode="bilinear",
                                                    align_corners=False), ("f", (2, 3, 4, 5))),
    _layer("BatchNorm1d", lambda: nn.BatchNorm1d(3), ("f", (4, 3))),
    _layer("BatchNorm2d", lambda: nn.BatchNorm2d(3), ("f", (4, 3, 2, 2))),
    _layer("LayerNorm", lambda: nn.LayerNorm(4), ("f", (2, 3, 4))),
    _layer("GroupNorm", lambda: nn.GroupNorm(2, 4), ("f", (2, 4, 3, 3))),
    _layer("Embedding", lambda: nn.Embedding(10, 3, padding_idx=0), ("i", (2, 4), 10)),
    _layer("RNN", lambda: nn.RNN(3, 4, num_layers=2), ("f", (5, 2, 3))),
    _layer("LSTM-bidirectional", lambda: nn.LSTM(3, 4, bidirectional=True), ("f", (5, 2, 3))),
    _layer("GRU-batch-first", lambda: nn.GRU(3, 4, batch_first=True), ("f", (2, 5, 3))),
    _layer("RNNCell", lambda: nn.RNNCell(3, 4), ("f", (2, 3))),
    _layer("LSTMCell", lambda: nn.LSTMCell(3, 4), ("f", (2, 3))),
    _layer("GRUCell", lambda: nn.GRUCell(3, 4), ("f", (2, 3))),
    _layer("MultiheadAttention", lambda: nn.MultiheadAttention(8, 2, batch_first=True),
           ("f", (2, 5, 8)), ("f", (2, 4, 8)), ("f", (2, 4, 8))),
    _layer("TransformerEncoder", lambda: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True), 2),
        ("f", (2, 5, 8))),
    _layer("Sequential-MLP", lambda: nn.Sequential(nn.Flatten(), nn.Linear(6, 4), nn.ReLU(),
                                                   nn.Unflatten(1, (2, 2)), nn.Identity()),
           ("f", (3, 2, 3))),
    *[_layer(a.__name__ if not kw else f"{a.__name__}-{kw}", lambda a=a, kw=kw: a(**kw),
             ("f", (3, 4)))
      for a, kw in [(nn.ReLU, {}), (nn.GELU, {}), (nn.GELU, {"approximate": "tanh"}),
                    (nn.SiLU, {}), (nn.Mish, {}), (nn.ELU, {}), (nn.SELU, {}), (nn.LeakyReLU, {}),
                    (nn.Hardtanh, {}), (nn.Sigmoid, {}), (nn.Tanh, {}), (nn.Softplus, {}),
                    (nn.Softmax, {"dim": -1}), (nn.LogSoftmax, {"dim": 1})]],
    _layer("CrossEntropyLoss", lambda: nn.CrossEntropyLoss(), ("f", (4, 5)), ("i", (4,), 5)),
    _layer("CrossEntropyLoss-smooth-weight", lambda: nn.CrossEntropyLoss(
        weight=mg.tensor([1.0, 2.0, 0.5, 1.0, 3.0]), label_smoothing=0.1),
        ("f", (2, 5, 3)), ("i", (2, 3), 5)),
    _layer("NLLLoss", lambda: nn.NLLLoss(), ("logp", (4, 5)), ("i", (4,), 5)),
    _layer("MSELoss", lambda: nn.MSELoss(), ("f", (3, 4)), ("f", (3, 4))),
    _layer("L1Loss", lambda: nn.L1Loss(), ("f", (3, 4)), ("f", (3, 4))),
    _layer("SmoothL1Loss", lambda: nn.SmoothL1Loss(), ("f", (3, 4)), ("f", (3, 4))),
    _layer("HuberLoss", lambda: nn.HuberLoss(delta=0.5), ("f", (3, 4)), ("f", (3, 4))),
    _layer("BCELoss", lambda: nn.BCELoss(), ("p", (3, 4)), ("p", (3, 4))),
    _layer("BCEWithLogitsLoss", lambda: nn.BCEWithLogitsLoss(pos_weight=mg.tensor([1.0, 2.0,
                                                                                  0.5, 1.5])),
           ("f", (3, 4)), ("p", (3, 4))),
    _layer("KLDivLoss", lambda: nn.KLDivLoss(reduction="batchmean"), ("logp", (3, 4)),
           ("p", (3, 4))),
]


def _arrays(specs, rng):
    out = []
    for kind, shape, *rest in specs:
        if kind == "i":
            out.append(rng.integers(0, rest[0], shape).astype(np.int64))
        elif kind == "p":
            out.append(rng.uniform(0.05, 0.95, shape).astype(np.float32))
        else:
            a = rng.standard_normal(shape).astype(np.float32)
            if kind == "logp":
                a = a - np.log(np.exp(a).sum(axis=1, keepdims=True))
            out.append(a)
    return out


def _run(m, arrays, device, rng_seed=1):
    """forward, then backward of sum(out_k * v_k) with fixed random v_k; returns
    (outputs, input tensors) with grads populated."""
    xs = [mg.tensor(a, device=device, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = m(*xs)
    outs = [o for o in _flatten(out) if o.is_floating_point()]
    rng = np.random.default_rng(rng_seed)
    loss = 0
    for o in outs:
        v = mg.tensor(rng.standard_normal(tuple(o.shape)).astype(np.float32), device=device)
        loss = loss + (o * v).sum()
    loss.backward()
    return outs, xs


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    return [] if out is None else [out]


def _np(t):
    return t.detach().cpu().numpy()


@pytest.mark.parametrize("make,specs", CASES)
def test_layer_forward_backward_on_device(make, specs, device, rng):
    dev = mg.device(device)
    ref = make()
    m = copy.deepcopy(ref).to(device)
    arrays = _arrays(specs, rng)
    want, want_xs = _run(ref, arrays, "cpu")
    got, got_xs = _run(m, arrays, device)
    assert len(got) == len(want)
    # float32 on both sides; a GPU sums in another order, hence not bit-equality
    tol = {"rtol": 1e-4, "atol": 1e-5}
    for g, w in zip(got, want):
        assert g.device == dev and g.dtype == mg.float32
        np.testing.assert_allclose(_np(g), _np(w), **tol)
    for g, w in zip(got_xs, want_xs):
        if w.requires_grad:
            assert g.grad.device == dev
            np.testing.assert_allclose(_np(g.grad), _np(w.grad), **tol)
    for (name, p), q in zip(m.named_parameters(), ref.parameters()):
        assert p.device == dev and (p.grad is None) == (q.grad is None), name
        if q.grad is not None:
            assert p.grad.device == dev, name
            np.testing.assert_allclose(_np(p.grad), _np(q.grad), err_msg=name, **tol)
    for (name, b), c in zip(m.named_buffers(), ref.buffers()):  # e.g. BatchNorm running stats
        assert b.device == dev, name
        np.testing.assert_allclose(_np(b), _np(c), err_msg=name, **tol)


def test_dropout_on_device(device):
    x = mg.ones(200, 10, device=device, requires_grad=True)
    m = nn.Dropout(0.25)
    y = m(x)
    y.sum().backward()
    kept = _np(y) != 0
    assert y.device == x.grad.device == mg.device(device)
    np.testing.assert_allclose(_np(y)[kept], 1 / 0.75, rtol=1e-6)
    np.testing.assert_array_equal(_np(x.grad) != 0, kept)  # the mask is reused in backward
    assert 0.65 < kept.mean() < 0.85
    assert _np(m.eval()(x)).tolist() == _np(x).tolist()


def test_functional_on_device(device, rng):
    """A few functional-only paths: one_hot, pad, interpolate, embedding with max_norm."""
    a = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    x = mg.tensor(a, device=device)
    assert F.pad(x, (1, 2)).device == mg.device(device)
    np.testing.assert_allclose(_np(F.pad(x, (1, 2))), np.pad(a, [(0, 0)] * 3 + [(1, 2)]))
    labels = mg.tensor([0, 2, 1], device=device)
    oh = F.one_hot(labels, 4)
    assert oh.device == mg.device(device)
    np.testing.assert_array_equal(_np(oh), np.eye(4, dtype=np.int64)[[0, 2, 1]])


def test_module_to_moves_grads_buffers_and_back(device):
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    m(mg.randn(5, 3)).sum().backward()
    grads = [_np(p.grad) for p in m.parameters()]
    m.to(device)
    assert all(p.device == mg.device(device) for p in m.parameters())
    assert all(p.grad.device == mg.device(device) for p in m.parameters())
    assert all(b.device == mg.device(device) for b in m.buffers())
    m.to("cpu")
    for p, g in zip(m.parameters(), grads):
        assert p.device == mg.device("cpu")
        np.testing.assert_array_equal(_np(p.grad), g)


def test_state_dict_from_device_loads_on_cpu(device, tmp_path):
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).to(device)
    m(mg.randn(5, 3, device=device))
    path = tmp_path / "m.mgz"
    mg.save(m.state_dict(), path)
    sd = mg.load(path, map_location="cpu")
    assert all(v.device == mg.device("cpu") for v in sd.values())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    fresh.load_state_dict(sd)
    for (k, v), w in zip(m.state_dict().items(), fresh.state_dict().values()):
        np.testing.assert_array_equal(_np(v), _np(w), err_msg=k)
    back = mg.load(path)  # no map_location: the device it was saved from
    assert all(v.device == mg.device(device) for v in back.values())
