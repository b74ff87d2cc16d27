"""Every augmented assignment operator PyTorch implements in place returns the same
tensor object (``x %= y`` is ``x.remainder_(y)``), with PyTorch's values and dtype rules."""
import operator

import numpy as np
import pytest

import minigrad as mg

INT_OPS = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "//=": operator.ifloordiv,
    "%=": operator.imod, "**=": operator.ipow, "&=": operator.iand, "|=": operator.ior,
    "^=": operator.ixor,
}
FLOAT_OPS = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
}


def _torch_result(op, a, b, dtype):
    torch = pytest.importorskip("torch")
    x = torch.tensor(a, dtype=dtype)
    y = torch.tensor(b, dtype=dtype) if isinstance(b, np.ndarray) else b
    return op(x, y).numpy()


@pytest.mark.parametrize("name", sorted(INT_OPS))
@pytest.mark.parametrize("tensor_rhs", [False, True])
def test_int_operators_in_place(name, tensor_rhs):
    op = INT_OPS[name]
    a, b = np.array([5, 6, 7]), np.array([2, 3, 1])
    x = mg.tensor(a)
    x0, vc = x, x._version
    rhs = mg.tensor(b) if tensor_rhs else 3
    got = op(x, rhs)
    assert got is x0 and x._version > vc
    torch = pytest.importorskip("torch")
    expected = _torch_result(op, a, b if tensor_rhs else 3, torch.int64)
    np.testing.assert_array_equal(x.numpy(), expected)


@pytest.mark.parametrize("name", sorted(FLOAT_OPS))
def test_float_operators_in_place(name):
    op = FLOAT_OPS[name]
    a, b = np.array([5.5, 6.0, 7.25]), np.array([2.0, -3.5, 1.5])
    x = mg.tensor(a)
    x0 = x
    assert op(x, mg.tensor(b)) is x0
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(x.numpy(), _torch_result(op, a, b, torch.float64))


@pytest.mark.parametrize("name", ["&=", "|=", "^="])
def test_bool_operators_in_place(name):
    op = INT_OPS[name]
    x = mg.tensor([True, False, True])
    x0 = x
    assert op(x, mg.tensor([True, True, False])) is x0
    expected = op(np.array([True, False, True]), np.array([True, True, False]))
    np.testing.assert_array_equal(x.numpy(), expected)


def test_in_place_operator_in_graph():
    """Inside a forward pass ``y += ...`` keeps the object and records the op."""
    w = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    y = w * 2
    y0 = y
    y *= w
    y %= 5.0
    assert y is y0
    y.sum().backward()
    # d/dw ((2 w^2) mod 5) = 4 w away from the jumps
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 8.0, 12.0])


def test_cast_errors_and_matmul():
    x = mg.tensor([5, 6])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        x //= 2.5
    a = mg.eye(2)
    a0 = a
    a @= mg.ones(2, 2)  # PyTorch has no __imatmul__: a is rebound to a new tensor
    assert a is not a0 and a.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert a0.tolist() == [[1.0, 0.0], [0.0, 1.0]]
