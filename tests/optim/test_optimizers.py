"""Optimizers: each step against its published update rule (written out in NumPy here),
against torch.optim, hyper-parameter validation, the Optimizer base, and state_dicts."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

SHAPES = [(3, 4), (5,), ()]
STEPS = 6


def _grads(rng, steps=STEPS):
    return [[rng.standard_normal(s) for s in SHAPES] for _ in range(steps)]


def _params(rng, dtype=mg.float64):
    return [mg.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True) for s in SHAPES]


# ---- the published update rules, in NumPy (float64) --------------------------------------

def ref_sgd(x, g, st, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
            maximize=False):
    d = -g if maximize else g
    d = d + weight_decay * x
    if momentum:
        st["buf"] = d.copy() if "buf" not in st else momentum * st["buf"] + (1 - dampening) * d
        d = d + momentum * st["buf"] if nesterov else st["buf"]
    return x - lr * d


def ref_adam(x, g, st, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
             maximize=False, decoupled=False):
    b1, b2 = betas
    g = -g if maximize else g
    if decoupled:
        x = x * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * x
    t = st["t"] = st.get("t", 0) + 1
    m = st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
    v = st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
    if amsgrad:
        v = st["vmax"] = np.maximum(st.get("vmax", 0), v)
    m_hat = m / (1 - b1**t)
    v_hat = v / (1 - b2**t)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps)


def ref_adamw(x, g, st, weight_decay=1e-2, **kw):
    return ref_adam(x, g, st, weight_decay=weight_decay, decoupled=True, **kw)


def ref_rmsprop(x, g, st, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                centered=False, maximize=False):
    g = (-g if maximize else g) + weight_decay * x
    v = st["v"] = alpha * st.get("v", 0) + (1 - alpha) * g * g
    if centered:
        ga = st["ga"] = alpha * st.get("ga", 0) + (1 - alpha) * g
        avg = np.sqrt(v - ga * ga) + eps
    else:
        avg = np.sqrt(v) + eps
    if momentum > 0:
        buf = st["buf"] = momentum * st.get("buf", 0) + g / avg
        return x - lr * buf
    return x - lr * g / avg


def ref_adagrad(x, g, st, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                eps=1e-10, maximize=False):
    g = (-g if maximize else g) + weight_decay * x
    t = st["t"] = st.get("t", 0) + 1
    clr = lr / (1 + (t - 1) * lr_decay)
    s = st["sum"] = st.get("sum", initial_accumulator_value) + g * g
    return x - clr * g / (np.sqrt(s) + eps)


CASES = [
    ("SGD", ref_sgd, dict(lr=0.1)),
    ("SGD", ref_sgd, dict(lr=0.1, momentum=0.9)),
    ("SGD", ref_sgd, dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("SGD", ref_sgd, dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", ref_sgd, dict(lr=0.1, weight_decay=0.1)),
    ("SGD", ref_sgd, dict(lr=0.1, maximize=True)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.8, weight_decay=0.1, nesterov=True, maximize=True)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.8, dampening=0.5, weight_decay=0.2, maximize=True)),
    ("Adam", ref_adam, dict(lr=0.01)),
    ("Adam", ref_adam, dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3)),
    ("Adam", ref_adam, dict(lr=0.01, amsgrad=True)),
    ("Adam", ref_adam, dict(lr=0.01, weight_decay=0.1)),
    ("Adam", ref_adam, dict(lr=0.01, maximize=True)),
    ("Adam", ref_adam, dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("AdamW", ref_adamw, dict(lr=0.01)),
    ("AdamW", ref_adamw, dict(lr=0.01, weight_decay=0.3, amsgrad=True, maximize=True)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, alpha=0.9, eps=1e-6)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, momentum=0.9)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, centered=True)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1,
                                  maximize=True)),
    ("Adagrad", ref_adagrad, dict(lr=0.1)),
    ("Adagrad", ref_adagrad, dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", ref_adagrad, dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-3)),
    ("Adagrad", ref_adagrad, dict(lr=0.1, weight_decay=0.1, maximize=True)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, _, kw in CASES]


def _run_minigrad(name, kw, x0s, grads, dtype=mg.float64):
    ps = [mg.tensor(x, dtype=dtype, requires_grad=True) for x in x0s]
    opt = getattr(optim, name)(ps, **kw)
    history = []
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = mg.tensor(g, dtype=dtype)
        opt.step()
        history.append([p.detach().numpy().copy() for p in ps])
    return history, opt, ps


@pytest.mark.parametrize("name,ref,kw", CASES, ids=IDS)
def test_matches_published_rule(name, ref, kw, rng):
    x0s = [rng.standard_normal(s) for s in SHAPES]
    grads = _grads(rng)
    got, _, _ = _run_minigrad(name, kw, x0s, grads)
    xs, states = [x.copy() for x in x0s], [{} for _ in SHAPES]
    for step, gs in enumerate(grads):
        xs = [ref(x, g, st, **kw) for x, g, st in zip(xs, gs, states)]
        for got_x, want in zip(got[step], xs):
            np.testing.assert_allclose(got_x, want, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name} step {step + 1}")


@pytest.mark.parametrize("name,ref,kw", CASES, ids=IDS)
def test_matches_torch(name, ref, kw, rng):
    torch = pytest.importorskip("torch")
    x0s = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[g.astype(np.float32) for g in gs] for gs in _grads(rng, 8)]
    got, opt, ps = _run_minigrad(name, kw, x0s, grads, dtype=mg.float32)
    tp = [torch.tensor(x, requires_grad=True) for x in x0s]
    topt = getattr(torch.optim, name)(tp, **kw)
    for step, gs in enumerate(grads):
        for p, g in zip(tp, gs):
            p.grad = torch.tensor(g)
        topt.step()
        for got_x, p in zip(got[step], tp):
            assert got_x.dtype == np.float32
            np.testing.assert_allclose(got_x, p.detach().numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name} step {step + 1}")
    # same state layout and values as torch
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["state"].keys() == tsd["state"].keys()
    for i in sd["state"]:
        assert sd["state"][i].keys() == tsd["state"][i].keys()
        for k, v in sd["state"][i].items():
            assert isinstance(v, mg.Tensor)
            np.testing.assert_allclose(v.numpy(), tsd["state"][i][k].numpy(), rtol=1e-5,
                                       atol=1e-6, err_msg=f"state {k}")
    for g, tg in zip(sd["param_groups"], tsd["param_groups"]):
        assert {k: v for k, v in g.items() if k in tg} == {k: tg[k] for k in g if k in tg}


def test_param_groups_match_torch(rng):
    torch = pytest.importorskip("torch")
    x0s = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[g.astype(np.float32) for g in gs] for gs in _grads(rng, 4)]
    ps = [mg.tensor(x, requires_grad=True) for x in x0s]
    tp = [torch.tensor(x, requires_grad=True) for x in x0s]
    groups = lambda q: [{"params": q[:1]}, {"params": q[1:], "lr": 0.5, "momentum": 0.5}]  # noqa: E731
    opt = optim.SGD(groups(ps), lr=0.1, momentum=0.9, nesterov=True)
    topt = torch.optim.SGD(groups(tp), lr=0.1, momentum=0.9, nesterov=True)
    for gs in grads:
        for p, q, g in zip(ps, tp, gs):
            p.grad, q.grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    for p, q in zip(ps, tp):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_trains_a_quadratic_with_closure(name):
    """Minimise ||x - c||^2 through autograd; step(closure) returns the closure's loss."""
    c = mg.tensor([1.0, -2.0, 3.0])
    x = mg.zeros(3, requires_grad=True)
    kw = {"SGD": dict(lr=0.1, momentum=0.5), "Adagrad": dict(lr=1.0)}.get(name, dict(lr=0.1))
    opt = getattr(optim, name)([x], **kw)

    def closure():
        opt.zero_grad()
        loss = ((x - c) ** 2).sum()
        loss.backward()
        return loss

    first = opt.step(closure).item()
    for _ in range(300):
        last = opt.step(closure).item()
    assert first == pytest.approx(14.0)
    assert last < 1e-2 * first


def test_updates_in_place_and_skips_params_without_grad(rng):
    ps = _params(rng)
    arrays = [p.array for p in ps]
    before = [a.copy() for a in arrays]
    opt = optim.Adam(ps, lr=0.1)
    ps[0].grad = mg.ones_like(ps[0])
    opt.step()
    assert all(p.array is a for p, a in zip(ps, arrays))
    assert not np.array_equal(ps[0].array, before[0])
    for p, b in zip(ps[1:], before[1:]):
        np.testing.assert_array_equal(p.array, b)
    assert len(opt.state) == 1 and ps[0] in opt.state


# ---- hyper-parameter validation -----------------------------------------------------------

NAN, INF = float("nan"), float("inf")
BAD = [
    ("SGD", dict(lr=-0.1)), ("SGD", dict(lr=NAN)), ("SGD", dict(lr=INF)), ("SGD", dict(lr=-INF)),
    ("SGD", dict(momentum=-0.5)), ("SGD", dict(momentum=NAN)), ("SGD", dict(dampening=NAN)),
    ("SGD", dict(weight_decay=-1)), ("SGD", dict(weight_decay=INF)), ("SGD", dict(lr="0.1")),
    ("SGD", dict(nesterov=True)), ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ("Adam", dict(lr=NAN)), ("Adam", dict(lr=-1e-3)), ("Adam", dict(lr=INF)),
    ("Adam", dict(eps=-1e-8)), ("Adam", dict(eps=NAN)), ("Adam", dict(betas=(1.0, 0.999))),
    ("Adam", dict(betas=(0.9, 1.0))), ("Adam", dict(betas=(-0.1, 0.999))),
    ("Adam", dict(betas=(NAN, 0.999))), ("Adam", dict(betas=(0.9, INF))),
    ("Adam", dict(betas=(0.9,))), ("Adam", dict(weight_decay=-0.1)),
    ("Adam", dict(weight_decay=NAN)),
    ("AdamW", dict(lr=NAN)), ("AdamW", dict(betas=(0.9, 1.5))), ("AdamW", dict(weight_decay=-1)),
    ("AdamW", dict(eps=INF)),
    ("RMSprop", dict(lr=NAN)), ("RMSprop", dict(lr=-1)), ("RMSprop", dict(alpha=-0.1)),
    ("RMSprop", dict(alpha=NAN)), ("RMSprop", dict(alpha=1.5)), ("RMSprop", dict(eps=-1)),
    ("RMSprop", dict(momentum=-0.1)), ("RMSprop", dict(momentum=INF)),
    ("RMSprop", dict(weight_decay=-1)),
    ("Adagrad", dict(lr=NAN)), ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)),
    ("Adagrad", dict(lr_decay=NAN)), ("Adagrad", dict(weight_decay=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(eps=-1)),
    ("Adagrad", dict(eps=INF)),
]


@pytest.mark.parametrize("name,kw", BAD, ids=[f"{n}-{kw}" for n, kw in BAD])
def test_invalid_hyperparameters_raise(name, kw):
    p = mg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"(?i)invalid|nesterov"):
        getattr(optim, name)([p], **kw)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_invalid_group_override_raises(name):
    a, b = mg.zeros(2, requires_grad=True), mg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="learning rate"):
        getattr(optim, name)([{"params": [a]}, {"params": [b], "lr": NAN}])
    opt = getattr(optim, name)([a], lr=0.1)
    with pytest.raises(ValueError, match="learning rate"):
        opt.add_param_group({"params": [b], "lr": -1.0})
    assert len(opt.param_groups) == 1


# ---- the Optimizer base ---------------------------------------------------------------------

def test_param_list_errors():
    p = mg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="ordered"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match="only optimize Tensors"):
        optim.SGD([p, 3.0], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})


def test_param_groups_and_defaults():
    a, b = mg.zeros(2, requires_grad=True), mg.zeros(3, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.defaults["lr"] == 0.1 and opt.defaults["momentum"] == 0.9
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert all(g["momentum"] == 0.9 for g in opt.param_groups)
    assert opt.param_groups[1]["params"][0] is b
    c = mg.zeros(1, requires_grad=True)
    opt.add_param_group({"params": [c], "momentum": 0.0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.0
    assert "Parameter Group 2" in repr(opt) and repr(opt).startswith("SGD (")


def test_zero_grad():
    p = mg.ones(2, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and np.array_equal(p.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None
    opt.zero_grad()  # no grads: fine


def _train(opt, ps, grads):
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = mg.tensor(g, dtype=p.dtype)
        opt.step()


@pytest.mark.parametrize("name,ref,kw", CASES[6:8] + CASES[13:14] + CASES[15:16] + CASES[20:21]
                         + CASES[22:23])
def test_state_dict_round_trip_continues_identically(name, ref, kw, rng, tmp_path):
    x0s = [rng.standard_normal(s) for s in SHAPES]
    grads = _grads(rng, 8)
    ps = [mg.tensor(x, requires_grad=True) for x in x0s]
    opt = getattr(optim, name)(ps, **kw)
    _train(opt, ps, grads[:4])
    path = tmp_path / "opt.ckpt"
    mg.save({"params": [p.detach() for p in ps], "optim": opt.state_dict()}, path)
    _train(opt, ps, grads[4:])

    ck = mg.load(path)
    ps2 = [mg.tensor(t.numpy(), requires_grad=True) for t in ck["params"]]
    opt2 = getattr(optim, name)(ps2, lr=123.0)  # the loaded groups override the lr
    opt2.load_state_dict(ck["optim"])
    assert opt2.param_groups[0]["lr"] == kw["lr"]
    _train(opt2, ps2, grads[4:])
    for p, q in zip(ps, ps2):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_state_dict_layout(rng):
    ps = _params(rng)
    opt = optim.Adam([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.5}], lr=0.1)
    for p in ps:
        p.grad = mg.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert sorted(sd["state"]) == [0, 1, 2]
    st = sd["state"][1]
    assert set(st) == {"step", "exp_avg", "exp_avg_sq"}
    assert st["step"].item() == 1.0 and st["exp_avg"].shape == ps[1].shape


def test_load_state_dict_validates_and_casts(rng):
    ps = _params(rng)  # float64
    opt = optim.SGD(ps, lr=0.1, momentum=0.9)
    for p in ps:
        p.grad = mg.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD(ps[:2], lr=0.1, momentum=0.9).load_state_dict(sd)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.SGD([{"params": ps[:1]}, {"params": ps[1:]}], lr=0.1).load_state_dict(sd)
    ps32 = [mg.tensor(p.detach().numpy(), dtype=mg.float32, requires_grad=True) for p in ps]
    opt32 = optim.SGD(ps32, lr=0.1, momentum=0.9)
    opt32.load_state_dict(sd)
    buf = opt32.state[ps32[0]]["momentum_buffer"]
    assert buf.dtype == mg.float32
    buf.array[...] = 7  # a copy, not the saved tensor
    assert not np.any(sd["state"][0]["momentum_buffer"].numpy() == 7)


def test_adagrad_state_is_eager():
    p = mg.zeros(2, requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    assert opt.state[p]["sum"].tolist() == [0.25, 0.25]
    assert opt.state_dict()["state"][0]["step"].item() == 0.0


def test_float16_params_stay_float16():
    p = mg.tensor([1.0, 2.0], dtype=mg.float16, requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    p.grad = mg.tensor([1.0, -1.0], dtype=mg.float16)
    opt.step()
    assert p.dtype == mg.float16 and opt.state[p]["exp_avg"].dtype == mg.float16
    assert math.isclose(p.tolist()[0], 0.9, rel_tol=1e-3)


@pytest.mark.parametrize("name,ref,kw", CASES[6:7] + CASES[13:14] + CASES[20:21] + CASES[24:25])
def test_runs_on_every_device(name, ref, kw, device, rng):
    """The same steps on each device (cuda when CuPy sees a GPU) give the CPU's numbers."""
    x0s = [rng.standard_normal(s) for s in SHAPES]
    grads = _grads(rng, 3)
    want, _, _ = _run_minigrad(name, kw, x0s, grads)
    ps = [mg.tensor(x, dtype=mg.float64, device=device, requires_grad=True) for x in x0s]
    opt = getattr(optim, name)(ps, **kw)
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = mg.tensor(g, dtype=mg.float64, device=device)
        opt.step()
    for p, w in zip(ps, want[-1]):
        assert p.device == mg.device(device)
        np.testing.assert_allclose(p.detach().cpu().numpy(), w, rtol=1e-10, atol=1e-12)
    for st in opt.state.values():
        for k, v in st.items():
            assert v.device == (mg.device("cpu") if k == "step" else mg.device(device))
