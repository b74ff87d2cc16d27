"""Tensor basics: factories, dtypes and promotion, metadata, conversions, repr."""
import numpy as np
import pytest

import minigrad as mg

# ---- factories ---------------------------------------------------------------------------------


def test_tensor_from_python_data_uses_pytorch_defaults():
    assert mg.tensor([1.0, 2.0]).dtype == mg.float32
    assert mg.tensor([1, 2]).dtype == mg.int64
    assert mg.tensor([True, False]).dtype == mg.bool
    assert mg.tensor([1, 2.5]).dtype == mg.float32
    assert mg.tensor(3.0).shape == () and mg.tensor(3.0).ndim == 0
    assert mg.tensor([[1, 2], [3, 4]]).shape == (2, 2)


def test_tensor_from_numpy_keeps_dtype_and_copies():
    a = np.array([1.0, 2.0])
    t = mg.tensor(a)
    assert t.dtype == mg.float64
    a[0] = 100
    assert t[0].item() == 1.0  # tensor() copies
    assert mg.tensor(np.array([1, 2], dtype=np.int32)).dtype == mg.int32
    f = mg.from_numpy(a)
    a[1] = 7
    assert f.array is a and f.tolist() == [100.0, 7.0]  # from_numpy shares memory


def test_tensor_dtype_device_requires_grad():
    t = mg.tensor([1, 2], dtype=mg.float64, device="cpu", requires_grad=True)
    assert t.dtype == mg.float64 and t.device == mg.device("cpu") and t.requires_grad
    assert t.is_leaf and t.grad is None
    assert mg.tensor([1.7, -2.7], dtype=mg.int64).tolist() == [1, -2]  # truncates like torch
    assert mg.tensor([1, 2], dtype=float).dtype == mg.float32


def test_tensor_rejects_unsupported_data():
    with pytest.raises(TypeError, match="dtype"):
        mg.tensor(["a", "b"])
    with pytest.raises((TypeError, ValueError)):
        mg.tensor([1 + 2j])


@pytest.mark.parametrize("fn,value", [(mg.zeros, 0.0), (mg.ones, 1.0), (mg.empty, 0.0)])
def test_zeros_ones_empty(fn, value):
    t = fn(2, 3)
    assert t.shape == (2, 3) and t.dtype == mg.float32 and not t.requires_grad
    assert (t.numpy() == value).all()  # empty() zero-fills in minigrad
    assert fn((2, 3)).shape == (2, 3) and fn([4]).shape == (4,)
    assert fn(2, dtype=mg.int32).dtype == mg.int32
    assert fn(2, dtype=mg.float64, requires_grad=True).requires_grad
    assert fn(0).shape == (0,)
    with pytest.raises(RuntimeError, match="negative dimension"):
        fn(2, -1)


def test_full():
    assert mg.full((2, 2), 7).dtype == mg.int64
    assert mg.full((2, 2), 7.5).dtype == mg.float32
    assert mg.full((2,), True).dtype == mg.bool
    t = mg.full((2, 3), 1.5, dtype=mg.float64, requires_grad=True)
    assert t.dtype == mg.float64 and t.requires_grad and (t.detach().numpy() == 1.5).all()
    assert mg.full(3, 2.0).shape == (3,)


def test_eye():
    np.testing.assert_array_equal(mg.eye(3).numpy(), np.eye(3))
    assert mg.eye(2, 3).shape == (2, 3) and mg.eye(2).dtype == mg.float32
    assert mg.eye(2, dtype=mg.int64).dtype == mg.int64


def test_arange():
    assert mg.arange(5).tolist() == [0, 1, 2, 3, 4] and mg.arange(5).dtype == mg.int64
    assert mg.arange(1, 4).tolist() == [1, 2, 3]
    assert mg.arange(0, 10, 3).tolist() == [0, 3, 6, 9]
    assert mg.arange(10, 0, -3).tolist() == [10, 7, 4, 1]
    t = mg.arange(0.5, 2.0, 0.5)
    assert t.dtype == mg.float32 and t.tolist() == [0.5, 1.0, 1.5]
    assert mg.arange(5, dtype=mg.float64).dtype == mg.float64
    assert mg.arange(0, 1, 0.1).shape == (10,)
    with pytest.raises(RuntimeError, match="step"):
        mg.arange(0, 5, 0)
    with pytest.raises(RuntimeError):
        mg.arange(0, 5, -1)


def test_linspace():
    t = mg.linspace(-1, 1, 5)
    assert t.dtype == mg.float32
    np.testing.assert_allclose(t.numpy(), [-1, -0.5, 0, 0.5, 1])
    assert mg.linspace(0, 1, 1).tolist() == [0.0]
    assert mg.linspace(0, 10, 3, dtype=mg.float64).dtype == mg.float64
    assert mg.linspace(0, 1, 4, requires_grad=True).requires_grad


def test_random_factories():
    r = mg.rand(200, 3)
    assert r.shape == (200, 3) and r.dtype == mg.float32
    assert 0 <= r.numpy().min() and r.numpy().max() < 1
    n = mg.randn(2000)
    assert n.dtype == mg.float32 and abs(float(n.numpy().mean())) < 0.1
    assert 0.9 < float(n.numpy().std()) < 1.1
    assert mg.rand(2, dtype=mg.float64).dtype == mg.float64
    assert mg.randn(2, 2, requires_grad=True).requires_grad
    i = mg.randint(3, 10, (50,))
    assert i.dtype == mg.int64 and 3 <= i.numpy().min() and i.numpy().max() < 10
    assert mg.randint(5, (3,)).shape == (3,)  # randint(high, size)
    assert mg.randint(0, 5, (3,), dtype=mg.int32).dtype == mg.int32
    with pytest.raises(RuntimeError, match="from"):
        mg.randint(5, 5, (2,))


def test_like_factories():
    base = mg.ones(2, 3, dtype=mg.float64)
    assert mg.zeros_like(base).dtype == mg.float64 and mg.zeros_like(base).shape == (2, 3)
    assert (mg.zeros_like(base).numpy() == 0).all()
    assert (mg.ones_like(mg.tensor([1, 2])).numpy() == 1).all()
    assert mg.ones_like(mg.tensor([1, 2])).dtype == mg.int64
    assert mg.ones_like(base, dtype=mg.float32).dtype == mg.float32
    f = mg.full_like(mg.tensor([1.0, 2.0]), 3)
    assert f.dtype == mg.float32 and f.tolist() == [3.0, 3.0]
    assert mg.full_like(mg.tensor([1, 2]), 2.7).tolist() == [2, 2]  # cast to the input's dtype
    assert mg.rand_like(base).shape == (2, 3) and mg.rand_like(base).dtype == mg.float64
    assert mg.randn_like(base, dtype=mg.float32).dtype == mg.float32
    assert mg.zeros_like(base, requires_grad=True).requires_grad
    assert not mg.zeros_like(mg.zeros(2, requires_grad=True)).requires_grad


def test_manual_seed_reproducible():
    mg.manual_seed(123)
    a, b, c = mg.rand(5), mg.randn(3, 2), mg.randint(0, 100, (4,))
    mg.manual_seed(123)
    np.testing.assert_array_equal(a.numpy(), mg.rand(5).numpy())
    np.testing.assert_array_equal(b.numpy(), mg.randn(3, 2).numpy())
    np.testing.assert_array_equal(c.numpy(), mg.randint(0, 100, (4,)).numpy())
    mg.manual_seed(124)
    assert not np.array_equal(a.numpy(), mg.rand(5).numpy())
    g = mg.Generator().manual_seed(7)
    x = mg.rand(3, generator=g)
    np.testing.assert_array_equal(x.numpy(), mg.rand(3, generator=mg.Generator().manual_seed(7)).numpy())


# ---- dtypes and promotion ----------------------------------------------------------------------
def T(values, dtype):
    return mg.tensor(values, dtype=dtype)


@pytest.mark.parametrize("make,expected", [
    (lambda: mg.tensor([1, 2]) + 2.5, mg.float32),  # int tensor + float scalar
    (lambda: mg.tensor([1, 2]) * 2, mg.int64),
    (lambda: T([1, 2], mg.int32) + 5, mg.int32),  # a scalar never widens a tensor
    (lambda: T([1, 2], mg.int32) * 2.0, mg.float32),
    (lambda: T([1, 2], mg.int32) + T([1, 2], mg.int64), mg.int64),
    (lambda: T([1.0], mg.float16) + T([1.0], mg.float32), mg.float32),
    (lambda: T([1.0], mg.float16) + 2.5, mg.float16),
    (lambda: T([1.0], mg.float32) + T(1.0, mg.float64), mg.float32),  # 0-d is lower priority
    (lambda: T([1, 2], mg.int64) + T(1.0, mg.float64), mg.float64),  # ...unless higher category
    (lambda: T([1, 2], mg.int32) + T(5, mg.int64), mg.int32),
    (lambda: T(1, mg.int32) + T(1.5, mg.float16), mg.float16),
    (lambda: T([1.0], mg.float64) * T([1.0], mg.float32), mg.float64),
    (lambda: T([True], mg.bool) + 1, mg.int64),
    (lambda: T([True], mg.bool) + T([1], mg.int32), mg.int32),
    (lambda: T([True], mg.bool) + True, mg.bool),
    (lambda: T([1, 2], mg.int64) * True, mg.int64),
    (lambda: T([1], mg.uint8) + T([1], mg.int8), mg.int16),
    (lambda: mg.tensor([1, 2]) / 2, mg.float32),  # true division of ints
    (lambda: mg.tensor([1, 2]) / mg.tensor([1, 2]), mg.float32),
])
def test_promotion_table(make, expected):
    assert make().dtype == expected


def test_promotion_matches_torch():
    torch = pytest.importorskip("torch")
    names = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]
    for a in names:
        for b in names:
            for shape_b in [(2,), ()]:
                ta = torch.zeros(2, dtype=getattr(torch, a))
                tb = torch.zeros(shape_b, dtype=getattr(torch, b))
                ma = mg.zeros(2, dtype=getattr(mg, a))
                mb = mg.zeros(*shape_b, dtype=getattr(mg, b))
                assert str((ma + mb).dtype).split(".")[1] == str((ta + tb).dtype).split(".")[1], (
                    a, b, shape_b)


def test_default_dtype():
    assert mg.get_default_dtype() == mg.float32
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.tensor([1.5]).dtype == mg.float64 and mg.zeros(2).dtype == mg.float64
        assert repr(mg.tensor([1.5])) == "tensor([1.5000])"
        assert repr(mg.tensor([1.5], dtype=mg.float32)) == "tensor([1.5000], dtype=minigrad.float32)"
    finally:
        mg.set_default_dtype(mg.float32)
    with pytest.raises(TypeError):
        mg.set_default_dtype(mg.int64)


def test_dtype_objects():
    assert repr(mg.float32) == "minigrad.float32"
    assert mg.float is mg.float32 and mg.double is mg.float64 and mg.long is mg.int64
    assert mg.float32.is_floating_point and not mg.int64.is_floating_point
    assert mg.float64.itemsize == 8


# ---- metadata and conversions ------------------------------------------------------------------
def test_metadata():
    t = mg.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.size() == (2, 3, 4)
    assert t.size(1) == 3 and t.size(-1) == 4
    assert repr(t.shape) == "minigrad.Size([2, 3, 4])" and t.shape.numel() == 24
    assert t.ndim == 3 and t.dim() == 3 and t.numel() == 24
    assert t.dtype == mg.float32 and t.device.type == "cpu" and str(t.device) == "cpu"
    assert t.is_floating_point() and not mg.tensor([1]).is_floating_point()
    assert t.element_size() == 4
    assert t.type() == "torch.FloatTensor" and mg.tensor([1]).type() == "torch.LongTensor"
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.size(3)


def test_transpose_property():
    t = mg.tensor([[1, 2, 3], [4, 5, 6]])
    assert t.T.shape == (3, 2) and t.T.tolist() == [[1, 4], [2, 5], [3, 6]]
    assert mg.zeros(2, 3, 4).T.shape == (4, 3, 2)
    assert mg.tensor(5).T.item() == 5


def test_numpy_item_tolist():
    t = mg.tensor([[1.5, 2.0], [3.0, 4.0]])
    a = t.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    assert np.shares_memory(a, t.array)
    assert t.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert mg.tensor(2.5).tolist() == 2.5
    assert mg.tensor([[1.5]]).item() == 1.5 and isinstance(mg.tensor([3]).item(), int)
    assert mg.tensor(True).item() is True
    with pytest.raises(RuntimeError, match="2 elements"):
        mg.tensor([1, 2]).item()
    with pytest.raises(RuntimeError, match="detach"):
        mg.tensor([1.0], requires_grad=True).numpy()


def test_array_protocol():
    t = mg.tensor([1.0, 2.0])
    a = np.asarray(t)
    assert a.dtype == np.float32 and a.tolist() == [1.0, 2.0]
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.array(mg.tensor([1.0], requires_grad=True)).tolist() == [1.0]


def test_len_iteration_float_int():
    t = mg.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and rows[1].tolist() == [3, 4] and rows[1].shape == (2,)
    assert [int(v) for v in mg.tensor([7, 8])] == [7, 8]
    with pytest.raises(TypeError):
        len(mg.tensor(1.0))
    with pytest.raises(TypeError):
        iter(mg.tensor(1.0))
    assert float(mg.tensor([3])) == 3.0 and int(mg.tensor(-2.7)) == -2
    assert int(mg.tensor([2.7])) == 2 and isinstance(float(mg.tensor(2)), float)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mg.tensor([1, 2]))
    assert bool(mg.tensor([1])) and not bool(mg.tensor(0.0))
    assert f"{mg.tensor(2.5):.2f}" == "2.50"


def test_iteration_gradient_flows():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    total = None
    for i, row in enumerate(x):
        total = row.sum() * (i + 1) if total is None else total + row.sum() * (i + 1)
    total.backward()
    assert x.grad.tolist() == [[1.0, 1.0], [2.0, 2.0]]


def test_conversions():
    t = mg.tensor([1.5, -2.5])
    assert t.double().dtype == mg.float64 and t.half().dtype == mg.float16
    assert t.long().tolist() == [1, -2] and t.int().dtype == mg.int32
    assert mg.tensor([0.0, 1.0]).bool().tolist() == [False, True]
    assert mg.tensor([1, 2]).float().dtype == mg.float32
    assert t.to(mg.float64).dtype == mg.float64 and t.to("cpu") is t
    assert t.to("cpu", mg.int64).dtype == mg.int64
    assert t.to(mg.tensor([1], dtype=mg.int32)).dtype == mg.int32


def test_new_factories():
    t = mg.tensor([1], dtype=mg.int32)
    assert t.new_zeros(2).dtype == mg.int32 and t.new_ones(2, 2).shape == (2, 2)
    assert t.new_full((2,), 5).tolist() == [5, 5]
    assert t.new_tensor([1.7]).dtype == mg.int32


# ---- repr ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("make,text", [
    (lambda: mg.tensor([1.0, 2.0, 3.0], requires_grad=True), "tensor([1., 2., 3.], requires_grad=True)"),
    (lambda: mg.tensor([1, 2, 3]), "tensor([1, 2, 3])"),
    (lambda: mg.tensor([1.3670, -1.2461]), "tensor([ 1.3670, -1.2461])"),
    (lambda: mg.tensor([True, False]), "tensor([ True, False])"),
    (lambda: mg.tensor([True, True]), "tensor([True, True])"),
    (lambda: mg.tensor(True), "tensor(True)"),
    (lambda: mg.tensor(3.0), "tensor(3.)"),
    (lambda: mg.tensor(3), "tensor(3)"),
    (lambda: mg.tensor(-3.5), "tensor(-3.5000)"),
    (lambda: mg.tensor([1.0, 2.0], dtype=mg.float64), "tensor([1., 2.], dtype=minigrad.float64)"),
    (lambda: mg.tensor([1, 2], dtype=mg.int32), "tensor([1, 2], dtype=minigrad.int32)"),
    (lambda: mg.tensor([[1.5, 2.0], [3.0, -4.25]]), "tensor([[ 1.5000,  2.0000],\n        [ 3.0000, -4.2500]])"),
    (lambda: mg.tensor([[-1, 10], [100, -1000]]), "tensor([[   -1,    10],\n        [  100, -1000]])"),
    (lambda: mg.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: mg.tensor([12345.678, 1.0]), "tensor([1.2346e+04, 1.0000e+00])"),
    (lambda: mg.tensor([float("nan"), 1.5, -float("inf")]), "tensor([   nan, 1.5000,   -inf])"),
    (lambda: mg.tensor([float("nan"), 1.0, float("inf")]), "tensor([nan, 1., inf])"),
    (lambda: mg.tensor([-0.0, 1.0]), "tensor([-0., 1.])"),
    (lambda: mg.tensor([]), "tensor([])"),
    (lambda: mg.tensor([], dtype=mg.int64), "tensor([], dtype=minigrad.int64)"),
    (lambda: mg.zeros(2, 0), "tensor([], size=(2, 0))"),
    (lambda: mg.tensor([0.1, 0.25], dtype=mg.float16), "tensor([0.1000, 0.2500], dtype=minigrad.float16)"),
    (lambda: mg.tensor([1.0, 2.0], requires_grad=True) * 2, "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    (lambda: mg.tensor(2.5, requires_grad=True).exp(), "tensor(12.1825, grad_fn=<ExpBackward0>)"),
    (lambda: mg.arange(2000), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
])
def test_repr_exact(make, text):
    assert repr(make()) == text
    assert str(make()) == text


def test_repr_matches_torch_text():
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib: lib.arange(3000).reshape(30, 100),
        lambda lib: lib.arange(3000.0).reshape(3, 10, 100) / 7,
        lambda lib: lib.arange(40.0) / 3,
        lambda lib: (lib.arange(40.0) / 3).requires_grad_(),
        lambda lib: lib.arange(30.0).reshape(2, 3, 5) - 14,
        lambda lib: lib.tensor([0.5, 0.333333]),
        lambda lib: lib.tensor([1e10, 1.0]),
        lambda lib: lib.tensor([[True], [False]]),
        lambda lib: lib.arange(1100) > 5,
        lambda lib: lib.ones(2, 2, 2),
        lambda lib: lib.tensor([1e-9, 1.0], dtype=lib.float64),
        lambda lib: lib.tensor([70000.0], dtype=lib.float64) * lib.arange(20.0),
    ]
    for make in cases:
        assert repr(make(mg)).replace("minigrad", "torch") == repr(make(torch))
