"""ASGD, Rprop, Adafactor, Muon and swa_utils against torch.optim over several steps, their
signatures, errors and state_dict round-trips."""
import inspect

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.optim import swa_utils

SHAPES = [(3, 4), (2, 3, 5), (5,), ()]
CASES = [
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=3, weight_decay=0.1, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.08), maximize=True)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-3, 1e-2), d=0.5 + 1.0,
                       weight_decay=0.1, maximize=True)),
    ("Adafactor", dict(lr=0.5, d=1.0)),  # the update's RMS is clipped
    ("Muon", dict()),
    ("Muon", dict(lr=0.02, weight_decay=0.0, momentum=0.9, nesterov=False,
                  adjust_lr_fn="match_rms_adamw", ns_steps=3)),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
STEPS = 7


def _shapes(name):
    return [(3, 4), (6, 2), (4, 4)] if name == "Muon" else SHAPES


def _data(rng, name, dtype):
    shapes = _shapes(name)
    x0s = [rng.standard_normal(s).astype(dtype) for s in shapes]
    # a gradient that keeps its sign for some steps and flips for others (Rprop's cases)
    base = [rng.standard_normal(s) for s in shapes]
    grads = [[(b * (-1) ** (t // 3) + 0.5 * rng.standard_normal(s)).astype(dtype)
              for b, s in zip(base, shapes)] for t in range(STEPS)]
    return x0s, grads


def _run(lib, cls, kw, x0s, grads):
    ps = [lib.tensor(x.copy(), requires_grad=True) for x in x0s]
    opt = cls(ps, **kw)
    out = []
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = lib.tensor(g.copy())
        opt.step()
        out.append([p.detach().numpy().copy() for p in ps])
    return out, opt, ps


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_matches_torch_over_steps(name, kw, dtype, rng):
    torch = pytest.importorskip("torch")
    x0s, grads = _data(rng, name, dtype)
    got, opt, _ = _run(mg, getattr(optim, name), kw, x0s, grads)
    want, topt, _ = _run(torch, getattr(torch.optim, name), kw, x0s, grads)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for step, (gs, ws) in enumerate(zip(got, want)):
        for g, w in zip(gs, ws):
            assert g.dtype == dtype
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol, err_msg=f"step {step + 1}")
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd["param_groups"] == tsd["param_groups"]
    assert sd["state"].keys() == tsd["state"].keys()
    for i, st in tsd["state"].items():
        assert list(sd["state"][i]) == list(st)  # same keys in the same order
        for k, v in st.items():
            mine = sd["state"][i][k]
            assert isinstance(mine, mg.Tensor) and mine.shape == tuple(v.shape)
            assert str(mine.dtype).split(".")[-1] == str(v.dtype).split(".")[-1]
            np.testing.assert_allclose(mine.numpy(), v.numpy(), rtol=tol, atol=tol,
                                       err_msg=f"state {k}")


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_state_dict_round_trip_continues_identically(name, kw, rng, tmp_path):
    # float32 parameters: loading casts floating state to the parameter's dtype, as PyTorch
    # does, which would change ASGD's float32 eta/mu next to float64 parameters
    x0s, grads = _data(rng, name, np.float32)
    _, opt, ps = _run(mg, getattr(optim, name), kw, x0s, grads[:3])
    mg.save({"p": [p.detach() for p in ps], "opt": opt.state_dict()}, tmp_path / "ck.pt")
    ck = mg.load(tmp_path / "ck.pt")
    ps2 = [mg.tensor(p.numpy(), requires_grad=True) for p in ck["p"]]
    opt2 = getattr(optim, name)(ps2, **kw)
    opt2.load_state_dict(ck["opt"])
    for gs in grads[3:]:
        for p, q, g in zip(ps, ps2, gs):
            p.grad, q.grad = mg.tensor(g), mg.tensor(g)
        opt.step()
        opt2.step()
    for p, q in zip(ps, ps2):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


@pytest.mark.parametrize("name", ["ASGD", "Rprop", "Adafactor", "Muon"])
def test_signature_and_groups_match_torch(name):
    torch = pytest.importorskip("torch")
    ours = inspect.signature(getattr(optim, name).__init__).parameters
    theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
    assert [(n, p.kind, p.default) for n, p in ours.items()] == \
        [(n, p.kind, p.default) for n, p in theirs.items()]
    mine = getattr(optim, name)([mg.zeros(2, 2, requires_grad=True)]).param_groups[0]
    want = getattr(torch.optim, name)([torch.zeros(2, 2, requires_grad=True)]).param_groups[0]
    assert {k: v for k, v in mine.items() if k != "params"} == \
        {k: v for k, v in want.items() if k != "params"}


@pytest.mark.parametrize("name", ["ASGD", "Rprop", "Adafactor", "Muon"])
def test_minimises_a_quadratic(name):
    """Without torch: each one drives ||W - C||^2 down through autograd."""
    c = mg.tensor(np.linspace(-1, 1, 12).reshape(3, 4))
    w = mg.full((3, 4), 0.5, requires_grad=True)  # Adafactor's steps are relative to |w|
    kw = {"ASGD": dict(lr=0.1), "Rprop": dict(), "Adafactor": dict(lr=0.1),
          "Muon": dict(lr=0.05, weight_decay=0)}[name]
    opt = getattr(optim, name)([w], **kw)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = ((w - c) ** 2).sum()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]


BAD = [("ASGD", dict(lr=-1), "learning rate"), ("ASGD", dict(weight_decay=-1), "weight_decay"),
       ("Rprop", dict(etas=(1.2, 0.5)), "Invalid eta values: 1.2, 0.5"),
       ("Rprop", dict(lr=-1), "learning rate"),
       ("Adafactor", dict(beta2_decay=0.5), "beta2_decay should be <= 0 but is: 0.5"),
       ("Adafactor", dict(d=0.5), "Clipping threshold d should be >= 1 but is: 0.5"),
       ("Adafactor", dict(eps=(-1, 1e-3)), "epsilon1 should be >= 0 but is: -1"),
       ("Muon", dict(momentum=-1), "momentum should be >= 0 but is: -1"),
       ("Muon", dict(adjust_lr_fn="x"), "Adjust learning rate function x is not supported")]


@pytest.mark.parametrize("name,kw,msg", BAD, ids=[f"{n}-{k}" for n, k, _ in BAD])
def test_invalid_hyperparameters_raise(name, kw, msg):
    with pytest.raises(ValueError, match=f"(?i){msg}"):
        getattr(optim, name)([mg.zeros(2, 2, requires_grad=True)], **kw)


def test_muon_needs_2d_parameters_and_few_ns_steps():
    with pytest.raises(ValueError, match=r"only supports 2D parameters .*Size\(\[3\]\)"):
        optim.Muon([mg.zeros(3, requires_grad=True)])
    w = mg.zeros(2, 2, requires_grad=True)
    w.grad = mg.ones(2, 2)
    with pytest.raises(ValueError, match="less than 100"):
        optim.Muon([w], ns_steps=100).step()


def test_muon_orthogonalizes_like_torch_in_bfloat16(rng):
    torch = pytest.importorskip("torch")
    from torch.optim._muon import _zeropower_via_newtonschulz

    from minigrad.optim.muon import zeropower_via_newtonschulz
    for shape in [(8, 16), (24, 5), (1, 7)]:
        g = rng.standard_normal(shape).astype(np.float32)
        coefs = (3.4445, -4.7750, 2.0315)
        want = _zeropower_via_newtonschulz(torch.tensor(g), coefs, 5, 1e-7).float().numpy()
        got = zeropower_via_newtonschulz(g, coefs, 5, 1e-7)
        # the same bfloat16 roundings: within one bfloat16 unit of torch
        np.testing.assert_allclose(got, want, rtol=2.0**-7, atol=0)


# ---- swa_utils -----------------------------------------------------------------------------

def _model(lib, w0, b0):
    m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
    with lib.no_grad():
        m[0].weight.copy_(lib.tensor(w0))
        m[0].bias.copy_(lib.tensor(b0))
    return m


@pytest.mark.parametrize("mode", ["swa", "ema", "ema_single", "swa_single", "buffers"])
def test_averaged_model_matches_torch(mode, rng):
    torch = pytest.importorskip("torch")
    w0, b0 = rng.standard_normal((2, 3)), rng.standard_normal(2)
    steps = [(rng.standard_normal((2, 3)), rng.standard_normal(2), rng.standard_normal((4, 3)))
             for _ in range(4)]
    results = []
    for lib, su in ((mg, swa_utils), (torch, torch.optim.swa_utils)):
        kw = {"swa": {}, "ema": dict(multi_avg_fn=su.get_ema_multi_avg_fn(0.9)),
              "ema_single": dict(avg_fn=su.get_ema_avg_fn(0.8)),
              "swa_single": dict(avg_fn=su.get_swa_avg_fn()),
              "buffers": dict(multi_avg_fn=su.get_ema_multi_avg_fn(0.7), use_buffers=True)}[mode]
        m = _model(lib, w0, b0).double()
        avg = su.AveragedModel(m, **kw)
        for w, b, x in steps:
            with lib.no_grad():
                m[0].weight.copy_(lib.tensor(w))
                m[0].bias.copy_(lib.tensor(b))
            m(lib.tensor(x))  # moves the BatchNorm running stats
            avg.update_parameters(m)
        sd = avg.state_dict()
        results.append({k: v.detach().numpy() for k, v in sd.items()})
        out = avg(lib.tensor(steps[0][2])).detach().numpy()
        results[-1]["out"] = out
    mine, theirs = results
    assert mine.keys() == theirs.keys()
    for k in theirs:
        np.testing.assert_allclose(mine[k], theirs[k], rtol=1e-12, atol=1e-12, err_msg=k)
    assert int(mine["n_averaged"]) == 4


def test_averaged_model_rejects_two_functions_and_bad_decay():
    m = nn.Linear(2, 2)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(m, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5"):
        swa_utils.get_ema_multi_avg_fn(1.5)


def test_update_bn_matches_torch(rng):
    torch = pytest.importorskip("torch")
    w0, b0 = rng.standard_normal((2, 3)), rng.standard_normal(2)
    batches = [rng.standard_normal((5, 3)) for _ in range(3)]
    stats = []
    for lib, su in ((mg, swa_utils), (torch, torch.optim.swa_utils)):
        m = _model(lib, w0, b0).double().eval()
        su.update_bn([(lib.tensor(x), 0) for x in batches], m)
        bn = m[1]
        assert not m.training and bn.momentum == 0.1
        stats.append((bn.running_mean.numpy(), bn.running_var.numpy(),
                      int(bn.num_batches_tracked)))
    np.testing.assert_allclose(stats[0][0], stats[1][0], rtol=1e-12)
    np.testing.assert_allclose(stats[0][1], stats[1][1], rtol=1e-12)
    assert stats[0][2] == stats[1][2] == 3


@pytest.mark.parametrize("kw", [dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.2], anneal_epochs=3,
                                                          anneal_strategy="linear"),
                                dict(swa_lr=0.01, anneal_epochs=0)])
def test_swalr_matches_torch(kw):
    torch = pytest.importorskip("torch")
    curves = []
    for lib, su in ((mg, swa_utils), (torch, torch.optim.swa_utils)):
        groups = [{"params": [lib.zeros(1, requires_grad=True)]},
                  {"params": [lib.zeros(1, requires_grad=True)], "lr": 0.3}]
        opt = lib.optim.SGD(groups, lr=0.5)
        s = su.SWALR(opt, **kw)
        curve = [s.get_last_lr()]
        for _ in range(14):
            opt.step()
            s.step()
            curve.append(s.get_last_lr())
        curves.append(curve)
        sd = s.state_dict()
        assert "anneal_func" not in sd and "optimizer" not in sd
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-12)
    with pytest.raises(ValueError, match="anneal_strategy"):
        swa_utils.SWALR(optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1), 0.1,
                        anneal_strategy="exp")
