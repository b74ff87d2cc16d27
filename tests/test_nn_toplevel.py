"""torch.* forms of nn.functional ops (minigrad/nn_toplevel.py): PyTorch's top-level
signatures (positional options, int reductions, weight-first embedding, tuple results),
values and gradients compared with PyTorch."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
X3 = rng.standard_normal((2, 3, 6))
X4 = rng.standard_normal((2, 4, 4, 4))
W1 = rng.standard_normal((5, 3, 2))
EMB = rng.standard_normal((7, 3))
LP = np.log(rng.dirichlet(np.ones(4), size=3))
P = rng.dirichlet(np.ones(4), size=3)
T = np.sign(rng.standard_normal(3))


def _args(m, arrays):
    return [m.tensor(a, requires_grad=np.asarray(a).dtype.kind == "f") if
            isinstance(a, np.ndarray) else a for a in arrays]


CASES = {
    "conv1d": (lambda m, x, w: m.conv1d(x, w, None, 1, 1), [X3, W1]),
    "conv_transpose1d": (lambda m, x, w: m.conv_transpose1d(x, w.transpose(0, 1), None, 2),
                         [X3, W1]),
    "convolution": (lambda m, x, w: m.convolution(x, w, None, [2], [1], [1], False, [0], 1),
                    [X3, W1]),
    "convolution_t": (lambda m, x, w: m.convolution(x, w.transpose(0, 1), None, [2], [0],
                                                    [1], True, [1], 1), [X3, W1]),
    "conv_tbc": (lambda m, x, w, b: m.conv_tbc(x, w, b, 1),
                 [rng.standard_normal((5, 2, 3)), rng.standard_normal((3, 3, 4)),
                  rng.standard_normal(4)]),
    "norm_except_dim0": (lambda m, x: m.norm_except_dim(x, 2, 0), [X3]),
    "norm_except_dim1": (lambda m, x: m.norm_except_dim(x, 3, 1), [X3]),
    "norm_except_all": (lambda m, x: m.norm_except_dim(x, 2, -1), [X3]),
    "index_put_": (lambda m, x: m.index_put_(x * 1, (m.tensor([0, 1]),),
                                                   m.tensor(2.0, dtype=m.float64), True),
                   [X3]),
    "pdist": (lambda m, x: m.pdist(x, 3.0), [LP]),
    # through log_softmax: PyTorch's CTC backward is only the true gradient composed with it
    "ctc_loss": (lambda m, x: m.ctc_loss(x.log_softmax(2), m.tensor([[1, 2], [1, 1]]), [5, 5],
                                         [2, 2], 0, 1), [rng.standard_normal((5, 2, 4))]),
    "ctc_loss_default": (lambda m, x: m.ctc_loss(x.log_softmax(2), m.tensor([[1, 2], [3, 3]]),
                                                 m.tensor([5, 4]), m.tensor([2, 2])),
                         [rng.standard_normal((5, 2, 4))]),
    "avg_pool1d": (lambda m, x: m.avg_pool1d(x, 2), [X3]),
    "max_pool1d": (lambda m, x: m.max_pool1d(x, 3, 2), [X3]),
    "max_pool1d_with_indices": (lambda m, x: m.max_pool1d_with_indices(x, 2), [X3]),
    "max_pool2d": (lambda m, x: m.max_pool2d(x, 2), [X4]),
    "adaptive_avg_pool1d": (lambda m, x: m.adaptive_avg_pool1d(x, 4), [X3]),
    "adaptive_max_pool1d": (lambda m, x: m.adaptive_max_pool1d(x, 3), [X3]),
    "batch_norm": (lambda m, x: m.batch_norm(x, None, None, m.zeros(3, dtype=m.float64),
                                             m.ones(3, dtype=m.float64), True, 0.1, 1e-5,
                                             False), [X3]),
    "instance_norm": (lambda m, x: m.instance_norm(x, None, None, None, None, True, 0.1, 1e-5,
                                                   False), [X3]),
    "layer_norm": (lambda m, x: m.layer_norm(x, [6], None, None, 1e-5, True), [X3]),
    "group_norm": (lambda m, x: m.group_norm(x, 2, None, None, 1e-5, True), [X4]),
    "rms_norm": (lambda m, x: m.rms_norm(x, [6], None, 1e-6), [X3]),
    "dropout_eval": (lambda m, x: m.dropout(x, 0.3, False), [X3]),
    "alpha_dropout_eval": (lambda m, x: m.alpha_dropout(x, 0.3, False), [X3]),
    "feature_dropout_eval": (lambda m, x: m.feature_dropout(x, 0.3, False), [X3]),
    "embedding": (lambda m, w: m.embedding(w, m.tensor([[1, 2], [6, 1]])), [EMB]),
    "embedding_pad": (lambda m, w: m.embedding(w, m.tensor([0, 2, 0]), 0), [EMB]),
    "pixel_shuffle": (lambda m, x: m.pixel_shuffle(x, 2), [X4]),
    "pixel_unshuffle": (lambda m, x: m.pixel_unshuffle(x, 2), [X4]),
    "channel_shuffle": (lambda m, x: m.channel_shuffle(x, 2), [X4]),
    "cosine_similarity": (lambda m, a, b: m.cosine_similarity(a, b, 0), [X3, X3[::-1].copy()]),
    "pairwise_distance": (lambda m, a, b: m.pairwise_distance(a, b, 3.0), [LP, P]),
    "kl_div": (lambda m, a, b: m.kl_div(a, b, 2), [LP, P]),
    "kl_div_default": (lambda m, a, b: m.kl_div(a, b), [LP, P]),
    "kl_div_mean": (lambda m, a, b: m.kl_div(a, b, 1), [LP, P]),
    "cosine_embedding_default": (lambda m, a, b: m.cosine_embedding_loss(a, b, m.tensor(T)),
                                 [LP, P]),
    "bce_with_logits_default": (lambda m, a, b: m.binary_cross_entropy_with_logits(a, b),
                                [LP, P]),
    "kl_div_none_logt": (lambda m, a, b: m.kl_div(a, b.log(), 0, log_target=True), [LP, P]),
    "hinge_embedding_loss": (lambda m, a: m.hinge_embedding_loss(
        a, m.tensor(np.sign(P - 0.25)), 0.5, 2), [LP]),
    "margin_ranking_loss": (lambda m, a, b: m.margin_ranking_loss(a, b, m.tensor(T), 0.1),
                            [P[:, 0].copy(), P[:, 1].copy()]),
    "cosine_embedding_loss": (lambda m, a, b: m.cosine_embedding_loss(
        a, b, m.tensor(T), 0.2, 0), [LP, P]),
    "triplet_margin_loss": (lambda m, a, b, c: m.triplet_margin_loss(a, b, c, 1.0, 2, 1e-6,
                                                                      True, 1), [LP, P, P[::-1].copy()]),
    "poisson_nll_loss": (lambda m, a, b: m.poisson_nll_loss(a, b, True, True, 1e-8, 1), [LP, P]),
    "bce_with_logits": (lambda m, a, b: m.binary_cross_entropy_with_logits(
        a, b, None, m.tensor(np.full(4, 2.0)), 2), [LP, P]),
    "prelu": (lambda m, x: m.prelu(x, m.tensor(np.array([0.1, 0.2, 0.3]))), [X3]),
    "rrelu_eval": (lambda m, x: m.rrelu(x), [X3]),
    "hardshrink": (lambda m, x: m.hardshrink(x, 0.4), [X3]),
    "threshold": (lambda m, x: m.threshold(x, 0.1, -2.0), [X3]),
    "constant_pad_nd": (lambda m, x: m.constant_pad_nd(x, [1, -2, 0, 1], 0.5), [X3]),
    "bilinear": (lambda m, a, b, w: m.bilinear(a, b, w), [LP, P, rng.standard_normal((2, 4, 4))]),
    "relu_": (lambda m, x: m.relu_(x * 1), [X3]),
    "selu_": (lambda m, x: m.selu_(x * 1), [X3]),
    "celu_": (lambda m, x: m.celu_(x * 1, 0.7), [X3]),
    "threshold_": (lambda m, x: m.threshold_(x * 1, 0.2, 3.0), [X3]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    fn, arrays = CASES[name]
    ours_in, theirs_in = _args(mg, arrays), _args(torch, arrays)
    ours, theirs = fn(mg, *ours_in), fn(torch, *theirs_in)
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-9)
    g = rng.standard_normal(tuple(ours[0].shape))
    if ours[0].requires_grad:
        (ours[0] * mg.tensor(g)).sum().backward()
        (theirs[0] * torch.tensor(g)).sum().backward()
        for a, b in zip(ours_in, theirs_in):
            if isinstance(a, mg.Tensor) and a.requires_grad:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_training_dropouts_keep_or_zero():
    x = mg.ones(4, 5, 6)
    for fn in (mg.dropout, mg.feature_dropout):
        y = fn(x, 0.5, True).numpy()
        assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).sum() < y.size
    z = mg.feature_dropout(x, 0.5, True).numpy()
    assert (z == z[..., :1]).all()  # whole channels
    y = mg.ones(3, 4)
    assert mg.dropout_(y, 0.5, True) is y and set(np.unique(y.numpy())) <= {0.0, 2.0}


def test_embedding_renorm_():
    w = rng.standard_normal((5, 3)) * 3
    ours, theirs = mg.tensor(w), torch.tensor(w)
    mg.embedding_renorm_(ours, mg.tensor([0, 3, 3]), 1.0, 2.0)
    torch.embedding_renorm_(theirs, torch.tensor([0, 3, 3]), 1.0, 2.0)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name,bidir,batch_first,bias", [
    ("lstm", False, False, True), ("lstm", True, True, True), ("gru", True, False, True),
    ("gru", False, True, False), ("rnn_tanh", True, False, True), ("rnn_relu", False, False, True),
])
def test_sequence_functions_match_torch(name, bidir, batch_first, bias):
    """torch.lstm/gru/rnn_tanh/rnn_relu with flat parameters from a torch module."""
    mod = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}.get(name, torch.nn.RNN)
    kw = {} if mod is not torch.nn.RNN else {"nonlinearity": name.split("_")[1]}
    net = mod(3, 4, num_layers=2, bidirectional=bidir, batch_first=batch_first, bias=bias,
              dtype=torch.float64, **kw)
    dirs = 2 if bidir else 1
    x = rng.standard_normal((2, 5, 3) if batch_first else (5, 2, 3))
    h0 = rng.standard_normal((2 * dirs, 2, 4))
    params = [p.detach().numpy() for p in net._flat_weights]
    outs = []
    for m in (mg, torch):
        ps = [m.tensor(p, requires_grad=True) for p in params]
        xs, hs = m.tensor(x, requires_grad=True), m.tensor(h0)
        hx = (hs, m.tensor(h0 * 0.5)) if name == "lstm" else hs
        res = getattr(m, name)(xs, hx, ps, bias, 2, 0.0, False, bidir, batch_first)
        (res[0].sum() + res[1].square().sum()).backward()
        outs.append([r.detach().numpy() for r in res] + [xs.grad.numpy()] +
                    [p.grad.numpy() for p in ps])
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-10)



@pytest.mark.parametrize("name,call", [
    ("max", lambda m, x: x.max(0)), ("min", lambda m, x: x.min(1)),
    ("sort", lambda m, x: x.sort()), ("topk", lambda m, x: x.topk(1)),
    ("median", lambda m, x: x.median(1)), ("nanmedian", lambda m, x: x.nanmedian(0)),
    ("mode", lambda m, x: x.mode()), ("kthvalue", lambda m, x: x.kthvalue(1)),
    ("aminmax", lambda m, x: m.aminmax(x)), ("cummax", lambda m, x: x.cummax(0)),
    ("histogram", lambda m, x: m.histogram(x, 3)),
])
def test_return_types_match_torch(name, call):
    x = np.array([[3.0, 1.0], [2.0, 5.0]])
    ours, theirs = call(mg, mg.tensor(x)), call(torch, torch.tensor(x))
    assert type(ours) is getattr(mg.return_types, name)
    assert type(theirs) is getattr(torch.return_types, name)
    for field in ours._fields:
        np.testing.assert_array_equal(getattr(ours, field).numpy(),
                                      getattr(theirs, field).numpy())
