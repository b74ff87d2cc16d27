"""The issue-12 fast paths give the same numbers as the plain ones: the float32 LSTM scan
(gate-major buffers, internal gate order, whole-sequence derivative passes) against a
float64 reference, and cross-entropy's blocked, pooled path bitwise against the
whole-array path."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import _threads, ops
from minigrad.ops import loss as loss_mod



def _lstm_ref(x, w, h0, c0, reverse=False):
    """Per-step LSTM from ordinary ops (PyTorch's gate order), for float64 gradients."""
    h, c, out = h0, c0, {}
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        i, f, g, o = (x[t] + h @ w.T).chunk(4, dim=-1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        out[t] = mg.cat([h, c], -1)
    return mg.stack([out[t] for t in range(x.shape[0])])


@pytest.mark.parametrize("reverse", [False, True])
def test_lstm_scan_float32_matches_float64_reference(reverse, rng):
    T, N, H = 40, 3, 5
    arrays = [rng.standard_normal((T, N, 4 * H)), rng.uniform(-0.6, 0.6, (4 * H, H)),
              rng.standard_normal((N, H)), rng.standard_normal((N, H))]
    gy = rng.standard_normal((T, N, 2 * H))
    ts = [mg.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    y = ops.lstm_scan(*ts, reverse=reverse)
    y.backward(mg.tensor(gy.astype(np.float32)))
    ref = [mg.tensor(a, requires_grad=True) for a in arrays]
    y64 = _lstm_ref(*ref, reverse=reverse)
    y64.backward(mg.tensor(gy))
    np.testing.assert_allclose(y.array, y64.array, rtol=1e-5, atol=1e-5)
    for t, r in zip(ts, ref):
        np.testing.assert_allclose(t.grad.array, r.grad.array, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_blocked_pooled_is_bitwise_whole_array(ignore, rng, monkeypatch):
    n, c = 37, 23
    x = (3 * rng.standard_normal((n, c))).astype(np.float32)
    y = rng.integers(0, c, n)
    if ignore:
        y[::5] = -100
    gy = rng.standard_normal(()).astype(np.float32)

    def run():
        xt = mg.tensor(x, requires_grad=True)
        loss = F.cross_entropy(xt, mg.tensor(y), reduction="sum")
        (loss * float(gy)).backward()
        return loss.array, xt.grad.array

    old = _threads.get_num_threads()
    try:
        _threads.set_num_threads(1)
        want = run()
        monkeypatch.setattr(loss_mod, "_BLOCKED_MIN", 0)
        monkeypatch.setattr(_threads, "PARALLEL_BLOCK", 4 * c + 3)  # 4 rows per block
        monkeypatch.setattr(_threads, "MIN_PARALLEL", 0)
        _threads.set_num_threads(2)
        assert loss_mod._blocked(x)
        got = run()
    finally:
        _threads.set_num_threads(old)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
