"""Kernels that split their work across minigrad's threads (max pooling, its backward,
col2im) give exactly the single-threaded results: forced on with two threads and no size
threshold, compared bit for bit."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import _threads
from minigrad.nn import functional as F


def _run(fn, threads, monkeypatch):
    monkeypatch.setattr(_threads, "MIN_PARALLEL", 0 if threads > 1 else 1 << 62)
    old = _threads.get_num_threads()
    _threads.set_num_threads(threads)
    try:
        return fn()
    finally:
        _threads.set_num_threads(old)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=1)])
def test_max_pool_threaded_is_exact(kw, monkeypatch, rng):
    x0 = rng.standard_normal((3, 5, 8, 9)).astype(np.float32)
    x0[0, 0, :2, :2] = 1.0  # ties: the first maximum wins in both

    def run():
        x = mg.tensor(x0, requires_grad=True)
        y = F.max_pool2d(x, **kw)
        y.backward(mg.tensor(np.arange(y.numel(), dtype=np.float32).reshape(y.shape)))
        return y.detach().numpy(), x.grad.numpy()

    for a, b in zip(_run(run, 1, monkeypatch), _run(run, 2, monkeypatch)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kw", [dict(padding=2), dict(stride=2, padding=1), dict(dilation=2)])
def test_conv_input_grad_threaded_is_exact(kw, monkeypatch, rng):
    x0 = rng.standard_normal((2, 5, 9, 8)).astype(np.float32)
    w0 = rng.standard_normal((4, 5, 3, 3)).astype(np.float32)

    def run():
        x = mg.tensor(x0, requires_grad=True)
        w = mg.tensor(w0, requires_grad=True)
        F.conv2d(x, w, **kw).square().sum().backward()
        return x.grad.numpy(), w.grad.numpy()

    for a, b in zip(_run(run, 1, monkeypatch), _run(run, 2, monkeypatch)):
        np.testing.assert_array_equal(a, b)
