"""Legacy typed constructors (torch.FloatTensor, ...) and set_default_tensor_type, compared
with PyTorch."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

_LEGACY = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", _LEGACY)
def test_legacy_constructor_forms(name):
    M, T = getattr(mg, name), getattr(torch, name)
    assert str(M.dtype) .split(".")[-1] == str(T.dtype).split(".")[-1]
    m, t = M(2, 3), T(2, 3)
    assert tuple(m.shape) == tuple(t.shape) and str(m.dtype) == str(t.dtype).replace("torch", "minigrad")
    assert tuple(M().shape) == tuple(T().shape) == (0,)
    assert tuple(M(mg.Size([2, 2])).shape) == tuple(T(torch.Size([2, 2])).shape)
    data = [1, 0, 3]
    np.testing.assert_array_equal(M(data).numpy(), T(data).numpy())
    assert M(data).numpy().dtype == T(data).numpy().dtype
    assert isinstance(M(data), M) and isinstance(T(data), T)
    assert M(data).type() == T(data).type() == f"torch.{name}"
    assert repr(M) == repr(T)


def test_legacy_constructor_alias_and_errors():
    a = mg.ones(3)
    b = mg.FloatTensor(a)
    b[0] = 5.0  # PyTorch's legacy constructor returns an alias of a same-typed tensor
    ta = torch.ones(3)
    tb = torch.FloatTensor(ta)
    tb[0] = 5.0
    np.testing.assert_array_equal(a.numpy(), ta.numpy())
    with pytest.raises(TypeError):
        torch.FloatTensor(torch.ones(2, dtype=torch.long))
    with pytest.raises(TypeError, match="expected torch.FloatTensor"):
        mg.FloatTensor(mg.ones(2, dtype=mg.long))
    with pytest.raises(TypeError, match="data must be a sequence"):
        torch.LongTensor(2.5)
    with pytest.raises(TypeError, match="data must be a sequence"):
        mg.LongTensor(2.5)


def test_legacy_isinstance_and_type_cast():
    for name in _LEGACY:
        for other in _LEGACY:
            t = torch.zeros(2, dtype=getattr(torch, other).dtype)
            m = mg.zeros(2, dtype=getattr(mg, other).dtype)
            assert isinstance(m, getattr(mg, name)) == isinstance(t, getattr(torch, name))
    assert not isinstance(np.zeros(2, np.float32), mg.FloatTensor)
    m = mg.tensor([1.5, 2.5])
    t = torch.tensor([1.5, 2.5])
    for target in ("LongTensor", "IntTensor", "DoubleTensor"):
        assert m.type(getattr(mg, target)).type() == t.type(getattr(torch, target)).type()
        assert m.type(f"torch.{target}").type() == t.type(f"torch.{target}").type()
        np.testing.assert_array_equal(m.type(getattr(mg, target)).numpy(),
                                      t.type(getattr(torch, target)).numpy())
    assert m.type(mg.float64).dtype == mg.float64


def test_set_default_tensor_type():
    before = mg.get_default_dtype()
    try:
        mg.set_default_tensor_type(mg.DoubleTensor)
        assert mg.ones(1).dtype == mg.float64
        mg.set_default_tensor_type("torch.FloatTensor")
        assert mg.ones(1).dtype == mg.float32
        with pytest.raises(TypeError):
            mg.set_default_tensor_type(mg.LongTensor)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(TypeError):
                torch.set_default_tensor_type(torch.LongTensor)
    finally:
        mg.set_default_dtype(before)


def test_small_aliases():
    assert mg.legacy_contiguous_format is mg.contiguous_format
    assert torch.legacy_contiguous_format is torch.contiguous_format
    assert mg.GradScaler is mg.amp.GradScaler and torch.GradScaler is torch.amp.GradScaler
    assert mg.is_storage(mg.ones(1)) is torch.is_storage(torch.ones(1)) is False
