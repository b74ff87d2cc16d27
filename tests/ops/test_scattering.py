"""The scatter family beyond the spec table: in-place forms (values, version counter,
recorded gradients), integer inputs and errors, compared with PyTorch."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

IDX = [[2, 0, 1, 2], [0, 0, 2, 2]]


def _pair(data, dtype=None):
    return mg.tensor(data, dtype=dtype), torch.tensor(data, dtype=getattr(torch, dtype.name) if dtype else None)


def _eq(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)


CALLS = [
    ("scatter_", (0, IDX, [[1.0, 2, 3, 4], [5, 6, 7, 8]]), {}),
    ("scatter_", (1, [[0], [2], [1]]), {"value": -3.0}),
    ("scatter_add_", (0, IDX, [[1.0, 2, 3, 4], [5, 6, 7, 8]]), {}),
    ("scatter_reduce_", (0, IDX, [[1.0, 2, 3, 4], [5, 6, 7, 8]], "amax"), {"include_self": False}),
    ("index_add_", (1, [3, 0, 3], [[1.0, 2, 3]] * 3), {"alpha": 2}),
    ("index_copy_", (0, [2, 0], [[1.0, 2, 3, 4], [5, 6, 7, 8]]), {}),
    ("index_fill_", (1, [1, 2], 9.0), {}),
    ("masked_scatter_", ([True, False, True, False], [[1.0, 2], [3, 4], [5, 6]]), {}),
]


def _arg(a, lib):
    if isinstance(a, list):
        t = lib.tensor(a)
        return t
    return a


@pytest.mark.parametrize("name,args,kw", CALLS, ids=[c[0] + str(i) for i, c in enumerate(CALLS)])
def test_inplace_forms_match_torch(name, args, kw):
    ours, theirs = _pair(np.arange(12.0, dtype=np.float32).reshape(3, 4))
    v0 = ours._version
    r = getattr(ours, name)(*[_arg(a, mg) for a in args], **kw)
    getattr(theirs, name)(*[_arg(a, torch) for a in args], **kw)
    assert r is ours and ours._version > v0
    _eq(ours, theirs)


def test_inplace_scatter_is_recorded():
    a = np.linspace(-1, 1, 12).reshape(3, 4)
    src = np.arange(8.0).reshape(2, 4)
    outs, grads = [], []
    for lib in (mg, torch):
        x = lib.tensor(a, requires_grad=True)
        s = lib.tensor(src, requires_grad=True)
        y = x * 2
        y.index_add_(1, lib.tensor([0, 0, 3, 1]), s[:, :2].repeat(2, 2)[:3])
        y.scatter_reduce_(0, lib.tensor(IDX), s, "prod")
        (y * lib.tensor(a)).sum().backward()
        outs.append(y.detach().numpy())
        grads.append((x.grad.numpy(), s.grad.numpy()))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)
    for g0, g1 in zip(*grads):
        np.testing.assert_allclose(g0, g1, rtol=1e-12)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_integers(reduce, include_self):
    x = np.array([[5, -7, 3, 4], [1, 2, -3, 9], [0, 8, 6, -1]])
    src = np.array([[3, -2, 7, 5], [-4, 6, -5, 2]])
    ours = mg.tensor(x).scatter_reduce(0, mg.tensor(IDX), mg.tensor(src), reduce,
                                       include_self=include_self)
    theirs = torch.tensor(x).scatter_reduce(0, torch.tensor(IDX), torch.tensor(src), reduce,
                                            include_self=include_self)
    _eq(ours, theirs)


def test_functional_forms_exist():
    x = mg.zeros(3)
    assert mg.index_add(x, 0, mg.tensor([1, 1]), mg.ones(2)).tolist() == [0.0, 2.0, 0.0]
    assert mg.scatter(x, 0, mg.tensor([2]), value=4.0).tolist() == [0.0, 0.0, 4.0]
    assert mg.masked_scatter(x, mg.tensor([False, True, True]), mg.ones(5)).tolist() == [0, 1, 1]


def test_errors():
    x = mg.zeros(3, 4)
    with pytest.raises(RuntimeError, match="reduce argument must be either sum, prod, mean, amax or amin"):
        x.scatter_reduce(0, mg.tensor(IDX), mg.ones(2, 4), "max")
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        x.scatter_reduce(0, mg.tensor([0]), mg.ones(2, 4), "sum")
    with pytest.raises(IndexError, match="out of bounds"):
        x.index_add(0, mg.tensor([3]), mg.ones(1, 4))
    with pytest.raises(RuntimeError, match="does not match"):
        x.index_add(0, mg.tensor([1]), mg.ones(2, 4))
    with pytest.raises(RuntimeError, match="same scalar type"):
        x.index_copy(0, mg.tensor([1]), mg.ones(1, 4, dtype=mg.float64))
    with pytest.raises(RuntimeError, match="at least as many elements as ones in mask"):
        x.masked_scatter(mg.ones(3, 4, dtype=mg.bool), mg.ones(5))
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        x.masked_scatter(mg.ones(3, 4), mg.ones(12))
    with pytest.raises(TypeError, match="exactly one of src"):
        mg.scatter(x, 0, mg.tensor([[0]]))
    leaf = mg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.index_fill_(0, mg.tensor([0]), 1.0)
