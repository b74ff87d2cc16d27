"""asarray, frombuffer, empty_strided, range and default_generator (minigrad/creation_alias.py)
against PyTorch: dtypes, memory sharing, copies, errors and warnings."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def test_asarray_shares_and_copies():
    t = mg.ones(3)
    assert mg.asarray(t) is t and torch.asarray(torch.ones(3)) is not None
    a = np.ones(3)
    x, tx = mg.asarray(a), torch.asarray(a)
    a[0] = 5.0
    assert x.dtype == mg.float64 and x[0].item() == tx[0].item() == 5.0
    c = mg.asarray(a, copy=True)
    a[1] = 7.0
    assert c[1].item() == 1.0
    for data in ([1, 2.5], 3, [[True, False]], (1, 2)):
        m, r = mg.asarray(data), torch.asarray(data)
        assert m.dtype.name == str(r.dtype)[6:] and tuple(m.shape) == tuple(r.shape)
        np.testing.assert_array_equal(m.numpy(), r.numpy())
    assert mg.asarray(t, dtype=mg.float64).dtype == mg.float64
    assert mg.asarray(np.ones(2, np.float32), copy=False).dtype == mg.float32
    with pytest.raises(ValueError, match="can't alias tensor with dtype 'Double' into dtype "
                                         "'Float'"):
        mg.asarray(np.ones(3), dtype=mg.float32, copy=False)
    with pytest.raises(ValueError, match="can't alias tensor with dtype 'Double' into dtype "
                                         "'Float'"):
        torch.asarray(np.ones(3), dtype=torch.float32, copy=False)
    assert mg.asarray([1.0], requires_grad=True).requires_grad


def test_frombuffer():
    b = bytearray(np.array([1.0, 2.0], np.float32).tobytes())
    m, t = mg.frombuffer(b, dtype=mg.float32), torch.frombuffer(b, dtype=torch.float32)
    np.testing.assert_array_equal(m.numpy(), t.numpy())
    b[0:4] = np.array([3.0], np.float32).tobytes()
    assert m[0].item() == t[0].item() == 3.0
    m1 = mg.frombuffer(b, dtype=mg.float32, count=1, offset=4)
    t1 = torch.frombuffer(b, dtype=torch.float32, count=1, offset=4)
    np.testing.assert_array_equal(m1.numpy(), t1.numpy())
    with pytest.warns(UserWarning, match="not writable"):
        mg.frombuffer(bytes(8), dtype=mg.int32)
    with pytest.raises(ValueError):
        mg.frombuffer(bytearray(7), dtype=mg.int32)


def test_empty_strided_and_new_empty_strided():
    for size, stride in (((2, 3), (3, 1)), ((2, 3), (1, 2)), ((3, 2), (0, 1)), ((0, 4), (4, 1))):
        m = mg.empty_strided(size, stride)
        t = torch.empty_strided(size, stride)
        assert tuple(m.shape) == tuple(t.shape) and m.stride() == t.stride()
        assert m.dtype.name == str(t.dtype)[6:]
    assert mg.empty_strided((2,), (1,), dtype=mg.int64).dtype == mg.int64
    with pytest.raises(RuntimeError, match="mismatch in length"):
        mg.empty_strided((2, 2), (1,))


def test_range_deprecated():
    for args, kw in (((1, 4), {}), ((0, 1, 0.3), {}), ((1, 4), {"dtype": "int64"}),
                     ((1, 2.5), {}), ((4, 1, -1), {})):
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            m = mg.range(*args, **{k: getattr(mg, v) for k, v in kw.items()})
        with pytest.warns(UserWarning):
            t = torch.range(*args, **{k: getattr(torch, v) for k, v in kw.items()})
        assert m.dtype.name == str(t.dtype)[6:]
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-7)
    for args, msg in (((1, 4, 0), "step must be nonzero"), ((4, 1), "inconsistent")):
        with pytest.warns(UserWarning), pytest.raises(RuntimeError, match=msg):
            mg.range(*args)


def test_default_generator():
    assert isinstance(mg.default_generator, mg.Generator)
    mg.manual_seed(5)
    a = mg.rand(3).numpy().copy()
    mg.default_generator.manual_seed(5)
    np.testing.assert_array_equal(mg.rand(3).numpy(), a)
