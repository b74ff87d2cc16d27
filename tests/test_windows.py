"""Window functions (torch.signal.windows and torch.*_window) vs PyTorch: values for every
length class (0, 1, even, odd), symmetric and periodic, dtypes and errors."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

NAMES = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
         "general_hamming", "hamming", "hann", "kaiser", "nuttall"]
EXTRA = {"general_cosine": {"a": [0.3, 0.5, 0.2]}, "gaussian": {"std": 1.7},
         "kaiser": {"beta": 5.0}, "general_hamming": {"alpha": 0.6}}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("M", [0, 1, 2, 7, 8])
@pytest.mark.parametrize("sym", [True, False])
def test_signal_windows(name, M, sym):
    kw = dict(EXTRA.get(name, {}))
    if name == "exponential" and not sym:
        kw["center"] = 2.5
    ours = getattr(mg.signal.windows, name)(M, sym=sym, dtype=mg.float64, **kw)
    theirs = getattr(torch.signal.windows, name)(M, sym=sym, dtype=torch.float64, **kw)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["bartlett_window", "blackman_window", "hamming_window",
                                  "hann_window", "kaiser_window"])
@pytest.mark.parametrize("M", [0, 1, 6, 9])
@pytest.mark.parametrize("periodic", [True, False])
def test_top_level_windows(name, M, periodic):
    ours, theirs = getattr(mg, name)(M, periodic), getattr(torch, name)(M, periodic)
    assert ours.dtype == mg.float32 and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


def test_window_options_and_errors():
    np.testing.assert_allclose(mg.hamming_window(8, True, 0.6, 0.3).numpy(),
                               torch.hamming_window(8, True, 0.6, 0.3).numpy(), rtol=1e-6)
    w = mg.hann_window(4, dtype=mg.float64, requires_grad=True)
    assert w.dtype == mg.float64 and w.requires_grad
    assert mg.windows is mg.signal.windows
    for fn in (lambda m: m.hann_window(-1), lambda m: m.hann_window(3, dtype=m.int64),
               lambda m: m.signal.windows.hann(-1), lambda m: m.signal.windows.gaussian(3, std=0),
               lambda m: m.signal.windows.exponential(3, center=1.0)):
        with pytest.raises(Exception) as theirs:
            fn(torch)
        with pytest.raises(type(theirs.value)):
            fn(mg)
