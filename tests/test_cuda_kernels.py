"""The fused CUDA kernels (minigrad/cuda_kernels.py) against the ufunc chains they replace.

Both paths run on the GPU: ``MINIGRAD_CUDA_FUSED=0`` makes the ops take their ordinary
ufunc chains, so any difference comes from the fused kernel. float64 must agree to
rounding; float32 within float32 rounding of the values involved. Skipped without a GPU.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend, cuda_kernels, nn, optim

gpu = pytest.mark.skipif(not backend.cupy_available()
                         or (backend._cupy.__doc__ or "").startswith("fake"),
                         reason="needs a real GPU and CuPy (the CPU stand-in compiles no kernels)")


def _run(fused, monkeypatch, fn):
    monkeypatch.setenv("MINIGRAD_CUDA_FUSED", "1" if fused else "0")
    mg.manual_seed(0)
    return fn()


def _lstm_case(dtype, num_layers=2, bidirectional=True):
    def fn():
        lstm = nn.LSTM(7, 5, num_layers=num_layers, bidirectional=bidirectional).to("cuda", dtype)
        x = mg.randn(6, 3, 7, device="cuda", dtype=dtype, requires_grad=True)
        h0 = mg.randn(num_layers * (2 if bidirectional else 1), 3, 5, device="cuda", dtype=dtype,
                      requires_grad=True)
        c0 = mg.randn(*h0.shape, device="cuda", dtype=dtype, requires_grad=True)
        y, (h, c) = lstm(x, (h0, c0))
        (y.square().sum() + (h * c).sum()).backward()
        out = [y, h, c, x.grad, h0.grad, c0.grad] + [p.grad for p in lstm.parameters()]
        return [t.detach().cpu().numpy() for t in out]
    return fn


@gpu
@pytest.mark.parametrize("dtype,rtol,atol", [(mg.float64, 1e-12, 1e-12), (mg.float32, 1e-5, 1e-6)])
def test_lstm_fused_matches_ufunc_chain(dtype, rtol, atol, monkeypatch):
    assert cuda_kernels.get("lstm_fwd", backend._cupy.zeros(2, dtype=np.float32)) is not None
    fused = _run(True, monkeypatch, _lstm_case(dtype))
    plain = _run(False, monkeypatch, _lstm_case(dtype))
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _adam_case(dtype, **kw):
    def fn():
        p = mg.randn(1000, device="cuda", dtype=dtype, requires_grad=True)
        opt = optim.Adam([p], lr=1e-2, **kw)
        for _ in range(5):
            opt.zero_grad()
            (p.square() * mg.arange(1000, device="cuda", dtype=dtype)).sum().backward()
            opt.step()
        st = opt.state[p]
        return [p.detach().cpu().numpy(), st["exp_avg"].cpu().numpy(),
                st["exp_avg_sq"].cpu().numpy()]
    return fn


@gpu
@pytest.mark.parametrize("kw", [{}, {"weight_decay": 0.1}, {"amsgrad": True, "maximize": True},
                                {"weight_decay": 0.1, "decoupled_weight_decay": True}])
@pytest.mark.parametrize("dtype,rtol", [(mg.float64, 1e-12), (mg.float32, 2e-6)])
def test_adam_fused_matches_ufunc_chain(kw, dtype, rtol, monkeypatch):
    fused = _run(True, monkeypatch, _adam_case(dtype, **kw))
    plain = _run(False, monkeypatch, _adam_case(dtype, **kw))
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-2)


def test_fused_kernels_are_never_used_for_numpy_arrays():
    x = np.zeros(3, dtype=np.float32)
    assert cuda_kernels.get("adam", x, x) is None
    assert cuda_kernels.get("lstm_fwd", x) is None


def _ce_case(dtype, n, c):
    def fn():
        x = (mg.randn(n, c, device="cuda", dtype=dtype) * 30).requires_grad_()
        y = mg.randint(0, c, (n,), device="cuda")
        y[::3] = -100  # ignored rows: zero loss and zero gradient
        loss = mg.nn.functional.cross_entropy(x, y, reduction="none")
        (loss * mg.arange(n, device="cuda", dtype=dtype)).sum().backward()
        return [loss.detach().cpu().numpy(), x.grad.cpu().numpy()]
    return fn


@gpu
@pytest.mark.parametrize("n,c", [(7, 1), (64, 10), (5, 300), (3, 5000)])
@pytest.mark.parametrize("dtype,rtol", [(mg.float64, 1e-12), (mg.float32, 1e-5)])
def test_cross_entropy_fused_matches_ufunc_chain(n, c, dtype, rtol, monkeypatch):
    fused = _run(True, monkeypatch, _ce_case(dtype, n, c))
    plain = _run(False, monkeypatch, _ce_case(dtype, n, c))
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-1)


def _conv_pool_case(dtype, conv_kw, pool_kw):
    def fn():
        F = mg.nn.functional
        x = mg.randn(3, 4, 11, 9, device="cuda", dtype=dtype, requires_grad=True)
        w = mg.randn(6, 4 // conv_kw.get("groups", 1), 3, 2, device="cuda", dtype=dtype,
                     requires_grad=True)
        y = F.max_pool2d(F.conv2d(x, w, **conv_kw), **pool_kw)
        (y * mg.randn(*y.shape, device="cuda", dtype=dtype)).sum().backward()
        return [y.detach().cpu().numpy(), x.grad.cpu().numpy(), w.grad.cpu().numpy()]
    return fn


@gpu
@pytest.mark.parametrize("conv_kw,pool_kw", [
    ({}, {"kernel_size": 2}),
    ({"stride": 2, "padding": 1}, {"kernel_size": 3, "stride": 1, "padding": 1}),
    ({"dilation": 2, "groups": 2}, {"kernel_size": (2, 3), "stride": 2, "ceil_mode": True}),
    ({"padding": (2, 1)}, {"kernel_size": 2, "dilation": 2}),
])
@pytest.mark.parametrize("dtype,rtol", [(mg.float64, 1e-12), (mg.float32, 1e-5)])
def test_col2im_and_max_pool_fused_match_ufunc_chains(conv_kw, pool_kw, dtype, rtol, monkeypatch):
    fused = _run(True, monkeypatch, _conv_pool_case(dtype, conv_kw, pool_kw))
    plain = _run(False, monkeypatch, _conv_pool_case(dtype, conv_kw, pool_kw))
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)
