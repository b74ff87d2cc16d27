"""Linear algebra error messages and einsum corner cases (values and gradients are in
specs_linalg.py)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import gradgradcheck


@pytest.mark.parametrize("fn,a,b,match", [
    (lambda a, b: a @ b, (3, 4), (5, 6), r"3x4 and 5x6"),
    (lambda a, b: a @ b, (2, 3, 4), (3, 4, 5), r"batch dimensions of shapes \(2, 3, 4\) and \(3, 4, 5\)"),
    (lambda a, b: a.matmul(b), (), (3,), r"at least 1D.*\(\) and \(3,\)"),
    (lambda a, b: a.mm(b), (2, 3), (3,), r"matrices.*\(2, 3\) and \(3,\)"),
    (lambda a, b: a.bmm(b), (2, 2, 3), (3, 3, 3), r"\(2, 2, 3\) and \(3, 3, 3\)"),
    (lambda a, b: a.bmm(b), (2, 3), (2, 3, 3), r"3-D.*\(2, 3\) and \(2, 3, 3\)"),
    (lambda a, b: a.dot(b), (2,), (3,), r"\(2,\) and \(3,\)"),
    (lambda a, b: a.dot(b), (2, 2), (2,), r"1D tensors expected.*\(2, 2\)"),
    (lambda a, b: a.outer(b), (2, 2), (2,), r"\(2, 2\) and \(2,\)"),
])
def test_shape_errors_name_both_shapes(fn, a, b, match):
    with pytest.raises(RuntimeError, match=match):
        fn(mg.ones(*a), mg.ones(*b))


@pytest.mark.parametrize("eq,shapes,match", [
    ("ij,jk->ik", [(2, 3)], "1 operand"),
    ("ij,jk->ik", [(2, 3), (4, 5)], r"subscript j has size 4 for operand 1 of shape \(4, 5\)"),
    ("ijk", [(2, 3)], r"3 subscripts for operand 0 of shape \(2, 3\)"),
    ("i1", [(2, 3)], "invalid subscript '1'"),
    ("ij->ii", [(2, 2)], "output subscript i appears more than once"),
    ("ij->k", [(2, 2)], "output subscript k does not appear"),
    ("i......", [(2, 2)], "more than one ellipsis"),
    ("ij->i->j", [(2, 2)], "more than one '->'"),
])
def test_einsum_bad_equations(eq, shapes, match):
    with pytest.raises(RuntimeError, match=match):
        mg.einsum(eq, *[mg.ones(*s) for s in shapes])


def test_einsum_list_operands_and_dtype_promotion():
    a = mg.ones(2, 3, dtype=mg.float64)
    b = mg.ones(3)
    y = mg.einsum("ij,j->i", [a, b])
    assert y.dtype == mg.float64
    np.testing.assert_allclose(y.numpy(), [3.0, 3.0])


def test_einsum_higher_order():
    rng = np.random.default_rng(0)
    a = mg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = mg.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    assert gradgradcheck(lambda a, b: mg.einsum("ij,jj,kj->ik", a, b, a), (a, b))
    # third derivative of sum(v**3) through einsum: 6 everywhere
    v = mg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (g1,) = mg.autograd.grad(mg.einsum("i,i,i->", v, v, v), v, create_graph=True)
    (g2,) = mg.autograd.grad(g1.sum(), v, create_graph=True)
    (g3,) = mg.autograd.grad(g2.sum(), v)
    np.testing.assert_allclose(g1.detach().numpy(), 3 * v.detach().numpy() ** 2)
    np.testing.assert_allclose(g3.numpy(), [6.0, 6.0, 6.0])


def test_matmul_forward_is_plain_matmul_float32():
    a, b = mg.randn(4, 3), mg.randn(3, 5)
    y = a @ b
    assert y.dtype == mg.float32
    np.testing.assert_allclose(y.numpy(), a.numpy() @ b.numpy(), rtol=1e-6)
