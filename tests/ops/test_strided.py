"""Storage-level ops vs PyTorch: as_strided's storage and offset rules, as_strided_
(in place), as_strided_scatter values, fill_diagonal_ (wrap, n-D), new_empty_strided (and
resize_/resize_as_, from inplace_forms.py, around them); errors."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def _same(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())


@pytest.mark.parametrize("fn", [
    lambda m: m.as_strided(m.arange(6.0), (2, 2), (1, 2)),
    lambda m: m.as_strided(m.arange(6.0), (2, 2), (1, 2), 1),
    lambda m: m.as_strided(m.arange(6.0)[1:], (2, 2), (1, 2)),
    lambda m: m.arange(6.0).reshape(2, 3).t().as_strided((2, 2), (1, 2)),
    lambda m: m.arange(12.0).reshape(3, 4)[1:, 1:].as_strided((2, 2), (4, 1)),
    lambda m: m.as_strided_scatter(m.arange(6.0), m.ones(2, 2), (2, 2), (1, 2)),
    lambda m: m.zeros(7, 3).fill_diagonal_(5, wrap=True),
    lambda m: m.zeros(7, 3).fill_diagonal_(5),
    lambda m: m.zeros(3, 5).fill_diagonal_(-1, wrap=True),
    lambda m: m.zeros(3, 3, 3, dtype=m.int64).fill_diagonal_(2),
    lambda m: m.arange(6.0).resize_(2, 2),
    lambda m: m.arange(6.0).resize_((3, 2)),
    lambda m: m.arange(4.0).resize_as_(m.ones(2, 1)),
    lambda m: m.resize_as_(m.arange(4.0), m.ones(1, 3)),
    lambda m: m.ones(2, dtype=m.float64).new_empty_strided((2, 3), (3, 1)).fill_(1),
])
def test_values_match_torch(fn):
    _same(fn(mg), fn(torch))


def test_as_strided_in_place_and_growth():
    ours, theirs = mg.arange(6.0), torch.arange(6.0)
    assert ours.as_strided_((2, 2), (1, 2)) is ours
    theirs.as_strided_((2, 2), (1, 2))
    _same(ours, theirs)
    y = mg.arange(4.0)
    y.resize_(3, 2)
    np.testing.assert_array_equal(y.numpy()[:2], [[0, 1], [2, 3]])


def test_as_strided_gradient_flows_to_the_base():
    for m in (mg, torch):
        x = m.arange(6.0, requires_grad=True)
        v = (x * 1)[1:]
        (m.as_strided(v, (2, 3), (1, 1)) * m.arange(6.0).reshape(2, 3)).sum().backward()
        if m is mg:
            ours = x.grad.numpy()
        else:
            np.testing.assert_allclose(ours, x.grad.numpy())


@pytest.mark.parametrize("fn", [
    lambda m: m.as_strided(m.arange(6.0), (3, 3), (1, 2)),
    lambda m: m.zeros(2, 3, 4).fill_diagonal_(1),
    lambda m: m.zeros(3).fill_diagonal_(1),
    lambda m: m.arange(4.0, requires_grad=True).resize_(2),
    lambda m: m.as_strided_scatter(m.arange(6.0), m.ones(2, 1), (2, 2), (1, 2)),
])
def test_errors_match_torch(fn):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(mg)
    assert str(ours.value) == str(theirs.value)
