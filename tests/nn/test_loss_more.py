"""Margin/embedding/likelihood loss modules and the shuffle/pooling/distance modules against
torch.nn; their errors; gumbel_softmax."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

SIGNS = np.array([1.0, -1.0, -1.0, 1.0])


def _cases(rng):
    a, b, c = (rng.standard_normal((4, 5)) for _ in range(3))
    return [
        ("MarginRankingLoss", (0.2,), {}, (a[:, 0], b[:, 0]), (SIGNS,)),
        ("HingeEmbeddingLoss", (), {"margin": 2.0}, (a,), (np.sign(b),)),
        ("SoftMarginLoss", (), {"reduction": "sum"}, (a,), (np.sign(b),)),
        ("CosineEmbeddingLoss", (), {"margin": 0.1}, (a, b), (SIGNS,)),
        ("TripletMarginLoss", (), {"margin": 2.0, "p": 1.0}, (a, b, c), ()),
        ("PoissonNLLLoss", (), {"full": True}, (a,), (np.abs(b) * 3,)),
        ("GaussianNLLLoss", (), {}, (a, b, np.abs(c[:, :1]) + 0.1), ()),
        ("MultiLabelSoftMarginLoss", (), {"reduction": "none"}, (a,), ((b > 0) * 1.0,)),
        ("MultiMarginLoss", (), {"weight": np.arange(1.0, 6.0)}, (a,),
         (np.array([0, 4, 2, 1]),)),
        ("PairwiseDistance", (), {"p": 1.5, "keepdim": True}, (a, b), ()),
        ("CosineSimilarity", (), {"dim": 0}, (a, b), ()),
        ("PixelShuffle", (2,), {}, (rng.standard_normal((2, 8, 3, 2)),), ()),
        ("PixelUnshuffle", (2,), {}, (rng.standard_normal((2, 2, 4, 6)),), ()),
        ("ChannelShuffle", (2,), {}, (rng.standard_normal((2, 6, 3)),), ()),
        ("LPPool1d", (3, 2), {}, (np.abs(rng.standard_normal((2, 3, 7))),), ()),
        ("LPPool2d", (2, (2, 3)), {"stride": 1}, (np.abs(rng.standard_normal((2, 3, 4, 5))),),
         ()),
        ("UpsamplingNearest2d", (), {"scale_factor": 2}, (rng.standard_normal((1, 2, 3, 3)),),
         ()),
        ("UpsamplingBilinear2d", ((5, 4),), {}, (rng.standard_normal((1, 2, 3, 3)),), ()),
    ]


@pytest.mark.parametrize("i", range(18))
def test_module_matches_torch(i, rng):
    torch = pytest.importorskip("torch")
    name, args, kw, inputs, consts = _cases(rng)[i]
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    mkw = {k: mg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    m, t = getattr(nn, name)(*args, **mkw), getattr(torch.nn, name)(*args, **tkw)
    xs_m = [mg.tensor(x, requires_grad=True) for x in inputs]
    xs_t = [torch.tensor(x, requires_grad=True) for x in inputs]
    ym = m(*xs_m, *[mg.tensor(c) for c in consts])
    yt = t(*xs_t, *[torch.tensor(c) for c in consts])
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tuple(ym.shape))
    ym.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    for a, b in zip(xs_m, xs_t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_errors_and_warnings():
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="incorrect size"):
        F.gaussian_nll_loss(mg.zeros(3, 2), mg.zeros(3, 2), mg.ones(2, 2))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(mg.zeros(3, 2), mg.zeros(3, 2), -mg.ones(3, 2))
    with pytest.raises(RuntimeError, match="divisible by the square"):
        F.pixel_shuffle(mg.zeros(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError, match="divisible by groups"):
        F.channel_shuffle(mg.zeros(1, 5, 2), 2)
    with pytest.warns(UserWarning, match="upsample_nearest` is deprecated"):
        F.upsample_nearest(mg.zeros(1, 1, 2, 2), scale_factor=2)


def test_gumbel_softmax():
    logits = mg.tensor(np.log([[0.1, 0.2, 0.7]] * 4000), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.detach().numpy().sum(-1), 1.0, rtol=1e-6)
    hard = F.gumbel_softmax(logits, hard=True)
    h = hard.detach().numpy()
    assert set(np.unique(h)) <= {0.0, 1.0} and np.all(h.sum(-1) == 1)
    # argmax of logits + Gumbel noise samples the softmax: frequencies 0.1, 0.2, 0.7
    # (binomial standard error <= 0.008 at n = 4000)
    np.testing.assert_allclose(h.mean(0), [0.1, 0.2, 0.7], atol=0.04)
    hard.sum().backward()  # straight-through: the soft sample's gradient (rows sum to 1 -> 0)
    np.testing.assert_allclose(logits.grad.numpy(), 0.0, atol=1e-9)
