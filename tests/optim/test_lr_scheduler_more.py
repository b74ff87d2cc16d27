"""MultiplicativeLR, ConstantLR, PolynomialLR, CyclicLR, CosineAnnealingWarmRestarts,
SequentialLR and ChainedScheduler: curves over many steps against closed forms and
torch.optim.lr_scheduler, explicit epochs, argument checks and state_dict round trips."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import lr_scheduler as S

from .test_lr_scheduler import Const, _curve, _momenta, _opt

N = 70


class Scale:
    """A picklable-by-dict scale_fn for CyclicLR."""

    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        return 1 / (1 + self.k * x)


# (name, factory(lr_scheduler_module, optimizer), optimizer class, optimizer kwargs)
CASES = [
    ("MultiplicativeLR", lambda L, o: L.MultiplicativeLR(o, lambda e: 0.95), "SGD", {}),
    ("MultiplicativeLR", lambda L, o: L.MultiplicativeLR(o, [Const(0.99), lambda e: 0.9]),
     "SGD", {}),
    ("ConstantLR", lambda L, o: L.ConstantLR(o), "SGD", {}),
    ("ConstantLR", lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=11), "SGD", {}),
    ("PolynomialLR", lambda L, o: L.PolynomialLR(o), "SGD", {}),
    ("PolynomialLR", lambda L, o: L.PolynomialLR(o, total_iters=40, power=2.5), "SGD", {}),
    ("CosineAnnealingWarmRestarts", lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=9),
     "SGD", {}),
    ("CosineAnnealingWarmRestarts",
     lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2, eta_min=0.001), "SGD", {}),
    ("CyclicLR", lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=7), "SGD",
     dict(momentum=0.9)),
    ("CyclicLR", lambda L, o: L.CyclicLR(o, [0.01, 0.002], [0.1, 0.05], step_size_up=5,
                                         step_size_down=9, mode="triangular2"), "Adam", {}),
    ("CyclicLR", lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=6, mode="exp_range",
                                         gamma=0.97, cycle_momentum=False), "Adagrad", {}),
    ("CyclicLR", lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=4, scale_fn=Scale(2.0),
                                         scale_mode="iterations", base_momentum=0.5,
                                         max_momentum=0.7), "SGD", dict(momentum=0.9)),
    ("SequentialLR", lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=30)],
        milestones=[5]), "SGD", {}),
    ("SequentialLR", lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.5, total_iters=4), L.ExponentialLR(o, gamma=0.9),
            L.StepLR(o, step_size=6, gamma=0.5)], milestones=[8, 20]), "SGD", {}),
    ("ChainedScheduler", lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.1, total_iters=3), L.ExponentialLR(o, gamma=0.95)]),
     "SGD", {}),
    ("ChainedScheduler", lambda L, o: L.ChainedScheduler(
        [L.LinearLR(o, start_factor=0.2, total_iters=6), L.MultiStepLR(o, [10, 30], 0.3),
         L.PolynomialLR(o, total_iters=50)], optimizer=o), "SGD", {}),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("name,make,opt_cls,opt_kw", CASES, ids=IDS)
def test_curve_matches_torch(name, make, opt_cls, opt_kw):
    torch = pytest.importorskip("torch")
    opt, topt = _opt(mg, opt_cls, **opt_kw), _opt(torch, opt_cls, **opt_kw)
    sched, tsched = make(S, opt), make(torch.optim.lr_scheduler, topt)
    for step in range(N + 1):
        np.testing.assert_allclose(sched.get_last_lr(), tsched.get_last_lr(), rtol=1e-12,
                                   err_msg=f"{name} step {step}")
        np.testing.assert_allclose([g["lr"] for g in opt.param_groups],
                                   [g["lr"] for g in topt.param_groups], rtol=1e-12)
        assert _momenta(opt) == pytest.approx(_momenta(topt), rel=1e-12)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    assert getattr(sched, "last_epoch", None) == getattr(tsched, "last_epoch", None)
    mine, theirs = sched.state_dict(), tsched.state_dict()
    theirs.pop("_get_lr_called_within_step", None)  # torch's flag that get_lr runs in step()
    assert sorted(mine) == sorted(theirs)


@pytest.mark.parametrize("name,make,opt_cls,opt_kw", CASES, ids=IDS)
def test_state_dict_round_trip(name, make, opt_cls, opt_kw, tmp_path):
    opt = _opt(mg, opt_cls, **opt_kw)
    sched = make(S, opt)
    for _ in range(N // 2):
        opt.step()
        sched.step()
    mg.save({"optim": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "ck")
    want = _curve(sched, N // 2)
    opt2 = _opt(mg, opt_cls, **opt_kw)
    sched2 = make(S, opt2)
    ck = mg.load(tmp_path / "ck")
    opt2.load_state_dict(ck["optim"])
    sched2.load_state_dict(ck["sched"])
    np.testing.assert_array_equal(_curve(sched2, N // 2), want)


def test_closed_forms():
    e = np.arange(N + 1)
    base = 0.1
    np.testing.assert_allclose(_curve(S.MultiplicativeLR(_opt(mg), lambda k: 0.9), N),
                               base * 0.9**e, rtol=1e-12)
    np.testing.assert_allclose(_curve(S.ConstantLR(_opt(mg), 0.25, 11), N),
                               base * np.where(e < 11, 0.25, 1.0), rtol=1e-12)
    n, p = 40, 2.5
    np.testing.assert_allclose(_curve(S.PolynomialLR(_opt(mg), n, p), N),
                               base * (1 - np.minimum(e, n) / n) ** p, rtol=1e-9, atol=1e-15)
    # warm restarts with T_mult=2: periods 4, 8, 16, 32 starting at epochs 0, 4, 12, 28
    starts = np.array([0, 4, 12, 28, 60])
    k = np.searchsorted(starts, e, side="right") - 1
    t_cur, t_i = e - starts[k], 4 * 2**k
    lo = 0.001
    np.testing.assert_allclose(_curve(S.CosineAnnealingWarmRestarts(_opt(mg), 4, 2, lo), N),
                               lo + (base - lo) * (1 + np.cos(np.pi * t_cur / t_i)) / 2,
                               rtol=1e-12)
    # triangular: a 14-iteration cycle between 0.01 and 0.1
    lrs = _curve(S.CyclicLR(_opt(mg, momentum=0.9), 0.01, 0.1, step_size_up=7), N)
    tri = 1 - np.abs((e % 14) / 7 - 1)
    np.testing.assert_allclose(lrs, 0.01 + 0.09 * tri, rtol=1e-12)


@pytest.mark.parametrize("epoch", [0, 3, 4.5, 11, 12, 40.25])
def test_warm_restarts_explicit_epochs_match_torch(epoch):
    torch = pytest.importorskip("torch")
    opt, topt = _opt(mg), _opt(torch)
    s = S.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2, eta_min=0.001)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=4, T_mult=2,
                                                              eta_min=0.001)
    s.step(epoch)
    ts.step(epoch)
    np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12)
    assert (s.T_cur, s.T_i, s.last_epoch) == (ts.T_cur, ts.T_i, ts.last_epoch)
    with pytest.raises(ValueError, match="non-negative epoch"):
        s.step(-1)


@pytest.mark.parametrize("name", ["ConstantLR", "PolynomialLR"])
def test_explicit_epoch_uses_closed_form(name):
    torch = pytest.importorskip("torch")
    import warnings
    opt, topt = _opt(mg), _opt(torch)
    s = getattr(S, name)(opt, total_iters=6)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, total_iters=6)
    for epoch in [3, 9, 2, 6]:
        s.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's deprecation of step(epoch)
            ts.step(epoch)
        np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12)


def test_argument_errors():
    opt = _opt(mg)
    with pytest.raises(ValueError, match="between 0 and 1"):
        S.ConstantLR(opt, factor=1.5)
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got int"):
        S.MultiplicativeLR(opt, 3)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.MultiplicativeLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="Expected positive integer T_0"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1"):
        S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5)
    with pytest.raises(ValueError, match="mode is invalid"):
        S.CyclicLR(opt, 0.01, 0.1, mode="sine")
    with pytest.raises(ValueError, match="momentum or beta1"):
        S.CyclicLR(_opt(mg, "Adagrad"), 0.01, 0.1)
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        S.SequentialLR(opt, [S.ConstantLR(opt), S.ConstantLR(opt)], milestones=[])
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        S.ChainedScheduler([])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        S.ChainedScheduler([S.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="same optimizer"):
        S.SequentialLR(opt, [S.ConstantLR(opt), S.ConstantLR(_opt(mg))], milestones=[3])


def test_signatures_match_torch():
    torch = pytest.importorskip("torch")
    import inspect
    for name in ["MultiplicativeLR", "ConstantLR", "PolynomialLR", "CyclicLR",
                 "CosineAnnealingWarmRestarts", "SequentialLR", "ChainedScheduler"]:
        ours = inspect.signature(getattr(S, name).__init__).parameters
        theirs = inspect.signature(getattr(torch.optim.lr_scheduler, name).__init__).parameters
        assert [(n, p.default) for n, p in ours.items()] == \
            [(n, p.default) for n, p in theirs.items()], name
    assert math.isclose(S.ConstantLR.__init__.__defaults__[0], 1 / 3)
