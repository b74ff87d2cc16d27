"""Specs for the RNN cells at top level (minigrad/nn_toplevel.py: torch.lstm_cell,
gru_cell, rnn_tanh_cell, rnn_relu_cell), the only maths of that module; its other names are
nn.functional ops under other signatures, compared with PyTorch in
tests/test_nn_toplevel.py."""
import numpy as np

import minigrad as mg

from .specs import OpSpec


def _torch():
    import torch

    return torch


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _np_lstm(x, h, c, wi, wh, bi, bh):
    g = x @ wi.T + h @ wh.T + bi + bh
    i, f, gg, o = np.split(g, 4, -1)
    c1 = _sig(f) * c + _sig(i) * np.tanh(gg)
    return _sig(o) * np.tanh(c1), c1


def _np_gru(x, h, wi, wh, bi, bh):
    ir, iz, in_ = np.split(x @ wi.T + bi, 3, -1)
    hr, hz, hn = np.split(h @ wh.T + bh, 3, -1)
    r, z = _sig(ir + hr), _sig(iz + hz)
    n = np.tanh(in_ + r * hn)
    return (1 - z) * n + z * h


B, I, H = 2, 3, 2
SPECS = [
    OpSpec("lstm_cell", lambda x, h, c, wi, wh, bi, bh: mg.lstm_cell(x, (h, c), wi, wh, bi, bh),
           _np_lstm, [((B, I), (B, H), (B, H), (4 * H, I), (4 * H, H), (4 * H,), (4 * H,))],
           domain=(-1.0, 1.0),
           torch_fn=lambda x, h, c, wi, wh, bi, bh: _torch().lstm_cell(x, (h, c), wi, wh, bi,
                                                                       bh)),
    OpSpec("gru_cell", lambda x, h, wi, wh, bi, bh: mg.gru_cell(x, h, wi, wh, bi, bh),
           _np_gru, [((B, I), (B, H), (3 * H, I), (3 * H, H), (3 * H,), (3 * H,))],
           domain=(-1.0, 1.0), torch_fn=lambda *a: _torch().gru_cell(*a)),
    OpSpec("gru_cell", lambda x, h, wi, wh: mg.gru_cell(x, h, wi, wh),
           lambda x, h, wi, wh: _np_gru(x, h, wi, wh, 0.0, 0.0),
           [((B, I), (B, H), (3 * H, I), (3 * H, H))], domain=(-1.0, 1.0), id="gru_cell_nobias",
           torch_fn=lambda *a: _torch().gru_cell(*a)),
    OpSpec("rnn_tanh_cell", lambda x, h, wi, wh, bi: mg.rnn_tanh_cell(x, h, wi, wh, bi),
           lambda x, h, wi, wh, bi: np.tanh(x @ wi.T + h @ wh.T + bi),
           [((B, I), (B, H), (H, I), (H, H), (H,))], domain=(-1.0, 1.0),
           torch_fn=lambda *a: _torch().rnn_tanh_cell(*a)),
    OpSpec("rnn_relu_cell", lambda x, h, wi, wh: mg.rnn_relu_cell(x, h, wi, wh),
           lambda x, h, wi, wh: np.maximum(x @ wi.T + h @ wh.T, 0),
           [((B, I), (B, H), (H, I), (H, H))], domain=(0.2, 1.0), twice=False,
           torch_fn=lambda *a: _torch().rnn_relu_cell(*a)),
]
