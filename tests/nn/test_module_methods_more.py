"""Module.get_buffer, set_submodule, to_empty, bfloat16 and PyTorch's class flags, with
PyTorch's errors."""
import pytest

import minigrad as mg
from minigrad import nn


def test_get_buffer_and_set_submodule():
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    assert m.get_buffer("1.running_mean") is m[1].running_mean
    with pytest.raises(AttributeError, match="`weight` is not a buffer"):
        m.get_buffer("0.weight")
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        m.get_buffer("1.nope")
    act = nn.ReLU()
    m.set_submodule("0", act)
    assert m[0] is act
    with pytest.raises(AttributeError, match="has no attribute `x`"):
        m.set_submodule("x", nn.ReLU(), strict=True)
    with pytest.raises(AttributeError, match="`running_mean` is not an nn.Module"):
        m.set_submodule("1.running_mean", nn.ReLU())
    with pytest.raises(ValueError, match="is not an nn.Module"):
        m.set_submodule("0", 3)
    with pytest.raises(ValueError, match="without a target name"):
        m.set_submodule("", nn.ReLU())


def test_to_empty_keeps_identity_shapes_and_dtypes():
    m = nn.Linear(3, 2).double()
    w = m.weight
    m.weight.grad = mg.ones(2, 3, dtype=mg.float64)
    assert m.to_empty(device="cpu") is m
    assert m.weight is w and w.shape == (2, 3) and w.dtype == mg.float64 and w.grad is None
    assert m(mg.ones(1, 3, dtype=mg.float64)).shape == (1, 2)


def test_class_flags_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("call_super_init", "dump_patches"):
        assert getattr(nn.Module, name) == getattr(torch.nn.Module, name)
    assert nn.Module.T_destination.__name__ == "T_destination"


def test_bfloat16():
    pytest.importorskip("ml_dtypes")
    m = nn.Linear(2, 2).bfloat16()
    assert m.weight.dtype == mg.bfloat16
