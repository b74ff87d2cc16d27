"""asarray, frombuffer, empty_strided and the deprecated range vs PyTorch."""
import array

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def _same(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("args,kw", [((0, 3), {}), ((-2, 2), {}), ((0, 1, 0.25), {}),
                                     ((5, 1, -1.5), {}), ((0, 3), {"dtype": "int64"}),
                                     ((1, 2, 0.1), {"dtype": "float64"})])
def test_range_is_inclusive_and_warns(args, kw):
    out = []
    for m in (mg, torch):
        k = {n: getattr(m, v) for n, v in kw.items()}
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            out.append(m.range(*args, **k))
    _same(*out)


def test_frombuffer_shares_memory():
    for dt in ("int32", "float64", "uint8"):
        b = bytearray(np.arange(4, dtype=dt).tobytes())
        ours = mg.frombuffer(b, dtype=getattr(mg, dt), count=2,
                             offset=np.dtype(dt).itemsize)
        _same(ours, torch.frombuffer(bytearray(b), dtype=getattr(torch, dt), count=2,
                                     offset=np.dtype(dt).itemsize))
        b[np.dtype(dt).itemsize] = 7
        assert ours.numpy()[0] == np.frombuffer(bytes(b), dtype=dt)[1]
    a = array.array("f", [1.0, 2.0, 3.0])
    _same(mg.frombuffer(a, dtype=mg.float32), torch.frombuffer(a, dtype=torch.float32))


@pytest.mark.parametrize("fn", [
    lambda m: m.frombuffer(bytearray(b"\x01\x02\x03"), dtype=m.int32),
    lambda m: m.frombuffer(bytearray(b"\x01\x02\x03\x04"), dtype=m.int32, count=2),
    lambda m: m.frombuffer(bytearray(b""), dtype=m.int32),
    lambda m: m.empty_strided((2, 3), (1,)),
])
def test_errors_match_torch_type(fn):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)):
        fn(mg)


def test_asarray_aliasing_rules():
    x = mg.arange(6.0)
    assert mg.asarray(x) is x
    assert mg.asarray(x, copy=True) is not x
    a = np.arange(3.0)
    t = mg.asarray(a)
    a[0] = 7
    assert t.numpy()[0] == 7
    assert mg.asarray(a, copy=True).numpy() is not a
    with pytest.raises(ValueError):
        mg.asarray([1, 2], copy=False)
    for m in (mg, torch):
        _same(mg.asarray([1, 2.5]), torch.asarray([1, 2.5]))
        _same(mg.asarray(np.arange(3), dtype=mg.float64),
              torch.asarray(np.arange(3), dtype=torch.float64))
    y = mg.asarray([1.0, 2.0], requires_grad=True)
    assert y.requires_grad and y.is_leaf


def test_empty_strided_shapes():
    _same(mg.empty_strided((2, 3), (1, 2)).fill_(2), torch.empty_strided((2, 3), (1, 2)).fill_(2))
    t = mg.empty_strided((2,), (1,), dtype=mg.float64, requires_grad=True)
    assert t.dtype == mg.float64 and t.requires_grad
