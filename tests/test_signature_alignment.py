"""The calls that the signature test's last pending differences refused, now as in PyTorch:
each compared with torch (values, parameter names, errors)."""
import warnings

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("name", ["InstanceNorm1d", "SyncBatchNorm", "LazyBatchNorm1d",
                                  "LazyInstanceNorm1d"])
def test_norm_layers_take_bias_false(name):
    lazy = name.startswith("Lazy")
    args = () if lazy else (3,)
    kw = {"affine": True} if "Instance" in name else {}
    names = []
    for L in (mg, torch):
        m = getattr(L.nn, name)(*args, bias=False, **kw)
        if lazy:
            m(L.ones(2, 3, 4))
        names.append(sorted(n for n, _ in m.named_parameters()))
        assert m.bias is None
    assert names[0] == names[1] == ["weight"]


def test_hardtanh_deprecated_spellings():
    for L in (mg, torch):
        with pytest.warns(FutureWarning, match="deprecated and renamed"):
            m = L.nn.Hardtanh(min_value=-2.0, max_value=0.5)
        assert (m.min_val, m.max_val) == (-2.0, 0.5)


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_pointwise_losses(loss, reduction):
    a, b, w = (RNG.random((3, 4)) for _ in range(3))
    got = [getattr(L.nn.functional, loss)(L.tensor(a), L.tensor(b), None, None, reduction,
                                           L.tensor(w)).numpy() for L in (mg, torch)]
    np.testing.assert_allclose(got[0], got[1], rtol=1e-12)
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        getattr(mg.nn.functional, loss)(mg.tensor(a), mg.tensor(b), weight=mg.tensor(w[0]))


def test_positional_and_keyword_forms():
    x = RNG.random((2, 3))
    for L in (mg, torch):
        t = L.tensor(x)
        out = L.empty(0, dtype=L.float64)
        assert L.concatenate([t, t], 1, out=out) is out and tuple(out.shape) == (2, 6)
        assert tuple(L.concatenate([t, t], axis=0).shape) == (4, 3)
        n = L.empty(0, dtype=L.float64)
        L.norm(t, 2, 1, False, n)
        np.testing.assert_allclose(n.numpy(), np.linalg.norm(x, axis=1))
        assert tuple(L.swapaxes(t, axis0=0, axis1=1).shape) == (3, 2)
        s = L.searchsorted(L.tensor([1.0, 2.0, 3.0]), input=L.tensor([2.5]))
        assert s.tolist() == [2]
        assert [tuple(p.shape) for p in t.split(split_size=2, dim=1)] == [(2, 2), (2, 1)]
        L.set_rng_state(new_state=L.get_rng_state())


def test_std_var_correction_default_and_unbiased():
    x = RNG.random(5)
    for L in (mg, torch):
        t = L.tensor(x)
        np.testing.assert_allclose(L.var(t).item(), np.var(x, ddof=1))
        np.testing.assert_allclose(L.var(t, unbiased=False).item(), np.var(x))
        np.testing.assert_allclose(L.std(t, correction=0).item(), np.std(x))
        np.testing.assert_allclose(L.std_mean(t, unbiased=False)[0].item(), np.std(x))


def test_dataloader_multiprocessing_context_needs_workers():
    ds = mg.utils.data.TensorDataset(mg.arange(6))
    for L, d in ((mg, ds), (torch, torch.utils.data.TensorDataset(torch.arange(6)))):
        with pytest.raises(ValueError, match="multiprocessing_context can only be used"):
            L.utils.data.DataLoader(d, multiprocessing_context="spawn")
    dl = mg.utils.data.DataLoader(ds, batch_size=4, num_workers=1,
                                  multiprocessing_context="spawn", pin_memory_device="",
                                  in_order=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [b[0].tolist() for b in dl] == [[0, 1, 2, 3], [4, 5]]
