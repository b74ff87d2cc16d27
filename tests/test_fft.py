"""torch.fft: sample frequencies and shifts vs PyTorch; the complex transforms (and
stft/istft) raise NotImplementedError naming the missing complex support."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("n", [1, 4, 5])
@pytest.mark.parametrize("d", [1.0, 0.25])
def test_frequencies_match_torch(n, d):
    for name in ("fftfreq", "rfftfreq"):
        ours, theirs = getattr(mg.fft, name)(n, d), getattr(torch.fft, name)(n, d)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch", "minigrad")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)
    ours = mg.fft.fftfreq(n, d, dtype=mg.float64, requires_grad=True)
    assert ours.dtype == mg.float64 and ours.requires_grad


def test_every_torch_fft_name_exists():
    public = [n for n in dir(torch.fft) if not n.startswith("_") and callable(
        getattr(torch.fft, n)) and getattr(torch.fft, n).__module__ != "torch"
        and n != "Tensor"]
    assert [n for n in public if not hasattr(mg.fft, n)] == []


@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "fft2", "rfftn", "ihfft"])
def test_complex_transforms_raise(name):
    with pytest.raises(NotImplementedError, match="no complex dtype"):
        getattr(mg.fft, name)(mg.ones(8))


def test_stft_raises():
    x = mg.ones(16)
    for fn in (lambda: mg.stft(x, 4, return_complex=True), lambda: x.stft(4),
               lambda: mg.istft(x, 4)):
        with pytest.raises(NotImplementedError, match="no complex dtype"):
            fn()
