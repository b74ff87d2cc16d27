"""Numerics at extreme inputs, beyond tests/ops/test_reduce_extra.py (softmax family at +/-1e4,
float16 sum/mean/var/cumsum of 0.1s), tests/ops/test_numerics_unary.py (sigmoid, tanh,
softplus... at +/-1e4 and 1e-30) and tests/nn/test_losses.py (cross-entropy, BCE-with-logits
at +/-1e4): here the row-wise ops and losses also see 1e-30 and mixed scales in one tensor,
their values AND gradients are compared with float64 NumPy formulas (finite is not enough),
second derivatives stay finite, and the float16 reductions behind losses accumulate in
float32."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import grad
from minigrad.nn import functional as F

BIG = [1e4, -1e4, 1e4 - 1, -1e4 + 2, 0.0]
TINY = [1e-30, -1e-30, 2e-30, 0.0, 5e-31]
MIXED = [1e4, 1e-30, -1e4, 1.0, -3.5]
ROWS = np.array([BIG, TINY, MIXED])  # mixed scales in one tensor, and within the last row
TARGET = np.array([2, 0, 1])
BIN_TARGET = np.array([[1.0, 0.0, 1.0, 0.0, 0.5]] * 3)
W = np.random.default_rng(0).standard_normal(ROWS.shape)  # upstream gradient


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _lse(x):
    m = x.max(-1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(-1, keepdims=True)))[:, 0]


def _sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


def _norm_rows(x):
    return np.sqrt((x * x).sum(-1))


# name: (minigrad fn, reference value, reference gradient of sum(value * w) for w shaped like
# the value); all on the (3, 5) ROWS, in float64
CASES = {
    "softmax": (lambda x: F.softmax(x, -1), _softmax,
                lambda x, w: _softmax(x) * (w - (_softmax(x) * w).sum(-1, keepdims=True))),
    "log_softmax": (lambda x: F.log_softmax(x, -1), lambda x: x - _lse(x)[:, None],
                    lambda x, w: w - _softmax(x) * w.sum(-1, keepdims=True)),
    "logsumexp": (lambda x: mg.logsumexp(x, -1), _lse, lambda x, w: _softmax(x) * w[:, None]),
    "logsumexp_all": (lambda x: mg.logsumexp(x, (0, 1)),
                      lambda x: _lse(x.reshape(1, -1)).reshape(()),
                      lambda x, w: _softmax(x.reshape(1, -1)).reshape(x.shape) * w),
    "cross_entropy": (lambda x: F.cross_entropy(x, mg.tensor(TARGET), reduction="none"),
                      lambda x: _lse(x) - x[np.arange(3), TARGET],
                      lambda x, w: (_softmax(x) - np.eye(5)[TARGET]) * w[:, None]),
    "cross_entropy_mean": (lambda x: F.cross_entropy(x, mg.tensor(TARGET)),
                           lambda x: (_lse(x) - x[np.arange(3), TARGET]).mean(),
                           lambda x, w: (_softmax(x) - np.eye(5)[TARGET]) * w / 3),
    "bce_with_logits": (
        lambda x: F.binary_cross_entropy_with_logits(x, mg.tensor(BIN_TARGET, dtype=x.dtype),
                                                     reduction="none"),
        lambda x: np.maximum(x, 0) - x * BIN_TARGET + np.log1p(np.exp(-np.abs(x))),
        lambda x, w: (_sigmoid(x) - BIN_TARGET) * w),
    "norm_rows": (lambda x: x.norm(dim=-1), _norm_rows,
                  lambda x, w: x / _norm_rows(x)[:, None] * w[:, None]),
    "norm_all": (lambda x: x.norm(), lambda x: np.sqrt((x * x).sum()),
                 lambda x, w: x / np.sqrt((x * x).sum()) * w),
    "var_rows": (lambda x: x.var(-1), lambda x: x.var(-1, ddof=1),
                 lambda x, w: 2 * (x - x.mean(-1, keepdims=True)) / 4 * w[:, None]),
    "var_all": (lambda x: x.var(correction=0), lambda x: x.var(),
                lambda x, w: 2 * (x - x.mean()) / x.size * w),
}
# float32 squares of 1e-30 underflow to 0 (as in PyTorch): the norm and variance of the tiny
# row are 0 there, with gradient 0 for the norm; checked separately below
UNDERFLOW32 = {"norm_rows": 1, "var_rows": 1}


def _run(name, dtype):
    fn = CASES[name][0]
    x = mg.tensor(ROWS, dtype=dtype, requires_grad=True)
    y = fn(x)
    w = mg.tensor(W.ravel()[:y.numel()].reshape(tuple(y.shape)), dtype=dtype)
    (g,) = grad((y * w).sum(), x, create_graph=True)
    return x, y, w, g


@pytest.mark.parametrize("dtype", [mg.float64, mg.float32])
@pytest.mark.parametrize("name", sorted(CASES))
def test_extreme_inputs_values_and_gradients(name, dtype):
    """+/-1e4, 1e-30 and mixed scales: finite and accurate values, first and second derivatives."""
    _, ref, ref_grad = CASES[name]
    x, y, w, g = _run(name, dtype)
    assert y.dtype == dtype and g.dtype == dtype
    yv, gv = y.detach().numpy().astype(np.float64), g.detach().numpy().astype(np.float64)
    assert np.isfinite(yv).all() and np.isfinite(gv).all(), (yv, gv)
    want_y = np.asarray(ref(ROWS))
    want_g = ref_grad(ROWS, w.numpy().astype(np.float64))
    if dtype == mg.float32 and name in UNDERFLOW32:
        row = UNDERFLOW32[name]
        assert yv[row] == 0.0
        keep = np.arange(3) != row
        yv, want_y, gv, want_g = yv[keep], want_y[keep], gv[keep], want_g[keep]
    # float64: a few ulps; float32: its rounding of inputs like 1e4 - 1 and of the result,
    # relative to the scale of each output (gradients of size 1 next to 1e-35 are fine)
    rtol, scale = (1e-12, 1e-14) if dtype == mg.float64 else (2e-6, 2e-6)
    np.testing.assert_allclose(yv, want_y, rtol=rtol, atol=scale * np.abs(want_y).max())
    np.testing.assert_allclose(gv, want_g, rtol=rtol, atol=scale * np.abs(want_g).max())
    u = mg.tensor(np.random.default_rng(1).standard_normal(ROWS.shape), dtype=dtype)
    (gg,) = grad((g * u).sum(), x, allow_unused=True)
    assert gg is None or np.isfinite(gg.numpy()).all(), gg


def test_float32_underflow_of_squares_matches_pytorch():
    """Norm and variance of 1e-30s in float32: the squares underflow, the results are 0 and
    the norm's gradient is 0 (PyTorch gives the same); float64 keeps them exact."""
    x32 = mg.tensor(TINY, requires_grad=True)
    n = x32.norm()
    n.backward()
    assert n.item() == 0.0 and (x32.grad.numpy() == 0).all()
    assert x32.detach().var().item() == 0.0
    x64 = mg.tensor(TINY, dtype=mg.float64)
    np.testing.assert_allclose(x64.norm().item(), np.linalg.norm(TINY), rtol=1e-15)
    np.testing.assert_allclose(x64.var().item(), np.var(TINY, ddof=1), rtol=1e-14)


def test_against_torch_at_extremes():
    torch = pytest.importorskip("torch")
    for name, fn, tfn in [
        ("logsumexp", lambda x: mg.logsumexp(x, -1), lambda t: torch.logsumexp(t, -1)),
        ("log_softmax", lambda x: F.log_softmax(x, -1), lambda t: torch.log_softmax(t, -1)),
        ("cross_entropy", lambda x: F.cross_entropy(x, mg.tensor(TARGET)),
         lambda t: torch.nn.functional.cross_entropy(t, torch.tensor(TARGET))),
        ("bce", lambda x: F.binary_cross_entropy_with_logits(x, mg.tensor(BIN_TARGET)),
         lambda t: torch.nn.functional.binary_cross_entropy_with_logits(
             t, torch.tensor(BIN_TARGET))),
        ("norm", lambda x: x.norm(dim=-1), lambda t: t.norm(dim=-1)),
        ("var", lambda x: x.var(-1), lambda t: t.var(-1)),
    ]:
        x = mg.tensor(ROWS, dtype=mg.float64, requires_grad=True)
        t = torch.tensor(ROWS, requires_grad=True)
        y, ty = fn(x), tfn(t)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


# ---- float16 accumulates in float32 ----------------------------------------------------------

def test_float16_reductions_accumulate_in_float32():
    """10,000 float16 ones: a float16 running sum stalls at 2048 (2049 is not representable),
    so every result below would be wrong by a factor ~5 without float32 accumulation."""
    ones = mg.ones(10000, dtype=mg.float16)
    zeros = mg.zeros(10000, dtype=mg.float16)
    assert np.float16(2048) + np.float16(1) == np.float16(2048)  # the trap
    two = mg.ones(2, 10000, dtype=mg.float16)
    checks = {
        "sum": (ones.sum(), 10000.0),
        "mean": (ones.mean(), 1.0),
        "sum_dim": (two.sum(1), [10000.0, 10000.0]),
        "mean_dim": (two.mean(-1), [1.0, 1.0]),
        "norm": (ones.norm(), 100.0),
        "logsumexp": (mg.logsumexp(zeros, 0), np.float16(np.log(10000.0))),
        "log_softmax": (F.log_softmax(zeros, 0)[0], np.float16(-np.log(10000.0))),
        "softmax": (F.softmax(zeros, 0)[0], np.float16(1e-4)),
        "mse_loss": (F.mse_loss(ones, zeros), 1.0),
        "l1_loss": (F.l1_loss(ones, zeros), 1.0),
        "bce_with_logits": (F.binary_cross_entropy_with_logits(zeros, ones), np.float16(np.log(2))),
        "cross_entropy": (F.cross_entropy(mg.zeros(4, 10000, dtype=mg.float16),
                                          mg.tensor([0, 1, 2, 3])), np.float16(np.log(10000.0))),
        "matmul": (ones @ ones, 10000.0),
        "cumsum": (ones.cumsum(0)[-1], 10000.0),
    }
    for name, (got, want) in checks.items():
        assert got.dtype == mg.float16, name
        np.testing.assert_allclose(got.numpy().astype(np.float64), want, rtol=1e-3, err_msg=name)


def test_float16_gradients_of_reductions():
    x = mg.ones(10000, dtype=mg.float16, requires_grad=True)
    (x.mean() + F.mse_loss(x, mg.zeros(10000, dtype=mg.float16))).backward()
    assert x.grad.dtype == mg.float16
    # d/dx mean = 1e-4, d/dx mse = 2 x / N = 2e-4: 3e-4 in float16
    np.testing.assert_allclose(x.grad.numpy().astype(np.float64), 3e-4, rtol=1e-3)
