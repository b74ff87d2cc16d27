"""Padding modules, channel/alpha dropout, ParameterList/ParameterDict and the nn.init
additions against PyTorch and their definitions."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

PADS = [("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad2d", ((1, 0, 2, -1),), (2, 3, 4, 5)),
        ("ZeroPad3d", (1,), (1, 2, 3, 3, 3)), ("ConstantPad1d", ((1, 2), 3.5), (3, 4)),
        ("ConstantPad2d", (1, -1.0), (2, 3, 4)), ("ConstantPad3d", ((1, 0, 0, 1, 2, 0), 2.0),
                                                  (1, 2, 3, 3, 3)),
        ("ReflectionPad1d", ((2, 1),), (2, 3, 4)), ("ReflectionPad2d", (2,), (3, 4, 5)),
        ("ReflectionPad3d", (1,), (1, 2, 3, 3, 3)), ("ReplicationPad1d", (3,), (3, 4)),
        ("ReplicationPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)),
        ("ReplicationPad3d", (1,), (2, 3, 3, 3)), ("CircularPad1d", (2,), (2, 3, 4)),
        ("CircularPad2d", ((1, 0, 2, 1),), (2, 3, 4, 5)), ("CircularPad3d", (1,), (1, 2, 3, 3, 3))]


@pytest.mark.parametrize("name,args,shape", PADS, ids=[p[0] + str(p[1]) for p in PADS])
def test_padding_modules_match_torch(name, args, shape, rng):
    torch = pytest.importorskip("torch")
    m, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(m) == repr(t) and m.padding == t.padding
    x = rng.standard_normal(shape)
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = m(xm), t(xt)
    np.testing.assert_array_equal(ym.detach().numpy(), yt.detach().numpy())
    g = rng.standard_normal(tuple(ym.shape))
    ym.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_padding_errors():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.ReflectionPad1d(1)(mg.zeros(1, 2, 3, 4))
    with pytest.raises(ValueError, match="tuple of 4 ints"):
        nn.ZeroPad2d((1, 2, 3))


@pytest.mark.parametrize("fn,shape,lead", [(F.dropout1d, (4, 6, 50), 2),
                                           (F.dropout1d, (6, 50), 1),
                                           (F.dropout2d, (4, 6, 5, 10), 2),
                                           (F.dropout3d, (4, 6, 2, 5, 5), 2),
                                           (F.dropout3d, (6, 2, 5, 5), 1)])
def test_channel_dropout_zeroes_whole_channels(fn, shape, lead):
    x = mg.ones(*shape)
    y = fn(x, 0.5).numpy()
    per_channel = y.reshape(shape[:lead] + (-1,))
    # each channel is all 0 or all 1 / (1 - p)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    assert 0 < (per_channel[..., 0] == 0).sum() < per_channel[..., 0].size
    np.testing.assert_array_equal(fn(x, 0.5, training=False).numpy(), np.ones(shape))
    with pytest.raises(ValueError, match="between 0 and 1"):
        fn(x, 1.5)


def test_dropout_modules_and_warnings():
    m = nn.Dropout2d(0.3)
    assert repr(m) == "Dropout2d(p=0.3, inplace=False)"
    m.eval()
    x = mg.randn(2, 3, 4, 4)
    assert m(x) is x
    with pytest.warns(UserWarning, match="channel-wise 1D dropout"):
        F.dropout2d(mg.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
        F.dropout1d(mg.ones(2, 3, 4, 5))
    np.testing.assert_array_equal(nn.Dropout1d(0.0)(x[0]).numpy(), x[0].numpy())


def test_alpha_dropout_keeps_mean_and_variance():
    x = mg.randn(400, 500)
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    # N(0, 1) in, N(0, 1) out (Klambauer et al.): with 2e5 samples the standard errors are
    # ~2e-3 (mean) and ~3e-3 (variance)
    assert abs(y.mean()) < 0.015 and abs(y.var() - 1) < 0.02
    sat = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717
    a = 1 / np.sqrt(0.8 * (1 + 0.2 * sat**2))
    dropped = np.isclose(y, a * sat - a * sat * 0.2)
    assert abs(dropped.mean() - 0.2) < 0.01
    assert F.alpha_dropout(x, 0.2) is x  # training defaults to False
    f = F.feature_alpha_dropout(mg.randn(10, 20, 30), 0.5, training=True).numpy()
    const = np.ptp(f, axis=-1) == 0  # dropped channels are constant
    assert 0 < const.sum() < const.size
    assert repr(nn.AlphaDropout(0.1)) == "AlphaDropout(p=0.1, inplace=False)"


def test_parameter_list_and_dict():
    pl = nn.ParameterList([mg.zeros(2), nn.Parameter(mg.ones(3))])
    pl.append(mg.randn(4))
    pl += [mg.randn(1)]
    assert len(pl) == 4 and all(isinstance(p, nn.Parameter) for p in pl)
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2", "3"]
    assert isinstance(pl[1:3], nn.ParameterList) and len(pl[1:3]) == 2 and pl[-1] is pl[3]
    pl[0] = mg.full((2,), 5.0)
    assert pl[0].tolist() == [5.0, 5.0] and isinstance(pl[0], nn.Parameter)
    with pytest.raises(IndexError):
        pl[4]

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([mg.ones(2, 2) for _ in range(2)])
            self.named = nn.ParameterDict({"a": mg.ones(3), "b": mg.zeros(1)})

    m = M()
    assert list(m.state_dict()) == ["ws.0", "ws.1", "named.a", "named.b"]
    assert len(list(m.parameters())) == 4
    pd = m.named
    pd["c"] = mg.ones(2)
    assert list(pd) == ["a", "b", "c"] and "c" in pd and isinstance(pd["c"], nn.Parameter)
    assert pd.pop("b").shape == (1,) and list(pd.keys()) == ["a", "c"]
    assert pd.get("zz") is None and pd.setdefault("d", mg.ones(1)).shape == (1,)
    pd.update([("e", mg.ones(5))])
    assert [k for k, _ in pd.items()] == ["a", "c", "d", "e"]
    merged = pd | nn.ParameterDict({"f": mg.ones(1)})
    assert list(merged) == ["a", "c", "d", "e", "f"]
    k, v = pd.popitem()
    assert k == "e" and "e" not in pd
    pd.clear()
    assert len(pd) == 0 and "named.a" not in m.state_dict()
    with pytest.raises(RuntimeError, match="should not be called"):
        pl(1)


def test_parameter_containers_repr_like_torch():
    torch = pytest.importorskip("torch")
    for n in (1, 2):
        ours = repr(nn.ParameterList([mg.zeros(2, 3)] * n)).replace("minigrad.", "torch.")
        assert ours == repr(torch.nn.ParameterList([torch.zeros(2, 3)] * n))
    # (PyTorch's ParameterDict names the legacy type, torch.FloatTensor; ours the dtype)
    assert repr(nn.ParameterDict({"w": mg.zeros(4)})) == \
        "ParameterDict(  (w): Parameter containing: [minigrad.float32 of size 4])"


@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((6, 3, 3, 3), 2),
                                          ((2, 4, 1, 3, 3), 1), ((3, 5, 3), 3)])
def test_dirac_matches_torch(shape, groups):
    torch = pytest.importorskip("torch")
    w = nn.init.dirac_(mg.empty(*shape), groups)
    np.testing.assert_array_equal(w.numpy(), torch.nn.init.dirac_(torch.empty(shape),
                                                                  groups).numpy())


def test_dirac_is_identity_conv_and_errors():
    w = nn.init.dirac_(mg.empty(3, 3, 3, 3))
    x = mg.randn(2, 3, 5, 5)
    np.testing.assert_allclose(F.conv2d(x, w, padding=1).numpy(), x.numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="3, 4, or 5 dimensions"):
        nn.init.dirac_(mg.empty(3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.init.dirac_(mg.empty(5, 3, 3), groups=2)


def test_deprecated_init_aliases_warn_and_work():
    w = mg.empty(3, 4)
    with pytest.warns(FutureWarning, match=r"nn.init.xavier_uniform` is now deprecated"):
        assert nn.init.xavier_uniform(w) is w
    with pytest.warns(FutureWarning, match="nn.init.constant_"):
        nn.init.constant(w, 2.0)
    assert w.tolist() == [[2.0] * 4] * 3


def test_fold_unfold_modules_and_errors(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 6, 5))  # unbatched (C, H, W)
    u, tu = nn.Unfold((2, 3), stride=(1, 2)), torch.nn.Unfold((2, 3), stride=(1, 2))
    assert repr(u) == repr(tu)
    cols = u(mg.tensor(x))
    np.testing.assert_array_equal(cols.numpy(), tu(torch.tensor(x)).numpy())
    f, tf = nn.Fold((6, 5), (2, 3), stride=(1, 2)), torch.nn.Fold((6, 5), (2, 3), stride=(1, 2))
    np.testing.assert_allclose(f(cols).numpy(), tf(torch.tensor(cols.numpy())).numpy())
    with pytest.raises(RuntimeError, match="number of sliding blocks"):
        F.fold(mg.zeros(1, 4, 7), (4, 4), 2)
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(mg.zeros(1, 5, 9), (4, 4), 2)
    with pytest.raises(NotImplementedError, match="3D or 4D"):
        F.unfold(mg.zeros(2, 3), 2)


VOLUMETRIC = [("Conv3d", (4, 6, (2, 3, 2)), dict(stride=(1, 2, 1), padding=1, groups=2)),
              ("Conv3d", (4, 3, 3), dict(padding="same", padding_mode="circular")),
              ("ConvTranspose3d", (4, 6, (3, 2, 2)), dict(stride=2, padding=(1, 0, 1),
                                                          output_padding=(1, 0, 1), groups=2)),
              ("MaxPool3d", (3,), dict(stride=2, padding=1)),
              ("AvgPool3d", ((2, 3, 3),), dict(stride=(1, 2, 2), ceil_mode=True))]


@pytest.mark.parametrize("name,args,kw", VOLUMETRIC, ids=[v[0] + str(v[2]) for v in VOLUMETRIC])
def test_volumetric_layers_match_torch(name, args, kw, rng):
    torch = pytest.importorskip("torch")
    t = getattr(torch.nn, name)(*args, **kw).double()
    m = getattr(nn, name)(*args, **kw).double()
    assert repr(m) == repr(t)
    m.load_state_dict({k: mg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = rng.standard_normal((2, 4, 5, 6, 5))
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = m(xm), t(xt)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(tuple(ym.shape))
    ym.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for (n, p), q in zip(m.named_parameters(), t.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=n)


def test_volumetric_errors():
    with pytest.raises(RuntimeError, match="4D .* or 5D"):
        F.conv3d(mg.zeros(2, 3, 4), mg.zeros(1, 3, 1, 1, 1))
    with pytest.raises(RuntimeError, match="at most half"):
        nn.MaxPool3d(2, padding=2, return_indices=True)(mg.zeros(1, 1, 4, 4, 4))
    with pytest.raises(RuntimeError, match="at most half"):
        F.max_pool3d(mg.zeros(1, 1, 4, 4, 4), 2, padding=2)


def test_adaptive_max_pool_and_unpool_match_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 8, 10))
    for name, args, shape in [("AdaptiveMaxPool2d", ((3, 4), True), (2, 3, 7, 9)),
                              ("AdaptiveMaxPool2d", ((None, 2), True), (3, 5, 6)),
                              ("AdaptiveMaxPool1d", (4, True), (2, 3, 10))]:
        m, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(m) == repr(t)
        v = rng.standard_normal(shape)
        (y, i), (ty, ti) = m(mg.tensor(v)), t(torch.tensor(v))
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        assert i.dtype == mg.int64
    y, idx = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    u, tu = nn.MaxUnpool2d(2), torch.nn.MaxUnpool2d(2)
    assert repr(u) == repr(tu)
    ym = mg.tensor(y.numpy(), requires_grad=True)
    out = u(ym, mg.tensor(idx.numpy()), output_size=[2, 3, 8, 10])
    np.testing.assert_array_equal(out.detach().numpy(), tu(y, idx, output_size=[8, 10]).numpy())
    out.sum().backward()  # each input value lands once: gradient 1
    np.testing.assert_array_equal(ym.grad.numpy(), np.ones(y.shape))
    with pytest.raises((RuntimeError, IndexError), match="index"):
        F.max_unpool1d(mg.ones(1, 1, 2), mg.tensor([[[0, 7]]]), 2)
    with pytest.raises(ValueError, match="invalid output_size"):
        F.max_unpool2d(mg.ones(1, 1, 2, 2), mg.zeros(1, 1, 2, 2, dtype=mg.int64), 2,
                       output_size=(9, 4))
    assert repr(nn.MaxUnpool1d(2)) == repr(torch.nn.MaxUnpool1d(2))
