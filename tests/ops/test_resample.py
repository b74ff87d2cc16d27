"""Fixes compared with PyTorch: interpolate and max_pool2d on integer inputs, F.pad with
negative (cropping) pads in every mode, scaled_dot_product_attention(enable_gqa=True),
F.max_unpool1d/2d."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _same(ours, theirs, exact=True):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    if exact:
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    else:
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)


@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_max_pool2d_integers(dtype):
    a = np.random.default_rng(0).integers(0, 200, (2, 3, 6, 7))
    x, t = mg.tensor(a, dtype=getattr(mg, dtype)), torch.tensor(a, dtype=getattr(torch, dtype))
    _same(F.max_pool2d(x, 3, 2, 1), TF.max_pool2d(t, 3, 2, 1))
    y, i = F.max_pool2d(x, 2, return_indices=True)
    ty, ti = TF.max_pool2d(t, 2, return_indices=True)
    _same(y, ty)
    _same(i, ti)


@pytest.mark.parametrize("kw", [{"scale_factor": 2}, {"size": (5, 3)},
                                {"size": (7, 9), "mode": "nearest-exact"}])
def test_interpolate_uint8_nearest(kw):
    a = np.random.default_rng(1).integers(0, 255, (1, 2, 4, 5))
    _same(F.interpolate(mg.tensor(a, dtype=mg.uint8), **kw),
          TF.interpolate(torch.tensor(a, dtype=torch.uint8), **kw))


def test_interpolate_integer_errors():
    with pytest.raises(NotImplementedError, match="not implemented for"):
        F.interpolate(mg.ones(1, 1, 4, 4, dtype=mg.int64), scale_factor=2)
    with pytest.raises(NotImplementedError, match="not implemented for"):
        F.interpolate(mg.ones(1, 1, 4, 4, dtype=mg.uint8), scale_factor=2, mode="bilinear")


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(-1, 2), (2, -1), (-2, -1), (1, -3)])
def test_pad_negative_crops(mode, pad):
    a = np.arange(2 * 3 * 6, dtype=np.float64).reshape(2, 3, 6)
    x = mg.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y, ty = F.pad(x, pad, mode=mode), TF.pad(t, pad, mode=mode)
    _same(y, ty)
    g = np.random.default_rng(2).standard_normal(tuple(ty.shape))
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("hq,hk", [(4, 2), (6, 1), (3, 3)])
def test_sdpa_enable_gqa(hq, hk):
    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal(s) for s in [(2, hq, 5, 4), (2, hk, 7, 4), (2, hk, 7, 3)])
    ours = [mg.tensor(a, requires_grad=True) for a in (q, k, v)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    y = F.scaled_dot_product_attention(*ours, is_causal=True, enable_gqa=True)
    ty = TF.scaled_dot_product_attention(*theirs, is_causal=True, enable_gqa=True)
    _same(y, ty, exact=False)
    y.sum().backward()
    ty.sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(RuntimeError, match="multiple of the key/value heads"):
        F.scaled_dot_product_attention(mg.ones(1, 3, 2, 4), mg.ones(1, 2, 2, 4),
                                       mg.ones(1, 2, 2, 4), enable_gqa=True)


def test_max_unpool2d_matches_torch():
    a = np.random.default_rng(4).standard_normal((2, 3, 6, 8))
    x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, i = F.max_pool2d(x, 2, return_indices=True)
    ty, ti = TF.max_pool2d(t, 2, return_indices=True)
    u, tu = F.max_unpool2d(y, i, 2), TF.max_unpool2d(ty, ti, 2)
    _same(u, tu)
    _same(F.max_unpool2d(y, i, 2, output_size=(7, 9)), TF.max_unpool2d(ty, ti, 2, output_size=(7, 9)))
    g = np.random.default_rng(5).standard_normal(tuple(tu.shape))
    u.backward(mg.tensor(g))
    tu.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_max_unpool1d_matches_torch():
    a = np.random.default_rng(6).standard_normal((2, 3, 9))
    y, i = F.max_pool1d(mg.tensor(a), 3, 2, 1, return_indices=True)
    ty, ti = TF.max_pool1d(torch.tensor(a), 3, 2, 1, return_indices=True)
    _same(F.max_unpool1d(y, i, 3, 2, 1), TF.max_unpool1d(ty, ti, 3, 2, 1))
