"""autocast and bfloat16: result dtypes per op against torch.autocast("cpu"), a training step
compared with PyTorch under autocast, the context manager's rules and errors."""
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as mF
from minigrad import dtypes as _dt

# (name, fn(lib, F, x, w, t)): x (4, 6) float32, w (5, 6) float32, t int64 targets
OPS = [
    ("linear", lambda L, F, x, w, t: F.linear(x, w)),
    ("matmul", lambda L, F, x, w, t: x @ w.t()),
    ("mm", lambda L, F, x, w, t: L.mm(x, w.t())),
    ("bmm", lambda L, F, x, w, t: L.bmm(x[None], w.t()[None])),
    ("conv1d", lambda L, F, x, w, t: F.conv1d(x.t()[None], w[:, :, None])),
    ("conv2d", lambda L, F, x, w, t: F.conv2d(x.t()[None, :, :, None], w[:, :, None, None])),
    ("prelu", lambda L, F, x, w, t: F.prelu(x, w[0, :1])),
    ("softmax", lambda L, F, x, w, t: F.softmax(x, -1)),
    ("log_softmax", lambda L, F, x, w, t: F.log_softmax(x, -1)),
    ("mse_loss", lambda L, F, x, w, t: F.mse_loss(x, x * 2)),
    ("l1_loss", lambda L, F, x, w, t: F.l1_loss(x, x * 2)),
    ("cross_entropy", lambda L, F, x, w, t: F.cross_entropy(x, t)),
    ("nll_loss", lambda L, F, x, w, t: F.nll_loss(x, t)),
    ("bce_logits", lambda L, F, x, w, t: F.binary_cross_entropy_with_logits(x, x.sigmoid())),
    ("layer_norm", lambda L, F, x, w, t: F.layer_norm(x, (6,))),
    ("sum", lambda L, F, x, w, t: x.sum()),
    ("prod", lambda L, F, x, w, t: x.prod()),
    ("exp", lambda L, F, x, w, t: x.exp()),
    ("cdist", lambda L, F, x, w, t: L.cdist(x, w)),
    # a lower-precision result meeting float32: ordinary promotion
    ("mixed_add", lambda L, F, x, w, t: F.linear(x, w) + w[:, 0]),
    ("float64", lambda L, F, x, w, t: F.linear(x.double(), w.double())),
    ("int", lambda L, F, x, w, t: t[:, None] * t[None]),
]


def _inputs(lib, rng):
    x = lib.tensor(rng.standard_normal((4, 6)).astype(np.float32))
    w = lib.tensor(rng.standard_normal((5, 6)).astype(np.float32))
    t = lib.tensor(np.array([0, 3, 5, 1]))
    return x, w, t


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("name", [n for n, _ in OPS])
def test_result_dtype_matches_torch(name, dtype, rng):
    torch = pytest.importorskip("torch")
    if dtype == "bfloat16":
        pytest.importorskip("ml_dtypes")
    fn = dict(OPS)[name]
    with torch.autocast("cpu", dtype=getattr(torch, dtype)):
        want = fn(torch, torch.nn.functional, *_inputs(torch, rng)).dtype
    with mg.autocast("cpu", dtype=getattr(mg, dtype)):
        got = fn(mg, mF, *_inputs(mg, rng)).dtype
    assert got.name == str(want).replace("torch.", "")


def _step(lib, F, x, w1, w2, t, dtype):
    w1 = lib.tensor(w1, requires_grad=True)
    w2 = lib.tensor(w2, requires_grad=True)
    with lib.autocast("cpu", dtype=getattr(lib, dtype)):
        h = F.relu(F.linear(lib.tensor(x), w1))
        loss = F.cross_entropy(F.linear(h, w2), lib.tensor(t))
    loss.backward()
    return loss, w1.grad, w2.grad


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_training_step_matches_torch(dtype, rng):
    """Forward and gradients under autocast equal PyTorch's: both round the same inputs to
    the same lower precision, accumulate products in float32 and round the result."""
    torch = pytest.importorskip("torch")
    if dtype == "bfloat16":
        pytest.importorskip("ml_dtypes")
    x = rng.standard_normal((8, 6)).astype(np.float32)
    w1 = rng.standard_normal((16, 6)).astype(np.float32) * 0.5
    w2 = rng.standard_normal((3, 16)).astype(np.float32) * 0.5
    t = rng.integers(0, 3, 8)
    got = _step(mg, mF, x, w1, w2, t, dtype)
    want = _step(torch, torch.nn.functional, x, w1, w2, t, dtype)
    assert got[0].dtype == mg.float32 and got[1].dtype == mg.float32  # master precision
    # one rounding step of the lower precision (bfloat16: 8 bits, float16: 11 bits)
    tol = float(mg.finfo(getattr(mg, dtype)).eps) * 4
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().float().numpy(),
                                   rtol=tol, atol=tol)


def test_decorator_nesting_and_state():
    x, w = mg.randn(2, 3), mg.randn(4, 3)

    @mg.autocast("cpu", dtype=mg.float16)
    def f():
        assert mg.is_autocast_enabled("cpu")
        return mF.linear(x, w)

    assert f().dtype == mg.float16
    assert not mg.is_autocast_enabled("cpu")
    with mg.amp.autocast("cpu", dtype=mg.float16):
        with mg.autocast("cpu", enabled=False):  # an inner region switches it off
            assert mF.linear(x, w).dtype == mg.float32
        assert mF.linear(x, w).dtype == mg.float16
        assert mg.get_autocast_dtype("cpu") == mg.float16
    assert mF.linear(x, w).dtype == mg.float32


def test_parameter_casts_are_cached_within_a_region():
    x = mg.randn(2, 3)
    grads = []
    for cache in (True, False):
        w = mg.tensor(np.arange(12.0, dtype=np.float32).reshape(4, 3) / 7, requires_grad=True)
        with mg.autocast("cpu", dtype=mg.float16, cache_enabled=cache):
            a, b = mF.linear(x, w), mF.linear(x, w)
        # with the cache, one float16 copy of w feeds both products
        same = a.grad_fn.next_functions[1][0] is b.grad_fn.next_functions[1][0]
        assert same == cache
        (a.float().sum() + b.float().sum()).backward()
        grads.append(w.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])  # the cache changes no number


def test_errors_and_warnings():
    with pytest.raises(ValueError, match="device_type"):
        mg.autocast(0)
    with pytest.warns(UserWarning, match="target dtype is not supported"):
        ac = mg.autocast("cpu", dtype=mg.float32)
    with ac:
        assert not mg.is_autocast_enabled("cpu")
    with pytest.warns(FutureWarning, match="torch.amp.autocast"):
        legacy = mg.cpu.amp.autocast(dtype=mg.float16)
    with legacy:
        assert mg.is_autocast_enabled("cpu")
    from minigrad import cuda
    if not cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            mg.autocast("cuda")
        with pytest.warns(FutureWarning):
            with pytest.warns(UserWarning, match="CUDA is not available"):
                mg.cuda.amp.autocast()


# ---- bfloat16 -------------------------------------------------------------------------------


def test_bfloat16_rounding_and_finfo_match_torch(rng):
    torch = pytest.importorskip("torch")
    pytest.importorskip("ml_dtypes")
    x = (rng.standard_normal(1000) * 10.0 ** rng.integers(-30, 30, 1000)).astype(np.float32)
    got = mg.tensor(x).bfloat16()
    assert got.dtype is mg.bfloat16 and got.is_floating_point()
    np.testing.assert_array_equal(got.float().numpy(), torch.tensor(x).bfloat16().float().numpy())
    a, b = mg.finfo(mg.bfloat16), torch.finfo(torch.bfloat16)
    assert (a.eps, a.max, a.tiny, a.bits) == (b.eps, b.max, b.tiny, b.bits)
    # promotion as in PyTorch: bfloat16 with float16 is float32, with ints stays bfloat16
    h = mg.ones(2, dtype=mg.float16)
    assert (got[:2] + h).dtype == mg.float32 and (got[:2] * 3).dtype == mg.bfloat16
    assert (got[:2] + mg.ones(2, dtype=mg.int64)).dtype == mg.bfloat16


def test_bfloat16_gradient_flows(rng):
    pytest.importorskip("ml_dtypes")
    w = mg.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    y = (w.bfloat16() * 2).sum()
    assert y.dtype == mg.bfloat16
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 4), 2, np.float32))


def test_bfloat16_without_ml_dtypes_names_the_extra(monkeypatch):
    monkeypatch.setattr(_dt, "_bfloat16", None)
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)  # import ml_dtypes now fails
    with pytest.raises(ImportError, match=r"minigrad\[bfloat16\]"):
        mg.bfloat16
    with pytest.raises(ImportError, match="ml_dtypes"):
        mg.autocast("cpu")  # CPU's default dtype is bfloat16
