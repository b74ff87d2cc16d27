"""Adadelta, Adamax, NAdam, RAdam and LBFGS against their published rules (NumPy) and
torch.optim; PyTorch's implementation keywords on every optimizer."""
import inspect
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

from .test_optimizers import SHAPES, _grads, _run_minigrad


def ref_adadelta(x, g, st, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
    g = (-g if maximize else g) + weight_decay * x
    v = st["v"] = rho * st.get("v", 0) + (1 - rho) * g * g
    dx = np.sqrt(st.get("u", 0) + eps) / np.sqrt(v + eps) * g
    st["u"] = rho * st.get("u", 0) + (1 - rho) * dx * dx
    return x - lr * dx


def ref_adamax(x, g, st, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
               maximize=False):
    b1, b2 = betas
    g = (-g if maximize else g) + weight_decay * x
    t = st["t"] = st.get("t", 0) + 1
    m = st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
    u = st["u"] = np.maximum(b2 * st.get("u", 0), np.abs(g) + eps)
    return x - lr / (1 - b1**t) * m / u


def ref_nadam(x, g, st, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
              momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    g = -g if maximize else g
    if decoupled_weight_decay:
        x = x * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * x
    t = st["t"] = st.get("t", 0) + 1
    mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu1 = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    prod = st["prod"] = st.get("prod", 1.0) * mu
    m = st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
    v = st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
    den = np.sqrt(v / (1 - b2**t)) + eps
    return x - lr * (1 - mu) / (1 - prod) * g / den - lr * mu1 / (1 - prod * mu1) * m / den


def ref_radam(x, g, st, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    g = -g if maximize else g
    if decoupled_weight_decay:
        x = x * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * x
    t = st["t"] = st.get("t", 0) + 1
    m = st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
    v = st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
    m_hat = m / (1 - b1**t)
    rho_inf = 2 / (1 - b2) - 1
    rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
    if rho <= 5:
        return x - lr * m_hat
    r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    return x - lr * m_hat * r * math.sqrt(1 - b2**t) / (np.sqrt(v) + eps)


CASES = [
    ("Adadelta", ref_adadelta, dict()),
    ("Adadelta", ref_adadelta, dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1, maximize=True)),
    ("Adamax", ref_adamax, dict(lr=0.01)),
    ("Adamax", ref_adamax, dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, maximize=True)),
    ("NAdam", ref_nadam, dict(lr=0.01)),
    ("NAdam", ref_nadam, dict(lr=0.01, momentum_decay=0.1, weight_decay=0.1)),
    ("NAdam", ref_nadam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True,
                              maximize=True)),
    ("RAdam", ref_radam, dict(lr=0.01)),  # rho_t > 5 from step 6
    ("RAdam", ref_radam, dict(lr=0.01, betas=(0.9, 0.5))),  # rho_t <= 5 throughout
    ("RAdam", ref_radam, dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1,
                              decoupled_weight_decay=True, maximize=True)),
    ("RAdam", ref_radam, dict(lr=0.01, weight_decay=0.1)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, _, kw in CASES]


@pytest.mark.parametrize("name,ref,kw", CASES, ids=IDS)
def test_matches_published_rule(name, ref, kw, rng):
    x0s = [rng.standard_normal(s) for s in SHAPES]
    grads = _grads(rng, 8)
    got, _, _ = _run_minigrad(name, kw, x0s, grads)
    xs, states = [x.copy() for x in x0s], [{} for _ in SHAPES]
    for step, gs in enumerate(grads):
        xs = [ref(x, g, st, **kw) for x, g, st in zip(xs, gs, states)]
        for got_x, want in zip(got[step], xs):
            # NAdam keeps its product of momenta in float32, as PyTorch does
            tol = 1e-6 if name == "NAdam" else 1e-10
            np.testing.assert_allclose(got_x, want, rtol=tol, atol=tol * 1e-2,
                                       err_msg=f"{name} step {step + 1}")


@pytest.mark.parametrize("name,ref,kw", CASES, ids=IDS)
def test_matches_torch(name, ref, kw, rng):
    torch = pytest.importorskip("torch")
    x0s = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = [[g.astype(np.float32) for g in gs] for gs in _grads(rng, 8)]
    got, opt, _ = _run_minigrad(name, kw, x0s, grads, dtype=mg.float32)
    tp = [torch.tensor(x, requires_grad=True) for x in x0s]
    topt = getattr(torch.optim, name)(tp, **kw)
    for step, gs in enumerate(grads):
        for p, g in zip(tp, gs):
            p.grad = torch.tensor(g)
        topt.step()
        for got_x, p in zip(got[step], tp):
            np.testing.assert_allclose(got_x, p.detach().numpy(), rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name} step {step + 1}")
    sd, tsd = opt.state_dict(), topt.state_dict()
    for i in tsd["state"]:
        assert list(sd["state"][i]) == list(tsd["state"][i])
        for k, v in tsd["state"][i].items():
            np.testing.assert_allclose(sd["state"][i][k].numpy(), v.numpy(), rtol=1e-5,
                                       atol=1e-6)
    assert sd["param_groups"] == tsd["param_groups"]


ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
       "LBFGS"]


@pytest.mark.parametrize("name", ALL)
def test_signature_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours = inspect.signature(getattr(optim, name).__init__).parameters
    theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
    assert [(n, p.kind, p.default) for n, p in ours.items()] == \
        [(n, p.kind, p.default) for n, p in theirs.items()]
    p = mg.zeros(2, requires_grad=True)
    assert getattr(optim, name)([p]).param_groups[0].keys() - {"params"} == \
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).param_groups[0].keys() \
        - {"params"}


@pytest.mark.parametrize("name", [n for n in ALL if n != "LBFGS"])
def test_implementation_keywords(name):
    p = mg.zeros(2, requires_grad=True)
    params = inspect.signature(getattr(optim, name).__init__).parameters
    kw = {k: True for k in ("foreach", "capturable") if k in params}
    getattr(optim, name)([p], **kw)  # accepted; they choose nothing in minigrad
    if "fused" in params:
        getattr(optim, name)([p], fused=True)
        with pytest.raises(RuntimeError, match="cannot be `True` together"):
            getattr(optim, name)([p], fused=True, foreach=True)
    with pytest.raises(NotImplementedError, match="differentiable"):
        getattr(optim, name)([p], differentiable=True)


BAD = [("Adadelta", dict(rho=1.5)), ("Adadelta", dict(eps=-1)), ("Adadelta", dict(lr=-1)),
       ("Adamax", dict(betas=(1.0, 0.9))), ("Adamax", dict(eps=-1)),
       ("NAdam", dict(momentum_decay=-1)), ("NAdam", dict(betas=(0.9, 1.0))),
       ("RAdam", dict(weight_decay=-1)), ("RAdam", dict(lr=float("nan"))),
       ("LBFGS", dict(lr=-1))]


@pytest.mark.parametrize("name,kw", BAD, ids=[f"{n}-{kw}" for n, kw in BAD])
def test_invalid_hyperparameters_raise(name, kw):
    with pytest.raises(ValueError, match="(?i)invalid"):
        getattr(optim, name)([mg.zeros(2, requires_grad=True)], **kw)


# ---- LBFGS -------------------------------------------------------------------------------

def _lbfgs_run(lib, opt_cls, a, b, w0, steps=4, **kw):
    w = lib.tensor(w0.copy(), requires_grad=True)
    a_, b_ = lib.tensor(a), lib.tensor(b)
    opt = opt_cls([w], **kw)

    def closure():
        opt.zero_grad()
        r = a_ @ w - b_
        loss = (r * r).sum() + 0.1 * (w**4).sum()
        loss.backward()
        return loss

    losses = [opt.step(closure).detach().item() for _ in range(steps)]
    st = opt.state[w]
    return w.detach().numpy(), losses, st["func_evals"], st["n_iter"]


@pytest.mark.parametrize("kw", [dict(), dict(line_search_fn="strong_wolfe"),
                                dict(lr=0.5, max_iter=7, history_size=3),
                                dict(max_iter=7, history_size=2, line_search_fn="strong_wolfe"),
                                dict(max_iter=50, tolerance_grad=1e-3)])
def test_lbfgs_matches_torch_trajectory(kw, rng):
    torch = pytest.importorskip("torch")
    a, b, w0 = rng.standard_normal((6, 4)), rng.standard_normal(6), rng.standard_normal(4)
    w, losses, evals, iters = _lbfgs_run(mg, optim.LBFGS, a, b, w0, **kw)
    tw, tlosses, tevals, titers = _lbfgs_run(torch, torch.optim.LBFGS, a, b, w0, **kw)
    np.testing.assert_allclose(w, tw, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(losses, tlosses, rtol=1e-10)
    assert (evals, iters) == (tevals, titers)


def test_lbfgs_minimises_and_checks_arguments(rng):
    a, b = rng.standard_normal((6, 4)), rng.standard_normal(6)
    w, losses, _, _ = _lbfgs_run(mg, optim.LBFGS, a, b, np.zeros(4), steps=3,
                                 line_search_fn="strong_wolfe",
                                 tolerance_change=0)
    x = mg.tensor(w, requires_grad=True)  # stopped where the gradient is within tolerance_grad (1e-7)
    loss = ((mg.tensor(a) @ x - mg.tensor(b)) ** 2).sum() + 0.1 * (x**4).sum()
    loss.backward()
    assert np.abs(x.grad.numpy()).max() <= 1e-7 and losses[-1] < losses[0]
    p = mg.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="strong_wolfe"):
        optim.LBFGS([p], line_search_fn="armijo")
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [p]}, {"params": [mg.zeros(1, requires_grad=True)]}])
    assert optim.LBFGS([p], max_iter=8).param_groups[0]["max_eval"] == 10
    with pytest.raises(TypeError, match="closure"):  # a required argument, as in PyTorch
        optim.LBFGS([p]).step()


def test_lbfgs_state_dict_round_trip_continues_identically(tmp_path, rng):
    a, b = rng.standard_normal((6, 4)), rng.standard_normal(6)

    def make(w0):
        w = mg.tensor(w0, requires_grad=True)
        opt = optim.LBFGS([w], max_iter=2, history_size=3)

        def closure():
            opt.zero_grad()
            loss = ((mg.tensor(a) @ w - mg.tensor(b)) ** 2).sum() + 0.1 * (w**4).sum()
            loss.backward()
            return loss
        return w, opt, closure

    w, opt, closure = make(rng.standard_normal(4))
    opt.step(closure)
    mg.save({"w": w.detach(), "opt": opt.state_dict()}, tmp_path / "lbfgs.pt")
    ck = mg.load(tmp_path / "lbfgs.pt")
    assert isinstance(ck["opt"]["state"][0]["d"], mg.Tensor)
    w2, opt2, closure2 = make(ck["w"].numpy())
    opt2.load_state_dict(ck["opt"])
    for _ in range(2):
        opt.step(closure)
        opt2.step(closure2)
    np.testing.assert_array_equal(w.detach().numpy(), w2.detach().numpy())
    assert opt2.state[w2]["n_iter"] == opt.state[w]["n_iter"]
