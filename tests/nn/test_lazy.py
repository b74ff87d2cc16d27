"""Lazy modules: uninitialised until the first input, then the ordinary layer (as PyTorch)."""
import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

CASES = [("LazyLinear", (3,), {}, (2, 5)), ("LazyLinear", (4,), {"bias": False}, (2, 3, 6)),
         ("LazyConv1d", (4, 3), {"padding": 1}, (2, 6, 7)),
         ("LazyConv2d", (4, 3), {"groups": 2, "stride": 2}, (2, 6, 7, 7)),
         ("LazyConv3d", (2, 2), {}, (1, 3, 4, 4, 4)),
         ("LazyConvTranspose1d", (4, 3), {"stride": 2}, (2, 6, 5)),
         ("LazyConvTranspose2d", (4, 3), {}, (6, 4, 4)),  # unbatched
         ("LazyConvTranspose3d", (2, 2), {}, (1, 3, 2, 2, 2)),
         ("LazyBatchNorm1d", (), {}, (4, 6)), ("LazyBatchNorm2d", (), {"affine": False},
                                               (2, 3, 4, 4)),
         ("LazyBatchNorm3d", (), {}, (2, 3, 2, 2, 2)),
         ("LazyInstanceNorm1d", (), {}, (2, 3, 5)), ("LazyInstanceNorm2d", (), {}, (2, 3, 4, 4)),
         ("LazyInstanceNorm3d", (), {"track_running_stats": False}, (2, 3, 2, 2, 2))]


@pytest.mark.parametrize("name,args,kw,shape", CASES, ids=[c[0] + str(c[2]) for c in CASES])
def test_materialises_like_torch(name, args, kw, shape, rng):
    torch = pytest.importorskip("torch")
    m, t = getattr(nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(m) == repr(t) and m.has_uninitialized_params()
    assert all(isinstance(p, nn.UninitializedParameter) for p in m.parameters())
    x = rng.standard_normal(shape).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's "lazy modules are a new feature" note
        yt = t(torch.tensor(x))
    ym = m(mg.tensor(x))
    assert type(m).__name__ == type(t).__name__ and repr(m) == repr(t)
    assert not isinstance(m, nn.LazyModuleMixin)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert all(type(p) is nn.Parameter for p in m.parameters())
    assert ym.shape == tuple(yt.shape)
    # same weights give the same output
    m.load_state_dict({k: mg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    t.eval(), m.eval()
    np.testing.assert_allclose(m(mg.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_d2l_style_mlp_trains():
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    x, y = mg.randn(32, 5), mg.randn(32, 1)
    net(x)  # dry run, then the optimizer
    assert net[0].weight.shape == (8, 5) and net[2].weight.shape == (1, 8)
    bound = 1 / math.sqrt(5)  # Linear's init: U(-1/sqrt(in), 1/sqrt(in))
    assert np.abs(net[0].weight.detach().numpy()).max() <= bound
    opt = mg.optim.SGD(net.parameters(), lr=0.1)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_uninitialized_parameter_and_errors():
    p = nn.UninitializedParameter()
    assert repr(p) == "<UninitializedParameter>" and p.requires_grad
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3)
    b = nn.UninitializedBuffer()
    b.materialize(4)
    assert type(b) is mg.Tensor and b.shape == (4,)
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D"):
        nn.LazyConv2d(4, 3)(mg.zeros(2, 3))
