"""Learning-rate schedulers: curves against closed forms and torch.optim.lr_scheduler,
argument checks, and state_dict round trips."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import lr_scheduler as S

N = 60


def _opt(lib, cls="SGD", lrs=(0.1, 0.02), **kw):
    """An optimizer with one param group per lr (params have no grads: step is a no-op)."""
    t = lib.zeros(2, requires_grad=True)
    u = lib.zeros(3, requires_grad=True)
    groups = [{"params": [t], "lr": lrs[0]}, {"params": [u], "lr": lrs[1]}]
    return getattr(lib.optim, cls)(groups, **kw)


def _torch_sched(torch, name, opt, kw):
    return getattr(torch.optim.lr_scheduler, name)(opt, **kw)


class Const:
    """A picklable-by-dict callable, as LambdaLR's state_dict expects."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate**epoch


CASES = [
    ("StepLR", dict(step_size=7, gamma=0.5), "SGD", {}),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3), "SGD", {}),
    ("ExponentialLR", dict(gamma=0.93), "SGD", {}),
    ("CosineAnnealingLR", dict(T_max=17), "SGD", {}),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.005), "SGD", {}),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e)), "SGD", {}),
    ("LambdaLR", dict(lr_lambda=Const(0.97)), "SGD", {}),
    ("LinearLR", dict(), "SGD", {}),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.8, total_iters=25), "SGD", {}),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=N), "SGD", dict(momentum=0.9)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=6, steps_per_epoch=10, pct_start=0.25,
                        anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0),
     "Adam", {}),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=N, three_phase=True, base_momentum=0.8,
                        max_momentum=0.9), "SGD", dict(momentum=0.9)),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=N, cycle_momentum=False), "Adagrad", {}),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


@pytest.mark.parametrize("name,kw,opt_cls,opt_kw", CASES, ids=IDS)
def test_curve_matches_torch(name, kw, opt_cls, opt_kw):
    torch = pytest.importorskip("torch")
    opt, topt = _opt(mg, opt_cls, **opt_kw), _opt(torch, opt_cls, **opt_kw)
    sched = getattr(S, name)(opt, **kw)
    tsched = _torch_sched(torch, name, topt, kw)
    steps = N - 1 if name == "OneCycleLR" else N
    for step in range(steps + 1):
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12,
                                   err_msg=f"{name} epoch {step}")
        assert [g["lr"] for g in opt.param_groups] == pytest.approx(
            [g["lr"] for g in topt.param_groups], rel=1e-12)
        assert _momenta(opt) == pytest.approx(_momenta(topt), rel=1e-12)
        if step < steps:
            opt.step()
            topt.step()
            sched.step()
            tsched.step()
    assert sched.last_epoch == tsched.last_epoch


def _curve(sched, n):
    out = [sched.get_last_lr()[0]]
    for _ in range(n):
        sched.optimizer.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return np.array(out)


def test_closed_forms():
    e = np.arange(N + 1)
    base = 0.1
    np.testing.assert_allclose(_curve(S.StepLR(_opt(mg), 7, gamma=0.5), N),
                               base * 0.5 ** (e // 7), rtol=1e-12)
    np.testing.assert_allclose(_curve(S.MultiStepLR(_opt(mg), [5, 12, 12], gamma=0.3), N),
                               base * 0.3 ** np.searchsorted([5, 12, 12], e, side="right"),
                               rtol=1e-12)
    np.testing.assert_allclose(_curve(S.ExponentialLR(_opt(mg), 0.93), N), base * 0.93**e,
                               rtol=1e-12)
    T, lo = 17, 0.01  # cosine: the closed form also holds past T_max (a cosine wave)
    np.testing.assert_allclose(_curve(S.CosineAnnealingLR(_opt(mg), T, lo), N),
                               lo + (base - lo) * (1 + np.cos(np.pi * e / T)) / 2, rtol=1e-9,
                               atol=1e-12)
    np.testing.assert_allclose(_curve(S.LambdaLR(_opt(mg), lambda k: 1 / (1 + k)), N),
                               base / (1 + e), rtol=1e-12)
    s, f, n = 0.1, 0.8, 25
    np.testing.assert_allclose(_curve(S.LinearLR(_opt(mg), s, f, n), N),
                               base * (s + (f - s) * np.minimum(e, n) / n), rtol=1e-12)


def test_one_cycle_shape():
    opt = _opt(mg, momentum=0.9)
    total, pct, mx = 40, 0.25, 1.0
    lrs = _curve(S.OneCycleLR(opt, max_lr=mx, total_steps=total, pct_start=pct), total - 1)
    peak = int(pct * total) - 1
    assert lrs[0] == pytest.approx(mx / 25)
    assert lrs.argmax() == peak and lrs[peak] == pytest.approx(mx)
    assert lrs[-1] == pytest.approx(mx / 25 / 1e4)
    assert np.all(np.diff(lrs[: peak + 1]) > 0) and np.all(np.diff(lrs[peak:]) < 0)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)  # back to max momentum
    short = S.OneCycleLR(_opt(mg, momentum=0.9), max_lr=1.0, total_steps=3)
    for _ in range(3):
        short.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        short.step()


def test_reduce_on_plateau_rule():
    opt = _opt(mg)
    s = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=[0.03, 0.0])
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5]
    lrs = []
    for m in metrics:
        s.step(m)
        lrs.append(s.get_last_lr())
    # epochs 5 (3 bad epochs > patience 2) and 9 (after cooldown 1, 3 more bad) reduce
    assert [r[1] for r in lrs] == pytest.approx([0.02] * 4 + [0.01] * 4 + [0.01] * 3 + [0.005])
    assert [r[0] for r in lrs][-1] == pytest.approx(0.03)  # clipped at min_lr


PLATEAU = [
    dict(),
    dict(mode="max", factor=0.5, patience=1, threshold=0.1, threshold_mode="abs", cooldown=2),
    dict(factor=0.3, patience=3, threshold=0.05, min_lr=[0.001, 0.004], eps=1e-3),
]


@pytest.mark.parametrize("kw", PLATEAU)
def test_reduce_on_plateau_matches_torch(kw, rng):
    torch = pytest.importorskip("torch")
    opt, topt = _opt(mg), _opt(torch)
    s, ts = S.ReduceLROnPlateau(opt, **kw), torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    metrics = np.concatenate([np.linspace(1, 0.5, 10), 0.5 + 0.05 * rng.standard_normal(80)])
    for m in metrics:
        s.step(float(m))
        ts.step(float(m))
        np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12)
    assert s.num_bad_epochs == ts.num_bad_epochs and s.best == ts.best


@pytest.mark.parametrize("name,kw,opt_cls,opt_kw", CASES, ids=IDS)
def test_state_dict_round_trip(name, kw, opt_cls, opt_kw, tmp_path):
    """Save optimizer + scheduler mid-schedule, restore into fresh objects, continue."""
    opt = _opt(mg, opt_cls, **opt_kw)
    sched = getattr(S, name)(opt, **kw)
    steps = (N - 1) if name == "OneCycleLR" else N
    half = steps // 2
    for _ in range(half):
        opt.step()
        sched.step()
    mg.save({"optim": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "ck")
    want = _curve(sched, steps - half)

    opt2 = _opt(mg, opt_cls, **opt_kw)
    sched2 = getattr(S, name)(opt2, **kw)
    ck = mg.load(tmp_path / "ck")
    opt2.load_state_dict(ck["optim"])
    sched2.load_state_dict(ck["sched"])
    np.testing.assert_array_equal(_curve(sched2, steps - half), want)


def test_plateau_state_dict_round_trip(tmp_path):
    opt = _opt(mg)
    s = S.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    for m in [1.0, 1.0, 1.0]:
        s.step(m)
    mg.save({"optim": opt.state_dict(), "sched": s.state_dict()}, tmp_path / "s")
    opt2 = _opt(mg)
    s2 = S.ReduceLROnPlateau(opt2, patience=1, factor=0.5)
    ck = mg.load(tmp_path / "s")
    opt2.load_state_dict(ck["optim"])
    s2.load_state_dict(ck["sched"])
    assert s2.best == 1.0 and s2.num_bad_epochs == s.num_bad_epochs
    for m in [1.0, 1.0, 0.1]:
        s.step(m)
        s2.step(m)
    assert s2.get_last_lr() == s.get_last_lr() == [0.025, 0.005]


def test_plateau_state_dict_keeps_infinite_best(tmp_path):
    s = S.ReduceLROnPlateau(_opt(mg), mode="max")
    mg.save(s.state_dict(), tmp_path / "s")
    assert mg.load(tmp_path / "s")["best"] == -math.inf


def test_resume_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_opt(mg), step_size=2, last_epoch=3)


def test_step_with_epoch_uses_closed_form():
    s = S.StepLR(_opt(mg), step_size=3, gamma=0.1)
    s.step(7)
    assert s.get_last_lr()[0] == pytest.approx(0.1 * 0.1**2)


@pytest.mark.parametrize("make", [
    lambda o: S.StepLR(o, step_size=0),
    lambda o: S.LinearLR(o, start_factor=0),
    lambda o: S.LinearLR(o, end_factor=1.5),
    lambda o: S.CosineAnnealingLR(o, T_max=0),
    lambda o: S.LambdaLR(o, [lambda e: 1.0]),
    lambda o: S.OneCycleLR(o, max_lr=1.0),
    lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=0),
    lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1.5),
    lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="exp"),
    lambda o: S.OneCycleLR(o, max_lr=[1.0], total_steps=10),
    lambda o: S.ReduceLROnPlateau(o, factor=1.0),
    lambda o: S.ReduceLROnPlateau(o, mode="avg"),
    lambda o: S.ReduceLROnPlateau(o, threshold_mode="pct"),
    lambda o: S.ReduceLROnPlateau(o, min_lr=[0.1]),
])
def test_invalid_arguments(make):
    with pytest.raises(ValueError):
        make(_opt(mg, momentum=0.9))


def test_one_cycle_needs_momentum():
    with pytest.raises(ValueError, match="momentum"):
        S.OneCycleLR(_opt(mg, "Adagrad"), max_lr=1.0, total_steps=10)
    with pytest.raises(TypeError, match="not an Optimizer"):
        S.StepLR(object(), step_size=1)
