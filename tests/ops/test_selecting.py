"""Index helpers, splits and in-place index writes vs PyTorch: values, dtypes, errors
(the gradients are in specs_selecting.py)."""
import warnings

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def _same(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same(o, t)
        return
    if not isinstance(theirs, torch.Tensor):
        assert ours == theirs
        return
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def _run(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: index_reduce is in beta
        return fn(mg), fn(torch)


@pytest.mark.parametrize("fn", [
    lambda m: m.argwhere(m.tensor([[0, 1], [1, 0]])),
    lambda m: m.tensor([0.0, 2.0, 0.0]).argwhere(),
    lambda m: m.nonzero_static(m.tensor([0, 1, 1, 0, 1]), size=2),
    lambda m: m.nonzero_static(m.tensor([[0, 1], [1, 0]]), size=4, fill_value=-7),
    lambda m: m.unravel_index(m.tensor([4, 1, 7, -1]), (2, 3)),
    lambda m: m.unravel_index(m.tensor(4), (2, 3)),
    lambda m: m.isin(m.tensor([1, 2, 3]), m.tensor([2, 5])),
    lambda m: m.isin(m.tensor([1.0, 2.0, 3.0]), 2.0, invert=True),
    lambda m: m.isin(2, m.tensor([1, 2, 3])),
    lambda m: m.tensor_split(m.arange(7), m.tensor(3)),
    lambda m: m.tensor_split(m.arange(7), m.tensor([1, 5])),
    lambda m: m.take(m.arange(6).reshape(2, 3), m.tensor([[0, -1]])),
    lambda m: m.arange(6).reshape(2, 3).put(m.tensor([1, 1]), m.tensor([5, 6]), True),
    lambda m: m.arange(6.0).reshape(2, 3).put_(m.tensor([0]), m.tensor([9.0])),
    lambda m: m.zeros(2, 3).index_put_((m.tensor([1]), m.tensor([2])), m.tensor(5.0)),
    lambda m: m.zeros(2, 3).index_put_((m.tensor([1, 1]),), m.tensor([1.0, 2, 3]), True),
    lambda m: m.ones(2, 3).index_reduce_(0, m.tensor([0, 0, 1]), m.arange(9.0).reshape(3, 3),
                                         "prod"),
    lambda m: m.ones(3).index_reduce(0, m.tensor([2, 2]), m.tensor([4.0, 6.0]), "mean",
                                     include_self=False),
    lambda m: m.rot90(m.arange(24).reshape(2, 3, 4), 5, [2, 1]),
    lambda m: m.hsplit(m.arange(6), 3),
    lambda m: m.select(m.arange(6).reshape(2, 3), 0, -1),
])
def test_values_match_torch(fn):
    _same(*_run(fn))


@pytest.mark.parametrize("fn", [
    lambda m: m.take(m.ones(2, 3), m.tensor([6])),
    lambda m: m.take(m.ones(2, 3), m.tensor([0.0])),
    lambda m: m.put(m.ones(2, 3), m.tensor([0, 1]), m.tensor([9.0])),
    lambda m: m.select_scatter(m.ones(2, 3), m.ones(2), 0, 0),
    lambda m: m.select_scatter(m.ones(2, 3), m.ones(3), 0, 5),
    lambda m: m.slice_scatter(m.ones(2, 3), m.ones(2, 1), 1, 0, None, 2),
    lambda m: m.diagonal_scatter(m.ones(2, 3), m.ones(3), 1),
    lambda m: m.tensor_split(m.arange(7), 0),
    lambda m: m.hsplit(m.ones(2, 3), 2),
    lambda m: m.vsplit(m.arange(6), 2),
    lambda m: m.dsplit(m.ones(2, 3), 1),
    lambda m: m.rot90(m.ones(2, 3), 1, [0, 0]),
    lambda m: m.rot90(m.ones(2, 3), 1, [0]),
    lambda m: m.rot90(m.ones(3), 1),
    lambda m: m.fliplr(m.ones(3)),
    lambda m: m.flipud(m.tensor(3.0)),
    lambda m: m.ones(2, 3).sum_to_size(4, 3),
    lambda m: m.select(m.ones(2, 3), 1, 3),
    lambda m: m.ones(2, 3).index_reduce(0, m.tensor([0, 1]), m.ones(2, 3), "sum"),
])
def test_errors_match_torch(fn):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(mg)
    assert str(ours.value) == str(theirs.value)


def test_index_put_inplace_records_gradient():
    for m in (mg, torch):
        x = m.ones(2, 3, dtype=m.float64, requires_grad=True)
        v = m.tensor([2.0, 3.0], dtype=m.float64, requires_grad=True)
        y = x * 1
        y.index_put_((m.tensor([0, 1]), m.tensor([2, 0])), v, accumulate=True)
        (y * y).sum().backward()
        if m is mg:
            ours = (x.grad.numpy(), v.grad.numpy())
        else:
            np.testing.assert_allclose(ours[0], x.grad.numpy())
            np.testing.assert_allclose(ours[1], v.grad.numpy())
