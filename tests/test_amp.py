"""GradScaler against torch.amp.GradScaler on the CPU: scale trajectory, skipped steps on
inf/NaN gradients, unscaled gradients, state_dict and errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import amp


def _run(lib, scaler_cls, w0, grads, **kw):
    w = lib.tensor(w0.copy(), requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.1)
    scaler = scaler_cls("cpu", **kw)
    scales, ws, seen = [], [], []
    for g in grads:
        opt.zero_grad()
        loss = scaler.scale((w * lib.tensor(g)).sum())
        loss.backward()
        scaler.unscale_(opt)
        seen.append(w.grad.detach().numpy().copy())
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        ws.append(w.detach().numpy().copy())
    return scales, ws, seen, scaler.state_dict()


def test_matches_torch(rng):
    torch = pytest.importorskip("torch")
    w0 = rng.standard_normal(3)
    grads = [rng.standard_normal(3) for _ in range(7)]
    grads[2] = np.array([1.0, np.inf, 0.0])
    grads[4] = np.array([np.nan, 1.0, 0.0])
    kw = dict(init_scale=1024.0, growth_interval=2, growth_factor=4.0, backoff_factor=0.25)
    got = _run(mg, amp.GradScaler, w0, grads, **kw)
    want = _run(torch, torch.amp.GradScaler, w0, grads, **kw)
    assert got[0] == want[0]  # scale after each update
    for a, b in zip(got[1] + got[2], want[1] + want[2]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert got[3] == want[3]


def test_errors_and_disabled():
    w = mg.zeros(2, requires_grad=True)
    opt = mg.optim.SGD([w], lr=0.1)
    s = amp.GradScaler("cpu")
    with pytest.raises(AssertionError, match="_scale is None"):
        s.unscale_(opt)
    loss = s.scale(w.sum())
    assert loss.item() == 0.0 and s.get_scale() == 65536.0
    loss.backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(opt)
    with pytest.raises(RuntimeError, match="after step"):
        s.unscale_(opt)
    s.update()
    with pytest.raises(AssertionError, match="No inf checks"):
        s.update()
    with pytest.raises(RuntimeError, match="Closure"):
        s.step(opt, closure=lambda: 0)
    h = mg.zeros(2, dtype=mg.float16, requires_grad=True)
    h.grad = mg.ones(2, dtype=mg.float16)
    with pytest.raises(ValueError, match="FP16 gradients"):
        s.unscale_(mg.optim.SGD([h], lr=0.1))
    off = amp.GradScaler("cpu", enabled=False)
    x = mg.ones(2)
    assert off.scale(x) is x and off.get_scale() == 1.0 and off.state_dict() == {}
    with pytest.raises(RuntimeError, match="state dict is empty"):
        amp.GradScaler("cpu").load_state_dict({})


def test_cuda_default_disables_without_cuda():
    if mg.backend.cupy_available():
        pytest.skip("CUDA is available")
    with pytest.warns(UserWarning, match="CUDA is not available"):
        s = mg.cuda.amp.GradScaler()
    assert not s.is_enabled()
    import minigrad.cuda.amp as cuda_amp

    assert cuda_amp.GradScaler is amp.GradScaler
