"""Losses (functional and modules) against PyTorch, gradchecks, stability and error cases."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: thread start-up dominates on a busy machine
TF = torch.nn.functional
REDUCTIONS = ["none", "mean", "sum"]


def _pair(a, grad=True):
    """(minigrad, torch) float64 leaves over the same values (int arrays: no grad)."""
    if a is None:
        return None, None
    g = grad and a.dtype.kind == "f"
    return mg.tensor(a, requires_grad=g), torch.tensor(a, requires_grad=g)


def _check(ours, theirs, inputs, rng, atol=1e-10):
    """Same value, and same gradients for every differentiable input under a random upstream."""
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9, atol=atol)
    g = rng.standard_normal(tuple(ours.shape))
    ours.backward(mg.tensor(g))
    theirs.backward(torch.tensor(g))
    for a, b in inputs:
        if a is not None and a.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=atol)


# ---- pointwise regression losses ---------------------------------------------------------------

POINTWISE = [
    ("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
    ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}), ("huber_loss", {"delta": 0.4}),
]


@pytest.mark.parametrize("name,kw", POINTWISE, ids=[f"{n}-{kw}" for n, kw in POINTWISE])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pointwise_vs_torch(name, kw, reduction, rng):
    x = rng.standard_normal((3, 4))
    t = x + rng.choice([-1, 1], size=(3, 4)) * rng.uniform(0.05, 1.5, size=(3, 4))  # |d| > 0
    (xm, xt), (tm, tt) = _pair(x), _pair(t)
    _check(getattr(F, name)(xm, tm, reduction=reduction, **kw),
           getattr(TF, name)(xt, tt, reduction=reduction, **kw), [(xm, xt), (tm, tt)], rng)


@pytest.mark.parametrize("name,kw", POINTWISE, ids=[f"{n}-{kw}" for n, kw in POINTWISE])
def test_pointwise_gradcheck(name, kw, rng):
    x = rng.standard_normal((2, 3))
    t = x + rng.choice([-1, 1], size=(2, 3)) * rng.uniform(0.1, 1.5, size=(2, 3))
    beta = kw.get("beta", kw.get("delta", 1.0))
    t = np.where(np.abs(np.abs(x - t) - beta) < 0.05, t + 0.2, t)  # keep off the kink
    fn = getattr(F, name)
    assert gradcheck(lambda a, b: fn(a, b, reduction="sum", **kw),
                     [mg.tensor(x, requires_grad=True), mg.tensor(t, requires_grad=True)])


def test_pointwise_broadcast_warns_and_mismatch_raises():
    a, b = mg.randn(3, 1), mg.randn(3, 4)
    with pytest.warns(UserWarning, match="different to the input size"):
        assert F.mse_loss(a, b, reduction="none").shape == (3, 4)
    with pytest.raises(RuntimeError, match=r"\(3, 2\).*\(3, 4\)"):
        F.l1_loss(mg.randn(3, 2), b)


def test_legacy_size_average_reduce():
    x, t = mg.randn(3, 4), mg.randn(3, 4)
    np.testing.assert_allclose(F.mse_loss(x, t, size_average=False).item(),
                               F.mse_loss(x, t, reduction="sum").item(), rtol=1e-6)
    assert F.mse_loss(x, t, reduce=False).shape == (3, 4)


# ---- cross-entropy / nll -------------------------------------------------------------------------

CE_CASES = [
    {}, {"weight": True}, {"ignore_index": 1}, {"label_smoothing": 0.25},
    {"weight": True, "ignore_index": 0, "label_smoothing": 0.1},
]


def _ce_inputs(rng, shape, c=4):
    x = rng.standard_normal(shape) * 2
    y = rng.integers(0, c, size=(shape[0],) + shape[2:] if len(shape) > 1 else ())
    return x, y, rng.uniform(0.3, 2.0, size=c)


@pytest.mark.parametrize("kw", CE_CASES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3), (2, 4, 2, 3), (4,)], ids=str)
def test_cross_entropy_vs_torch(kw, reduction, shape, rng):
    x, y, w = _ce_inputs(rng, shape)
    kw = dict(kw)
    (xm, xt), (ym, yt) = _pair(x), _pair(y)
    wm = wt = None
    if kw.pop("weight", False):
        wm, wt = mg.tensor(w), torch.tensor(w)
    _check(F.cross_entropy(xm, ym, weight=wm, reduction=reduction, **kw),
           TF.cross_entropy(xt, yt, weight=wt, reduction=reduction, **kw), [(xm, xt)], rng)


@pytest.mark.parametrize("kw", [{}, {"weight": True}, {"label_smoothing": 0.3},
                                {"weight": True, "label_smoothing": 0.2}], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(3, 4), (2, 4, 3), (4,)], ids=str)
def test_cross_entropy_probabilities_vs_torch(kw, reduction, shape, rng):
    x = rng.standard_normal(shape)
    cdim = 1 if len(shape) > 1 else 0
    p = rng.uniform(0.1, 1, size=shape)
    p /= p.sum(axis=cdim, keepdims=True)
    kw = dict(kw)
    (xm, xt), (pm, pt) = _pair(x), _pair(p)
    wm = wt = None
    if kw.pop("weight", False):
        w = rng.uniform(0.3, 2, size=shape[cdim])
        wm, wt = mg.tensor(w), torch.tensor(w)
    _check(F.cross_entropy(xm, pm, weight=wm, reduction=reduction, **kw),
           TF.cross_entropy(xt, pt, weight=wt, reduction=reduction, **kw),
           [(xm, xt), (pm, pt)], rng)


@pytest.mark.parametrize("kw", [{}, {"weight": True}, {"ignore_index": 2}], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3), (4,)], ids=str)
def test_nll_loss_vs_torch(kw, reduction, shape, rng):
    x, y, w = _ce_inputs(rng, shape)
    kw = dict(kw)
    (xm, xt), (ym, yt) = _pair(x), _pair(y)
    wm = wt = None
    if kw.pop("weight", False):
        wm, wt = mg.tensor(w), torch.tensor(w)
    _check(F.nll_loss(xm, ym, weight=wm, reduction=reduction, **kw),
           TF.nll_loss(xt, yt, weight=wt, reduction=reduction, **kw), [(xm, xt)], rng)


def test_cross_entropy_gradcheck_and_gradgradcheck(rng):
    x, y, w = _ce_inputs(rng, (3, 4, 2))
    y[0, 0] = -100
    fn = lambda a: F.cross_entropy(a, mg.tensor(y), weight=mg.tensor(w), label_smoothing=0.1)  # noqa: E731
    assert gradcheck(fn, [mg.tensor(x, requires_grad=True)])
    assert gradgradcheck(fn, [mg.tensor(x, requires_grad=True)])
    p = rng.uniform(0.1, 1, size=(3, 4))
    fn2 = lambda a, b: F.cross_entropy(a, b, label_smoothing=0.2)  # noqa: E731
    assert gradcheck(fn2, [mg.tensor(x[..., 0], requires_grad=True),
                           mg.tensor(p, requires_grad=True)])
    fn3 = lambda a: F.nll_loss(a.log_softmax(1), mg.tensor(y), weight=mg.tensor(w))  # noqa: E731
    assert gradcheck(fn3, [mg.tensor(x, requires_grad=True)])


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.1}, {"weight": True}], ids=str)
def test_cross_entropy_extreme_logits(kw, rng):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4], [0.0, 0.0, 0.0]])
    y = np.array([1, 2, 2, 0])
    kw = dict(kw)
    wm = wt = None
    if kw.pop("weight", False):
        wm, wt = mg.tensor([1.0, 2.0, 0.5]), torch.tensor([1.0, 2.0, 0.5])
    for dt in (np.float32, np.float64):
        (xm, xt), (ym, yt) = _pair(x.astype(dt)), _pair(y)
        lm = F.cross_entropy(xm, ym, weight=None if wm is None else wm.to(xm.dtype), **kw)
        lt = TF.cross_entropy(xt, yt, weight=None if wt is None else wt.to(xt.dtype), **kw)
        lm.backward()
        lt.backward()
        assert np.isfinite(lm.item()) and np.isfinite(xm.grad.numpy()).all()
        np.testing.assert_allclose(lm.item(), lt.item(), rtol=1e-6)
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-7)
        assert lm.dtype == (mg.float32 if dt == np.float32 else mg.float64)


def test_cross_entropy_all_ignored():
    """Everything ignored: 'sum' is 0, 'mean' is nan (0/0) as in PyTorch; gradients are 0."""
    y = mg.tensor([-100, -100, -100])
    for fn in (F.cross_entropy, lambda a, t, **k: F.nll_loss(a.log_softmax(1), t, **k)):
        for reduction, want in (("sum", 0.0), ("mean", np.nan)):
            x = mg.randn(3, 4, requires_grad=True)
            loss = fn(x, y, reduction=reduction)
            loss.backward()
            np.testing.assert_equal(loss.item(), want)
            assert (x.grad.numpy() == 0).all()


def test_cross_entropy_errors():
    x = mg.randn(3, 4)
    with pytest.raises((TypeError, RuntimeError), match="Long"):
        F.cross_entropy(x, mg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises((IndexError, RuntimeError), match=r"target 4 .*4 classes"):
        F.cross_entropy(x, mg.tensor([0, 4, 1]))
    with pytest.raises((IndexError, RuntimeError), match=r"target -2 .*4 classes"):
        F.nll_loss(x, mg.tensor([0, -2, 1]))
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 4\).*\(2,\)"):
        F.cross_entropy(x, mg.tensor([0, 1]))
    with pytest.raises(ValueError, match="'none', 'mean', 'sum'"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(RuntimeError, match=r"weight.*\(4,\)"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), weight=mg.ones(3))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), label_smoothing=1.5)


# ---- binary cross-entropy --------------------------------------------------------------------

@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_vs_torch(weight, reduction, rng):
    x = rng.uniform(0.05, 0.95, size=(3, 4))
    t = rng.uniform(0, 1, size=(3, 4))
    (xm, xt), (tm, tt) = _pair(x), _pair(t)
    wm, wt = _pair(rng.uniform(0.5, 2, size=(4,)), grad=False) if weight else (None, None)
    _check(F.binary_cross_entropy(xm, tm, weight=wm, reduction=reduction),
           TF.binary_cross_entropy(xt, tt, weight=wt, reduction=reduction),
           [(xm, xt), (tm, tt)], rng)


def test_bce_clamps_log():
    x = mg.tensor([0.0, 1.0, 0.5, 1e-45], dtype=mg.float32)
    t = mg.tensor([1.0, 0.0, 1.0, 1.0])
    got = F.binary_cross_entropy(x, t, reduction="none").numpy()
    want = TF.binary_cross_entropy(torch.tensor(x.numpy()), torch.tensor(t.numpy()),
                                   reduction="none")
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 1\)"):
        F.binary_cross_entropy(mg.rand(3, 1), mg.rand(3))


@pytest.mark.parametrize("kw", [{}, {"weight": (3, 1)}, {"pos_weight": (4,)},
                                {"weight": (4,), "pos_weight": (1,)}], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_vs_torch(kw, reduction, rng):
    x = rng.standard_normal((3, 4)) * 2
    t = rng.uniform(0, 1, size=(3, 4))
    (xm, xt), (tm, tt) = _pair(x), _pair(t)
    extra_m, extra_t = {}, {}
    for name, shape in kw.items():
        extra_m[name], extra_t[name] = _pair(rng.uniform(0.5, 3, size=shape), grad=False)
    _check(F.binary_cross_entropy_with_logits(xm, tm, reduction=reduction, **extra_m),
           TF.binary_cross_entropy_with_logits(xt, tt, reduction=reduction, **extra_t),
           [(xm, xt), (tm, tt)], rng)


def test_bce_with_logits_extreme_and_errors():
    for dt in (mg.float32, mg.float64):
        x = mg.tensor([1e4, -1e4, 1e4, -1e4, 0.0], dtype=dt, requires_grad=True)
        t = mg.tensor([0.0, 1.0, 1.0, 0.0, 1.0], dtype=dt)
        pw = mg.tensor([3.0], dtype=dt)
        loss = F.binary_cross_entropy_with_logits(x, t, pos_weight=pw)
        loss.backward()
        xt = torch.tensor(x.detach().numpy(), requires_grad=True)
        lt = TF.binary_cross_entropy_with_logits(xt, torch.tensor(t.numpy()),
                                                 pos_weight=torch.tensor(pw.numpy()))
        lt.backward()
        assert np.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()
        np.testing.assert_allclose(loss.item(), lt.item(), rtol=1e-6)
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(3,\).*\(3, 1\)"):
        F.binary_cross_entropy_with_logits(mg.randn(3, 1), mg.rand(3))


def test_bce_gradcheck(rng):
    x, t = rng.standard_normal((2, 3)), rng.uniform(0, 1, (2, 3))
    pw = mg.tensor(rng.uniform(0.5, 2, (3,)))
    fn = lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=pw)  # noqa: E731
    args = [mg.tensor(x, requires_grad=True), mg.tensor(t, requires_grad=True)]
    assert gradcheck(fn, args) and gradgradcheck(fn, args)
    p = rng.uniform(0.1, 0.9, (2, 3))
    assert gradcheck(F.binary_cross_entropy, [mg.tensor(p, requires_grad=True),
                                              mg.tensor(t, requires_grad=True)])


# ---- KL divergence -----------------------------------------------------------------------------

@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["none", "sum", "batchmean", "mean"])
def test_kl_div_vs_torch(log_target, reduction, rng):
    x = np.log(rng.dirichlet(np.ones(4), size=3))
    t = rng.dirichlet(np.ones(4), size=3)
    t[0, 1] = 0.0  # 0 * log 0 = 0
    if log_target:
        t = np.log(t + 0.1)
    # d/dt t*log(t) is infinite at t = 0 (torch: nan): target grads only for log targets
    (xm, xt), (tm, tt) = _pair(x), _pair(t, grad=log_target)
    if reduction == "mean":
        with pytest.warns(UserWarning, match="batchmean"):
            lm = F.kl_div(xm, tm, reduction=reduction, log_target=log_target)
        with pytest.warns(UserWarning):
            lt = TF.kl_div(xt, tt, reduction=reduction, log_target=log_target)
    else:
        lm = F.kl_div(xm, tm, reduction=reduction, log_target=log_target)
        lt = TF.kl_div(xt, tt, reduction=reduction, log_target=log_target)
    _check(lm, lt, [(xm, xt), (tm, tt)], rng)


def test_kl_div_errors_and_gradcheck(rng):
    with pytest.raises(ValueError, match="batchmean"):
        F.kl_div(mg.randn(2, 3), mg.rand(2, 3), reduction="avg")
    x, t = rng.standard_normal((2, 3)), rng.uniform(0.1, 1, (2, 3))
    assert gradcheck(lambda a, b: F.kl_div(a, b, reduction="batchmean"),
                     [mg.tensor(x, requires_grad=True), mg.tensor(t, requires_grad=True)])


# ---- modules ------------------------------------------------------------------------------------

def test_loss_modules_vs_torch(rng):
    x = rng.standard_normal((4, 3))
    y = rng.integers(0, 3, size=4)
    t = rng.uniform(0, 1, size=(4, 3))
    w = rng.uniform(0.5, 2, size=3)
    cases = [
        (nn.MSELoss(reduction="sum"), torch.nn.MSELoss(reduction="sum"), t),
        (nn.L1Loss(), torch.nn.L1Loss(), t),
        (nn.SmoothL1Loss(beta=0.3), torch.nn.SmoothL1Loss(beta=0.3), t),
        (nn.HuberLoss(delta=0.7, reduction="none"),
         torch.nn.HuberLoss(delta=0.7, reduction="none"), t),
        (nn.CrossEntropyLoss(weight=mg.tensor(w), label_smoothing=0.1),
         torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1), y),
        (nn.NLLLoss(ignore_index=1), torch.nn.NLLLoss(ignore_index=1), y),
        (nn.BCEWithLogitsLoss(pos_weight=mg.tensor(w)),
         torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w)), t),
        (nn.KLDivLoss(reduction="batchmean", log_target=True),
         torch.nn.KLDivLoss(reduction="batchmean", log_target=True), t),
    ]
    for ours, theirs, target in cases:
        (xm, xt), (tm, tt) = _pair(x), _pair(target, grad=False)
        _check(ours(xm, tm), theirs(xt, tt), [(xm, xt)], rng)
    p = 1 / (1 + np.exp(-x))
    (xm, xt), (tm, tt) = _pair(p), _pair(t, grad=False)
    _check(nn.BCELoss(weight=mg.tensor(w))(xm, tm),
           torch.nn.BCELoss(weight=torch.tensor(w))(xt, tt), [(xm, xt)], rng)


def test_loss_module_buffers_and_repr():
    m = nn.CrossEntropyLoss(weight=mg.ones(3), ignore_index=2)
    assert "weight" in dict(m.named_buffers()) and m.ignore_index == 2
    assert list(m.state_dict()) == ["weight"]
    b = nn.BCEWithLogitsLoss(pos_weight=mg.ones(3))
    b_t = torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(3))
    assert list(b.state_dict()) == list(b_t.state_dict())
    assert nn.MSELoss().reduction == "mean" and list(nn.MSELoss().parameters()) == []
    with pytest.raises(ValueError, match="'none', 'mean', 'sum'"):
        nn.MSELoss(reduction="avg")(mg.ones(2), mg.ones(2))
