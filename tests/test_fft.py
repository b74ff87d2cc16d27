"""torch.fft: sample frequencies and shifts vs PyTorch; the complex transforms (and
stft/istft) raise NotImplementedError naming the missing complex support."""
import warnings

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


def test_stft_complex_forms_raise():
    x = mg.ones(16)
    for fn in (lambda: mg.stft(x, 4, return_complex=True), lambda: mg.istft(x, 4),
               lambda: x.istft(4)):
        with pytest.raises(NotImplementedError, match="no complex dtype"):
            fn()


@pytest.mark.parametrize("fn", [
    lambda m: m.stft(m.ones(16), 4),
    lambda m: m.view_as_real(m.ones(3)),
])
def test_errors_match_torch(fn):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(mg)
    assert str(ours.value) == str(theirs.value)


def test_stft_warns_once_as_torch(monkeypatch):
    from minigrad.ops import spectral

    monkeypatch.setattr(spectral, "_warned", set())
    x = np.random.default_rng(0).standard_normal(40)
    with pytest.warns(UserWarning) as record:
        out = mg.stft(mg.tensor(x), 16, return_complex=False)
    assert [str(w.message).split(".")[0] for w in record] == [
        "A window was not provided", "stft with return_complex=False is deprecated"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = mg.stft(mg.tensor(x), 16, return_complex=False)  # once per process
        ref = torch.stft(torch.tensor(x), 16, window=torch.ones(16, dtype=torch.float64),
                         return_complex=True)
    np.testing.assert_allclose(out.numpy(), torch.view_as_real(ref).numpy(), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_array_equal(again.numpy(), out.numpy())
