"""Specs for the fused recurrences (minigrad/ops/rnn.py): NumPy step-by-step references.
Their backward works on arrays (once differentiable), hence ``twice=False``. The layers
built on them are compared with torch.nn in tests/nn/test_rnn.py."""
import numpy as np

from minigrad import ops

from .specs import OpSpec

T, N, H = 3, 2, 3


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _steps(x, reverse):
    return range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])


def _rnn_ref(x, w, h0, act=np.tanh, reverse=False):
    out, h = np.zeros(x.shape[:2] + (w.shape[1],)), h0
    for t in _steps(x, reverse):
        h = out[t] = act(x[t] + h @ w.T)
    return out


def _lstm_ref(x, w, h0, c0, reverse=False):
    out, h, c = np.zeros(x.shape[:2] + (2 * H,)), h0, c0
    for t in _steps(x, reverse):
        i, f, g, o = np.split(x[t] + h @ w.T, 4, axis=-1)
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        h = _sig(o) * np.tanh(c)
        out[t] = np.concatenate([h, c], -1)
    return out


def _gru_ref(x, w, h0, b=None, reverse=False):
    out, h = np.zeros(x.shape[:2] + (H,)), h0
    for t in _steps(x, reverse):
        a = h @ w.T + (0 if b is None else b)
        xr, xz, xn = np.split(x[t], 3, axis=-1)
        ar, az, an = np.split(a, 3, axis=-1)
        r, z = _sig(xr + ar), _sig(xz + az)
        n = np.tanh(xn + r * an)
        h = out[t] = (1 - z) * n + z * h
    return out


def _relu(a):
    return np.maximum(a, 0)


def _away_from_zero(rng, shape):
    a = rng.uniform(0.5, 1.0, size=shape)
    return a * rng.choice([-1, 1], size=shape)


SPECS = [
    OpSpec("rnn_scan", ops.rnn_scan, _rnn_ref,
           [((T, N, H), (H, H), (N, H)), ((1, 1, H), (H, H), (1, H))], twice=False),
    OpSpec("rnn_scan", lambda x, w, h: ops.rnn_scan(x, w, h, reverse=True),
           lambda x, w, h: _rnn_ref(x, w, h, reverse=True), [((T, N, H), (H, H), (N, H))],
           twice=False, id="rnn_scan_reverse"),
    # relu: |x| >= 0.5 and a small w keep the pre-activations away from the kink at 0
    OpSpec("rnn_scan", lambda x, w, h: ops.rnn_scan(x, w * 0.05, h, nonlinearity="relu"),
           lambda x, w, h: _rnn_ref(x, w * 0.05, h, act=_relu), [((T, N, H), (H, H), (N, H))],
           domain=_away_from_zero, twice=False, id="rnn_scan_relu"),
    OpSpec("lstm_scan", ops.lstm_scan, _lstm_ref,
           [((T, N, 4 * H), (4 * H, H), (N, H), (N, H)),
            ((1, 1, 4 * H), (4 * H, H), (1, H), (1, H))],
           twice=False),
    OpSpec("lstm_scan", lambda x, w, h, c: ops.lstm_scan(x, w, h, c, reverse=True),
           lambda x, w, h, c: _lstm_ref(x, w, h, c, reverse=True),
           [((T, N, 4 * H), (4 * H, H), (N, H), (N, H))], twice=False, id="lstm_scan_reverse"),
    OpSpec("gru_scan", ops.gru_scan, _gru_ref,
           [((T, N, 3 * H), (3 * H, H), (N, H), (3 * H,)),
            ((1, 1, 3 * H), (3 * H, H), (1, H), (3 * H,))],
           twice=False),
    OpSpec("gru_scan", lambda x, w, h: ops.gru_scan(x, w, h, reverse=True),
           lambda x, w, h: _gru_ref(x, w, h, reverse=True), [((T, N, 3 * H), (3 * H, H), (N, H))],
           twice=False, id="gru_scan_reverse_nobias"),
]
