"""Optimizers and schedulers on every available device: the same float32 training steps on
``device`` give the CPU's parameters, state lives on the parameter's device (the ``step``
counter on the CPU, as PyTorch), and optimizer state saved from ``device`` loads on the CPU
and back. Without a GPU only the cpu parameter runs."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.optim import lr_scheduler

VARIANTS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-2}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "maximize": True}),
    ("Adam", {"lr": 1e-2}),
    ("Adam", {"lr": 1e-2, "amsgrad": True, "weight_decay": 1e-2, "maximize": True}),
    ("AdamW", {"lr": 1e-2, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 1e-2, "momentum": 0.9, "centered": True, "weight_decay": 1e-2}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 1e-2, "weight_decay": 1e-2}),
]


def _model(device):
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3)).to(device)


def _train(name, kw, device, steps=3, scheduler=None):
    m = _model(device)
    opt = getattr(optim, name)(m.parameters(), **kw)
    sched = scheduler(opt) if scheduler else None
    rng = np.random.default_rng(0)
    lrs = []
    for _ in range(steps):
        x = mg.tensor(rng.standard_normal((6, 4)).astype(np.float32), device=device)
        y = mg.tensor(rng.integers(0, 3, 6), device=device)
        opt.zero_grad()
        loss = nn.functional.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step(loss) if isinstance(sched, lr_scheduler.ReduceLROnPlateau) else sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return m, opt, lrs


@pytest.mark.parametrize("name,kw", VARIANTS, ids=lambda v: v if isinstance(v, str) else
                         "-".join(f"{k}={x}" for k, x in v.items()))
def test_steps_on_device_match_cpu(name, kw, device):
    want, _, _ = _train(name, kw, "cpu")
    got, opt, _ = _train(name, kw, device)
    dev = mg.device(device)
    for p, q in zip(got.parameters(), want.parameters()):
        assert p.device == dev and p.grad.device == dev
        np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    for st in opt.state.values():
        for k, v in st.items():
            if isinstance(v, mg.Tensor):
                assert v.device == (mg.device("cpu") if k == "step" else dev), k


SCHEDULERS = [
    lambda o: lr_scheduler.StepLR(o, 2, gamma=0.5),
    lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=4),
    lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=3),
    lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=0, factor=0.5, threshold=10.0),
]


@pytest.mark.parametrize("make", SCHEDULERS, ids=["StepLR", "OneCycleLR", "CosineAnnealingLR",
                                                   "ReduceLROnPlateau"])
def test_schedulers_on_device(make, device):
    want, _, want_lrs = _train("SGD", {"lr": 0.1, "momentum": 0.9}, "cpu", 4, make)
    got, _, lrs = _train("SGD", {"lr": 0.1, "momentum": 0.9}, device, 4, make)
    assert lrs == pytest.approx(want_lrs)
    for p, q in zip(got.parameters(), want.parameters()):
        np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_zero_grad_keeps_grads_on_device(device):
    m, opt, _ = _train("SGD", {"lr": 0.1}, device, steps=1)
    opt.zero_grad(set_to_none=False)
    for p in m.parameters():
        assert p.grad.device == mg.device(device)
        assert not p.grad.cpu().numpy().any()


def test_optimizer_state_saved_on_device_loads_on_cpu_and_back(device, tmp_path):
    m, opt, _ = _train("Adam", {"lr": 1e-2, "amsgrad": True}, device)
    path = tmp_path / "ckpt.mgz"
    mg.save({"model": m.state_dict(), "optim": opt.state_dict()}, path)
    ck = mg.load(path, map_location="cpu")
    cpu_m = _model("cpu")
    cpu_m.load_state_dict(ck["model"])
    cpu_opt = optim.Adam(cpu_m.parameters(), lr=1e-2, amsgrad=True)
    cpu_opt.load_state_dict(ck["optim"])
    for st in cpu_opt.state.values():
        assert all(v.device == mg.device("cpu") for v in st.values() if isinstance(v, mg.Tensor))
    # continue training on the CPU and on the device from the same checkpoint: same result
    back = _model("cpu").to(device)
    back.load_state_dict(mg.load(path)["model"])
    back_opt = optim.Adam(back.parameters(), lr=1e-2, amsgrad=True)
    back_opt.load_state_dict(mg.load(path, map_location="cpu")["optim"])  # moved to params
    for st in back_opt.state.values():
        for k, v in st.items():
            if isinstance(v, mg.Tensor):
                assert v.device == (mg.device("cpu") if k == "step" else mg.device(device)), k
    x = np.random.default_rng(5).standard_normal((6, 4)).astype(np.float32)
    for model, o, dev in ((cpu_m, cpu_opt, "cpu"), (back, back_opt, device)):
        o.zero_grad()
        model(mg.tensor(x, device=dev)).square().sum().backward()
        o.step()
    for p, q in zip(back.parameters(), cpu_m.parameters()):
        np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
