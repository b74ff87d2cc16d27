"""Tensor attributes and conversions of minigrad/_tensor_attrs.py and their top-level
forms, against PyTorch: properties, dtype queries, is_nonzero, dim_order, apply_/map_/
map2_, as_subclass, promote_types/result_type/can_cast, scalar_tensor, typename,
set_printoptions."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

_DT = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _pair(a, dtype):
    return mg.tensor(a, dtype=getattr(mg, dtype)), torch.tensor(a, dtype=getattr(torch, dtype))


@pytest.mark.parametrize("dtype", _DT)
def test_properties_and_queries(dtype):
    a = np.arange(6).reshape(2, 3) % 2
    m, t = _pair(a, dtype)
    for name in ("is_cpu", "itemsize", "nbytes", "output_nr"):
        assert getattr(m, name) == getattr(t, name), name
    assert str(m.layout) == str(t.layout) == "torch.strided"
    for name in ("ndimension", "get_device", "is_signed", "is_neg", "is_inference",
                 "is_floating_point"):
        assert getattr(m, name)() == getattr(t, name)(), name
    assert mg.is_signed(m) == torch.is_signed(t) and mg.is_floating_point(m) == \
        torch.is_floating_point(t)
    for conv in ("byte", "char", "short"):
        assert getattr(m, conv)().dtype.name == str(getattr(t, conv)().dtype)[6:]
        np.testing.assert_array_equal(getattr(m, conv)().numpy(), getattr(t, conv)().numpy())
    assert m.resolve_neg() is m and mg.resolve_neg(m) is m
    assert m.is_same_size(mg.zeros(2, 3)) and not mg.is_same_size(m, mg.zeros(3, 2))
    assert mg.typename(m) == torch.typename(t)


def test_output_nr_and_typename_of_others():
    x = mg.randn(3, requires_grad=True)
    v = x.max(0)
    assert v.values.output_nr == 0 and (x * 2).output_nr == 0
    assert mg.typename(3) == torch.typename(3) == "int"
    assert mg.typename(mg.nn.Linear(1, 1)).endswith(".Linear")


def test_is_nonzero():
    for a in ([2], [[0.0]], True, 0):
        assert mg.tensor(a).is_nonzero() == torch.tensor(a).is_nonzero()
    assert mg.is_nonzero(mg.tensor([3]))
    for a, msg in (([1, 2], "more than one value"), ([], "no values")):
        with pytest.raises(RuntimeError, match=msg):
            mg.tensor(a).is_nonzero()
        with pytest.raises(RuntimeError, match=msg):
            torch.tensor(a).is_nonzero()
    with pytest.raises(TypeError):
        mg.is_nonzero(3)


@pytest.mark.parametrize("perm", [(0, 1, 2), (2, 0, 1), (1, 2, 0)])
def test_dim_order(perm):
    m = mg.zeros(2, 3, 4).permute(*perm)
    t = torch.zeros(2, 3, 4).permute(*perm)
    assert m.dim_order() == t.dim_order()
    assert mg.zeros(3).dim_order() == torch.zeros(3).dim_order() == (0,)


def test_apply_map_map2():
    a = np.arange(6.0).reshape(2, 3)
    m, t = mg.tensor(a), torch.tensor(a)
    assert m.apply_(lambda v: v * 2 + 1) is m
    t.apply_(lambda v: v * 2 + 1)
    np.testing.assert_array_equal(m.numpy(), t.numpy())
    assert m._version == 1
    with pytest.raises(TypeError, match="expected torch.DoubleTensor for 'other'"):
        m.map_(mg.tensor([1.0, 2.0, 3.0]), lambda u, v: u * v)
    with pytest.raises(TypeError, match="expected torch.DoubleTensor for 'other'"):
        t.map_(torch.tensor([1.0, 2.0, 3.0]), lambda u, v: u * v)
    m.map_(mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64), lambda u, v: u * v)
    t.map_(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), lambda u, v: u * v)
    np.testing.assert_array_equal(m.numpy(), t.numpy())
    m.map2_(mg.ones(3).double(), mg.full((2, 3), 2.0).double(), lambda u, v, w: u - v * w)
    t.map2_(torch.ones(3).double(), torch.full((2, 3), 2.0).double(), lambda u, v, w: u - v * w)
    np.testing.assert_array_equal(m.numpy(), t.numpy())
    i, ti = mg.tensor([1, 2]), torch.tensor([1, 2])  # results are cast to the dtype
    np.testing.assert_array_equal(i.apply_(lambda v: v * 2.7).numpy(),
                                  ti.apply_(lambda v: v * 2.7).numpy())
    with pytest.raises(RuntimeError, match="requires grad"):
        mg.zeros(2, requires_grad=True).apply_(abs)
    with pytest.raises(RuntimeError):
        mg.zeros(2, 3).map_(mg.ones(4), lambda u, v: u)
    with pytest.raises(TypeError, match="for 'y'"):
        mg.zeros(2).map2_(mg.zeros(2), mg.zeros(2).long(), lambda u, v, w: u)


def test_as_subclass():
    class Sub(mg.Tensor):
        pass

    x = mg.randn(2, 3, requires_grad=True)
    s = x.as_subclass(Sub)
    assert type(s) is Sub and s.requires_grad and not s.is_leaf
    assert np.shares_memory(s.array, x.array)
    (s * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 3.0))
    p = mg.ones(2).as_subclass(Sub)
    assert type(p) is Sub and not p.requires_grad
    with pytest.raises(TypeError):
        x.as_subclass(int)


@pytest.mark.parametrize("a", _DT)
@pytest.mark.parametrize("b", _DT)
def test_promote_types_can_cast(a, b):
    assert mg.promote_types(getattr(mg, a), getattr(mg, b)).name == \
        str(torch.promote_types(getattr(torch, a), getattr(torch, b)))[6:]
    assert mg.can_cast(getattr(mg, a), getattr(mg, b)) == \
        torch.can_cast(getattr(torch, a), getattr(torch, b))


def test_result_type_and_scalar_tensor():
    cases = [(np.array([1, 2]), 2.5), (np.array([1.0], np.float32), np.array(1.0)),
             (np.array([1], np.int8), 300), (np.array(True), np.array([1], np.uint8))]
    for x, y in cases:
        mx = mg.tensor(x) if isinstance(x, np.ndarray) else x
        my = mg.tensor(y) if isinstance(y, np.ndarray) else y
        tx = torch.tensor(x) if isinstance(x, np.ndarray) else x
        ty = torch.tensor(y) if isinstance(y, np.ndarray) else y
        assert mg.result_type(mx, my).name == str(torch.result_type(tx, ty))[6:]
    for s, kw in ((3, {}), (True, {}), (2, {"dtype": "int64"}), (1.5, {"dtype": "float64"})):
        m = mg.scalar_tensor(s, **{k: getattr(mg, v) for k, v in kw.items()})
        t = torch.scalar_tensor(s, **{k: getattr(torch, v) for k, v in kw.items()})
        assert m.shape == () and m.dtype.name == str(t.dtype)[6:] and m.item() == t.item()
    assert mg.scalar_tensor(1.0, requires_grad=True).requires_grad


def test_set_printoptions():
    vals = ([1.23456789, 2.5], [1e-7, 1.0], list(range(10)), [[1.5] * 7] * 3)
    settings = ({"precision": 2}, {"sci_mode": True}, {"profile": "short", "sci_mode": False},
                {"threshold": 4, "edgeitems": 1}, {"linewidth": 30}, {"profile": "full"})
    try:
        for kw in settings:
            mg.set_printoptions(**kw)
            torch.set_printoptions(**kw)
            for v in vals:
                assert repr(mg.tensor(v)) == repr(torch.tensor(v)), (kw, v)
        with pytest.raises(ValueError):
            mg.set_printoptions(profile="nope")
    finally:
        mg.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    assert repr(mg.tensor([1.23456789, 2.5])) == "tensor([1.2346, 2.5000])"


def test_storage_queries_and_module_load():
    x = mg.arange(6.0).reshape(2, 3)
    assert not x.is_distributed() and not torch.zeros(2).is_distributed()
    assert x.is_set_to(x) and not x.is_set_to(x.clone())
    assert not x.is_set_to(x.t()) and x.reshape(2, 3).is_set_to(x)
    p = mg.zeros(2, 3)
    r = p.module_load(x)
    assert r is not p and r is not x and np.array_equal(p.numpy(), x.numpy())
    r = p.module_load(mg.ones(2, 3), assign=True)
    assert r.array is not p.array and r.sum().item() == 6.0
    for size, stride in (((2, 3), (3, 1)), ((2, 3), (1, 2)), ((3, 2), (0, 1)), ((0, 4), (4, 1))):
        m = x.new_empty_strided(size, stride)
        t = torch.arange(6.0).new_empty_strided(size, stride)
        assert tuple(m.shape) == tuple(t.shape) and m.stride() == t.stride()
        assert m.dtype == x.dtype
    assert x.new_empty_strided((2,), (1,), dtype=mg.int64).dtype == mg.int64
    assert mg.set_flush_denormal(True) is False
