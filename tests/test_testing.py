"""minigrad.testing.assert_close and make_tensor, against torch.testing where installed."""
import math

import numpy as np
import pytest

import minigrad
from minigrad.testing import assert_close, make_tensor

# (actual, expected, kwargs) as builders taking the library (minigrad or torch)
CASES = [
    lambda m: (m.tensor([1., 2., 3.]), m.tensor([1., 2.5, 3.]), {}),
    lambda m: (m.tensor([1., 2.]), m.tensor([1., 2. + 1e-6]), {}),   # within float32's tol
    lambda m: (m.tensor([1., 2.], dtype=m.float64), m.tensor([1., 2. + 1e-6],
                                                              dtype=m.float64), {}),
    lambda m: (m.tensor([1., 2.]), m.tensor([1., 2.], dtype=m.float64), {}),
    lambda m: (m.tensor([1., 2.]), m.tensor([1., 2.], dtype=m.float64), {"check_dtype": False}),
    lambda m: (m.tensor([1., 2.]), m.tensor([1., 2., 3.]), {}),
    lambda m: (m.tensor(1.), 1., {}),
    lambda m: (1., 1.1, {}),
    lambda m: (1., 1. + 1e-9, {}),
    lambda m: ([m.tensor(1.)], [m.tensor(2.)], {}),
    lambda m: ({"a": m.tensor(1.)}, {"a": m.tensor(2.)}, {}),
    lambda m: (m.tensor([1, 2]), m.tensor([1, 3]), {}),
    lambda m: (m.tensor([math.nan]), m.tensor([math.nan]), {}),
    lambda m: (m.tensor([math.nan]), m.tensor([math.nan]), {"equal_nan": True}),
    lambda m: (m.tensor([math.inf]), m.tensor([math.inf]), {}),
    lambda m: (m.tensor([True]), m.tensor([False]), {}),
    lambda m: (m.tensor([1.]), m.tensor([1.]), {"rtol": 1e-3}),
    lambda m: (m.tensor([1., 2.]), m.tensor([1.1, 2.]), {"rtol": 0.0, "atol": 0.2}),
    lambda m: ([1, 2], (1, 2), {}),
    lambda m: (m.tensor([1., 2.]), m.tensor([1., 2.5]), {"msg": "custom"}),
    lambda m: (m.ones(2, 3), m.ones(2, 3) * 2, {}),
    lambda m: (m.tensor([1., 2.], dtype=m.float16), m.tensor([1., 2.002], dtype=m.float16), {}),
]


def _outcome(lib, case):
    a, e, kw = case(lib)
    try:
        lib.testing.assert_close(a, e, **kw)
    except Exception as err:  # noqa: BLE001 - the type and text are what we compare
        text = str(err).replace("minigrad.tensor.Tensor", "Tensor")  # the class path differs
        return type(err).__name__, text.replace("torch.", "").replace("minigrad.", "")
    return None


@pytest.mark.parametrize("case", range(len(CASES)))
def test_assert_close_agrees_with_torch(case):
    torch = pytest.importorskip("torch")
    assert _outcome(minigrad, CASES[case]) == _outcome(torch, CASES[case])


def test_assert_close_without_torch():
    assert_close(minigrad.tensor([1., 2.]), minigrad.tensor([1., 2. + 1e-6]))
    with pytest.raises(AssertionError, match=r"Mismatched elements: 1 / 3 \(33\.3%\)"):
        assert_close(minigrad.tensor([1., 2., 3.]), minigrad.tensor([1., 2.5, 3.]))
    with pytest.raises(AssertionError, match=r"item \['a'\]\[1\]"):
        assert_close({"a": [1, 2]}, {"a": [1, 3]})
    assert_close(np.ones(3), np.ones(3))
    with pytest.raises(AssertionError, match="from msg"):
        assert_close(1, 2, msg=lambda text: "from msg: " + text)


def test_make_tensor_ranges_and_options():
    minigrad.manual_seed(0)
    f = make_tensor(50, 4, dtype=minigrad.float32, device="cpu")
    assert f.shape == (50, 4) and f.dtype == minigrad.float32
    assert float(f.min()) >= -9 and float(f.max()) < 9
    i = make_tensor((200,), dtype=minigrad.int64, device="cpu", low=-2, high=3,
                    exclude_zero=True)
    assert set(i.tolist()) <= {-2, -1, 1, 2} and 0 not in i.tolist()
    u = make_tensor(100, dtype=minigrad.uint8, device="cpu")
    assert 0 <= int(u.min()) and int(u.max()) < 10
    nc = make_tensor(3, 4, dtype=minigrad.float64, device="cpu", noncontiguous=True,
                     requires_grad=True)
    assert nc.shape == (3, 4) and nc.requires_grad and not nc.is_contiguous()
    with pytest.raises(ValueError, match="low"):
        make_tensor(2, dtype=minigrad.float32, device="cpu", low=1, high=1)
