"""nn.DataParallel, nn.utils.stateless.functional_call, BatchNorm fusion, skip_init,
memory-format conversion and the clip_grad helpers, against PyTorch where installed."""
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd.gradcheck import gradcheck
from minigrad.nn.utils import stateless


def _np(t):
    return t.detach().cpu().numpy()


def _mlp(lib):
    return lib.Sequential(lib.Linear(3, 4), lib.Tanh(), lib.Linear(4, 2))


# ---- DataParallel ------------------------------------------------------------------------
def test_data_parallel_calls_module(device):
    m = _mlp(nn).to(device)
    dp = nn.DataParallel(m)
    assert dp.module is m and dp.dim == 0
    cuda = mg.cuda.is_available()
    assert dp.device_ids == (list(range(mg.cuda.device_count())) if cuda else [])
    x = mg.randn(5, 3, device=device)
    # with CUDA the module moved to device_ids[0] and the inputs follow it there
    xd = x.to(next(m.parameters()).device)
    np.testing.assert_array_equal(_np(dp(x)), _np(m(xd)))
    assert list(dp.state_dict()) == ["module." + k for k in m.state_dict()]
    dp(x).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    assert nn.parallel.DataParallel is nn.DataParallel
    np.testing.assert_array_equal(_np(nn.parallel.data_parallel(m, x)), _np(m(xd)))
    if cuda:
        with pytest.raises(RuntimeError, match="module must have its parameters and buffers"):
            nn.DataParallel(_mlp(nn), device_ids=[0, 0])(x)


def test_data_parallel_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    t = torch.nn.DataParallel(_mlp(torch.nn))
    m = nn.DataParallel(_mlp(nn))
    assert list(t.state_dict()) == list(m.state_dict())
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_allclose(_np(m(mg.tensor(x))), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


# ---- functional_call ---------------------------------------------------------------------
def _call(*a, **k):
    with pytest.warns(FutureWarning, match="torch.func.functional_call"):
        return stateless.functional_call(*a, **k)


def test_functional_call_values_grads_and_restore():
    m = _mlp(nn).double()
    own = {k: v.clone() for k, v in m.state_dict().items()}
    w = mg.randn(4, 3, dtype=mg.float64, requires_grad=True)
    x = mg.randn(2, 3, dtype=mg.float64)
    y = _call(m, {"0.weight": w}, (x,))
    ref = mg.tanh(x @ w.mT + m[0].bias) @ m[2].weight.mT + m[2].bias
    np.testing.assert_allclose(_np(y), _np(ref))
    y.sum().backward()
    assert w.grad is not None and m[0].weight.grad is None
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(_np(v), _np(own[k]))
    assert isinstance(m[0].weight, nn.Parameter)
    assert gradcheck(lambda w: _call(m, {"0.weight": w}, x), (w,))
    # single non-tuple arg, kwargs, and restoration after an error
    with pytest.raises(RuntimeError):
        _call(m, {"0.weight": mg.zeros(1, 1, dtype=mg.float64)}, x)
    assert m[0].weight.shape == (4, 3) and isinstance(m[0].weight, nn.Parameter)


def test_functional_call_tie_and_strict():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2, bias=False)
            self.b = nn.Linear(2, 2, bias=False)
            self.b.weight = self.a.weight

        def forward(self, x):
            return self.b(self.a(x))

    m = Tied()
    w = mg.eye(2) * 2.0
    x = mg.ones(1, 2)
    np.testing.assert_allclose(_np(_call(m, {"a.weight": w}, x)), [[4.0, 4.0]])
    out = _call(m, {"a.weight": w}, x, tie_weights=False)
    np.testing.assert_allclose(_np(out), _np(m.b(x * 2.0)))
    with pytest.raises(ValueError, match="which are tied"):
        _call(m, {"a.weight": w, "b.weight": w * 3}, x)
    with pytest.raises(RuntimeError, match="Unexpected key\\(s\\): 'c'"):
        _call(m, {"a.weight": w, "c": w}, x, strict=True)
    with pytest.raises(RuntimeError, match="can't be used with nn.DataParallel"):
        _call(nn.DataParallel(m), {}, x)


def test_functional_call_buffers_and_dicts_match_torch():
    torch = pytest.importorskip("torch")
    from torch.func import functional_call as tfc

    t = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.BatchNorm1d(3)).double()
    m = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3)).double()
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    rng = np.random.default_rng(1)
    params = {"0.weight": rng.standard_normal((3, 3))}
    bufs = {"1.running_mean": rng.standard_normal(3), "1.running_var": rng.random(3) + 0.5}
    x = rng.standard_normal((4, 3))
    t.eval()
    m.eval()
    yt = tfc(t, ({k: torch.tensor(v) for k, v in params.items()},
                 {k: torch.tensor(v) for k, v in bufs.items()}), (torch.tensor(x),))
    ym = _call(m, ({k: mg.tensor(v) for k, v in params.items()},
                   {k: mg.tensor(v) for k, v in bufs.items()}), (mg.tensor(x),))
    np.testing.assert_allclose(_np(ym), yt.detach().numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="multiple dictionaries"):
        _call(m, (params, params), mg.tensor(x))


# ---- fusion ------------------------------------------------------------------------------
def _trained_bn(bn, rng):
    with mg.no_grad():
        bn.running_mean.copy_(mg.tensor(rng.standard_normal(bn.num_features)))
        bn.running_var.copy_(mg.tensor(rng.random(bn.num_features) + 0.5))
        bn.weight.copy_(mg.tensor(rng.standard_normal(bn.num_features)))
        bn.bias.copy_(mg.tensor(rng.standard_normal(bn.num_features)))
    return bn.eval()


@pytest.mark.parametrize("bias", [True, False])
def test_fuse_conv_and_linear_bn(bias):
    rng = np.random.default_rng(2)
    conv = nn.Conv2d(2, 3, 3, bias=bias).double().eval()
    bn = _trained_bn(nn.BatchNorm2d(3).double(), rng)
    x = mg.tensor(rng.standard_normal((2, 2, 5, 5)))
    fused = nn.utils.fuse_conv_bn_eval(conv, bn)
    np.testing.assert_allclose(_np(fused(x)), _np(bn(conv(x))), rtol=1e-12, atol=1e-12)
    assert isinstance(fused.weight, nn.Parameter) and fused is not conv
    convt = nn.ConvTranspose2d(2, 3, 2, bias=bias).double().eval()
    fused = nn.utils.fuse_conv_bn_eval(convt, bn, transpose=True)
    np.testing.assert_allclose(_np(fused(x)), _np(bn(convt(x))), rtol=1e-12, atol=1e-12)
    lin = nn.Linear(4, 3, bias=bias).double().eval()
    bn1 = _trained_bn(nn.BatchNorm1d(3).double(), rng)
    x = mg.tensor(rng.standard_normal((5, 4)))
    fused = nn.utils.fuse_linear_bn_eval(lin, bn1)
    np.testing.assert_allclose(_np(fused(x)), _np(bn1(lin(x))), rtol=1e-12, atol=1e-12)
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        nn.utils.fuse_conv_bn_eval(conv.train(), bn)
    with pytest.raises(AssertionError, match="linear.out_features == bn.num_features"):
        nn.utils.fuse_linear_bn_eval(nn.Linear(4, 2).eval(), bn1)


def test_fuse_weights_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    args = [rng.standard_normal(s) for s in [(3, 2, 2), (3,), (3,), (3,), (3,), (3,)]]
    args[3] = np.abs(args[3]) + 0.1
    tw, tb = torch.nn.utils.fuse_conv_bn_weights(*[torch.tensor(a) for a in args[:4]], 1e-5,
                                                 *[torch.tensor(a) for a in args[4:]])
    mw, mb = nn.utils.fuse_conv_bn_weights(*[mg.tensor(a) for a in args[:4]], 1e-5,
                                           *[mg.tensor(a) for a in args[4:]])
    np.testing.assert_allclose(_np(mw), tw.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(_np(mb), tb.detach().numpy(), rtol=1e-12)
    lw = rng.standard_normal((3, 4))
    tw, tb = torch.nn.utils.fuse_linear_bn_weights(torch.tensor(lw), None,
                                                   *[torch.tensor(a) for a in args[2:4]],
                                                   1e-5, *[torch.tensor(a) for a in args[4:]])
    mw, mb = nn.utils.fuse_linear_bn_weights(mg.tensor(lw), None,
                                             *[mg.tensor(a) for a in args[2:4]], 1e-5,
                                             *[mg.tensor(a) for a in args[4:]])
    np.testing.assert_allclose(_np(mw), tw.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(_np(mb), tb.detach().numpy(), rtol=1e-12)


# ---- skip_init, memory format, clip_grad helpers -----------------------------------------
def test_skip_init_and_memory_format():
    m = nn.utils.skip_init(nn.Linear, 3, 2)
    assert isinstance(m, nn.Linear) and m.weight.shape == (2, 3)
    with pytest.raises(RuntimeError, match="Expected a Module"):
        nn.utils.skip_init(int)
    with pytest.raises(RuntimeError, match="must support a 'device' arg"):
        nn.utils.skip_init(nn.ReLU)
    c = nn.Conv2d(1, 1, 1)
    assert nn.utils.convert_conv2d_weight_memory_format(c, mg.channels_last) is c
    assert nn.utils.convert_conv3d_weight_memory_format(c, mg.channels_last_3d) is c
    with pytest.raises(TypeError, match="memory_format"):
        nn.utils.convert_conv2d_weight_memory_format(c, "channels_last")


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_total_norm_and_clip_with_norm_match_torch(norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    grads = [rng.standard_normal(s) for s in [(3, 2), (4,)]]
    tp = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    mp = [mg.zeros(g.shape, dtype=mg.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(tp, mp, grads):
        p.grad, q.grad = torch.tensor(g), mg.tensor(g)
    tn = torch.nn.utils.get_total_norm([p.grad for p in tp], norm_type)
    mn = nn.utils.get_total_norm([p.grad for p in mp], norm_type)
    np.testing.assert_allclose(float(mn), float(tn), rtol=1e-12)
    torch.nn.utils.clip_grads_with_norm_(tp, 0.5, tn)
    nn.utils.clip_grads_with_norm_(mp, 0.5, mn)
    for p, q in zip(tp, mp):
        np.testing.assert_allclose(_np(q.grad), p.grad.numpy(), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        tn = torch.nn.utils.clip_grad_norm(tp, 0.1, norm_type)
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        mn = nn.utils.clip_grad_norm(mp, 0.1, norm_type)
    np.testing.assert_allclose(float(mn), float(tn), rtol=1e-12)
    for p, q in zip(tp, mp):
        np.testing.assert_allclose(_np(q.grad), p.grad.numpy(), rtol=1e-12)


def test_func_functional_call_is_the_same_without_warning():
    m = _mlp(nn)
    w = mg.zeros(2, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = mg.func.functional_call(m, {"2.weight": w}, mg.ones(1, 3))
    np.testing.assert_allclose(_np(y), _np(m[2].bias)[None])
