"""Sorting and searching beyond the spec table: indices with ties and NaN, unique,
unique_consecutive, searchsorted, bucketize, errors, compared with PyTorch."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

NAN = float("nan")
TIES = [[3.0, 1.0, 3.0, NAN, 2.0, 1.0], [0.0, 0.0, -1.0, 5.0, NAN, NAN]]
# topk leaves the order of equal values unspecified (PyTorch's differs from a stable sort)
DISTINCT = [[3.0, 1.0, 4.0, NAN, 2.0, -1.0], [0.5, 0.0, -1.0, 5.0, NAN, 7.0]]
INTS = [[2, 1, 2, 0], [1, 1, 0, 2], [2, 1, 2, 0]]


def _same(ours, theirs):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
        return
    if not isinstance(theirs, torch.Tensor):
        assert ours == theirs
        return
    assert isinstance(ours, mg.Tensor)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


CASES = [
    ("sort", TIES, (), {}),
    ("sort", TIES, (0,), {"descending": True}),
    ("sort", TIES, (), {"descending": True, "stable": True}),
    ("argsort", TIES, (), {"stable": True}),
    ("argsort", INTS, (), {"dim": 0, "descending": True, "stable": True}),
    ("topk", DISTINCT, (3,), {}),
    ("topk", DISTINCT, (2,), {"dim": 0, "largest": False}),
    ("topk", DISTINCT, (4,), {"largest": False}),
    ("cummax", TIES, (1,), {}),
    ("cummin", TIES, (1,), {}),
    ("cummax", INTS, (0,), {}),
    ("cummin", [[1.0, 0.0, 0.0, 2.0, 0.0]], (1,), {}),
    ("msort", INTS, (), {}),
    ("unique", INTS, (), {}),
    ("unique", INTS, (), {"return_inverse": True, "return_counts": True}),
    ("unique", INTS, (), {"dim": 0, "return_inverse": True, "return_counts": True}),
    ("unique", INTS, (), {"dim": 1, "return_inverse": True}),
    ("unique", 3.0, (), {"return_inverse": True}),
    ("unique", TIES, (), {"return_counts": True}),
    ("unique_consecutive", [1, 1, 2, 2, 1, 3, 3], (), {"return_inverse": True,
                                                        "return_counts": True}),
    ("unique_consecutive", INTS, (), {"dim": 0, "return_counts": True}),
    ("unique_consecutive", [[2, 1], [2, 1], [1, 0], [2, 1]], (),
     {"dim": 0, "return_inverse": True, "return_counts": True}),
]


@pytest.mark.parametrize("name,data,args,kw", CASES, ids=[f"{c[0]}{i}" for i, c in enumerate(CASES)])
def test_matches_torch(name, data, args, kw):
    _same(getattr(mg, name)(mg.tensor(data), *args, **kw),
          getattr(torch, name)(torch.tensor(data), *args, **kw))


@pytest.mark.parametrize("name", ["sort", "argsort", "topk", "cummax", "unique"])
def test_tensor_methods_forward(name):
    args = (2,) if name == "topk" else (1,) if name == "cummax" else ()
    _same(getattr(mg.tensor(DISTINCT), name)(*args),
          getattr(torch.tensor(DISTINCT), name)(*args))


SEARCH = [
    ([1, 3, 5, 7], [[3, 6], [0, 9]], {}),
    ([1, 3, 5, 7], [[3, 6], [0, 9]], {"right": True}),
    ([1.0, 3.0, 5.0], [3.0, 4.5], {"side": "right", "out_int32": True}),
    ([[1, 3, 5], [2, 4, 6]], [[3], [3]], {"right": True}),
    ([[1, 3, 5], [2, 4, 6]], [[3, 4], [6, 1]], {}),
]


@pytest.mark.parametrize("seq,vals,kw", SEARCH)
def test_searchsorted(seq, vals, kw):
    _same(mg.searchsorted(mg.tensor(seq), mg.tensor(vals), **kw),
          torch.searchsorted(torch.tensor(seq), torch.tensor(vals), **kw))


def test_searchsorted_sorter_and_scalar():
    kw = {"sorter": [1, 2, 0]}
    _same(mg.searchsorted(mg.tensor([5, 1, 3]), mg.tensor([3, 4]), sorter=mg.tensor(kw["sorter"])),
          torch.searchsorted(torch.tensor([5, 1, 3]), torch.tensor([3, 4]),
                             sorter=torch.tensor(kw["sorter"])))
    _same(mg.searchsorted(mg.tensor([1, 3, 5]), 3), torch.searchsorted(torch.tensor([1, 3, 5]), 3))


@pytest.mark.parametrize("right", [False, True])
def test_bucketize(right):
    v, b = [[1, 3], [5, 7]], [1, 3, 5]
    _same(mg.bucketize(mg.tensor(v), mg.tensor(b), right=right),
          torch.bucketize(torch.tensor(v), torch.tensor(b), right=right))
    _same(mg.bucketize(3, mg.tensor(b)), torch.bucketize(3, torch.tensor(b)))


def test_errors():
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        mg.topk(mg.tensor([1.0, 2.0]), 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        mg.sort(mg.tensor([1.0, 2.0]), 1)
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        mg.searchsorted(mg.tensor([1, 2]), mg.tensor([1]), right=True, side="left")
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        mg.searchsorted(mg.tensor([[1, 3, 5]]), mg.tensor([3, 4]))
    with pytest.raises(RuntimeError, match="boundaries tensor must be 1 dimension"):
        mg.bucketize(mg.tensor([1]), mg.tensor([[1, 2]]))


def test_sort_gradient_reaches_original_positions():
    x = mg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    v, i = x.sort(descending=True)
    (v * mg.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 100.0, 10.0])
    np.testing.assert_array_equal(i.numpy(), [0, 2, 1])
