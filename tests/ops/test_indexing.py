"""Indexing semantics beyond the spec table: setitem, views and version counters,
repeated-index accumulation (vs PyTorch), error messages, nonzero."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import ops


def _x(*shape, grad=False, dtype=np.float64):
    a = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    return mg.tensor(a, requires_grad=grad)


# ---- setitem ---------------------------------------------------------------------------


def test_setitem_without_grad_writes_in_place_and_bumps_version():
    x = _x(3, 4)
    data, v0 = x.array, x._version
    x[1] = 7.0
    x[:, ::2] = mg.tensor([-1.0, -2.0])  # broadcast along rows
    x[mg.tensor([0, 0])] = mg.tensor([5.0, 5.0, 5.0, 5.0])
    x[x > 10] = 0.5
    assert x.array is data and x._version == v0 + 4
    expected = np.arange(12.0).reshape(3, 4)
    expected[1] = 7
    expected[:, ::2] = [-1, -2]
    expected[[0, 0]] = 5
    expected[expected > 10] = 0.5
    np.testing.assert_array_equal(x.numpy(), expected)


def test_setitem_recorded_gradients():
    x = mg.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    v = mg.tensor([2.0, 3.0], requires_grad=True)
    y = x * 2
    y[1, 1:3] = v
    y[0] = 0.0
    assert y.grad_fn is not None and y.grad_fn.name().startswith("SetItem")
    (y * y).sum().backward()
    gx = 2 * 2 * np.linspace(-1, 1, 12).reshape(3, 4) * 2
    gx[1, 1:3] = 0
    gx[0] = 0
    np.testing.assert_allclose(x.grad.numpy(), gx)
    np.testing.assert_allclose(v.grad.numpy(), [4.0, 6.0])


def test_setitem_value_requires_grad_into_plain_tensor():
    buf = mg.zeros(2, 3)
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    buf[1] = w * 2
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [2.0, 2.0, 2.0])


def test_setitem_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((4, 3))
    idx = [2, 0, 2]
    x, xt = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    v, vt = mg.tensor(a[:1] * 3, requires_grad=True), torch.tensor(a[:1] * 3, requires_grad=True)
    y, yt = x.sin(), xt.sin()  # sin saves its input, not its output
    y[idx] = v
    yt[idx] = vt
    g = np.random.default_rng(1).standard_normal((4, 3))
    y.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    np.testing.assert_allclose(v.grad.numpy(), vt.grad.numpy())


def test_setitem_on_leaf_requiring_grad_raises():
    x = _x(3, grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*in-place"):
        x[0] = 1.0
    with mg.no_grad():
        x[0] = 5.0  # allowed under no_grad, as in PyTorch
    assert x[0].item() == 5.0


def test_setitem_invalidates_saved_output():
    x = _x(3, grad=True)
    y = x.exp()  # Exp saves its output
    y[0] = 1.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version"):
        y.sum().backward()


def test_setitem_shape_mismatch_names_shapes():
    x = _x(3, 4)
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        x[:2, 0] = mg.tensor([1.0, 2.0, 3.0])
    y = _x(3, 4, grad=True) * 1
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        y[:2, 0] = mg.tensor([1.0, 2.0, 3.0])


def test_masked_fill_inplace():
    x = _x(2, 3)
    x.masked_fill_(mg.tensor([True, False, True]), -1.0)
    np.testing.assert_array_equal(x.numpy(), [[-1, 1, -1], [-1, 4, -1]])


# ---- views and version counters --------------------------------------------------------


def test_basic_indexing_returns_views_sharing_version():
    x = _x(3, 4)
    for v in (x[1], x[:, ::-2], x[None, ..., 1], x[1, 2]):
        assert np.shares_memory(v.array, x.array)
        assert v._base is x and v._vc is x._vc
    v = x[1:]
    w = v[0]
    assert w._base is x  # the root base, as in PyTorch
    x[2, 0] = 100.0
    assert v[1, 0].item() == 100.0 and v._version == x._version
    w.add_(1.0)  # writes through to x and bumps the shared counter
    assert x[1, 0].item() == 5.0 and x._version == w._version
    adv = x[[0, 1]]
    assert adv._base is None and not np.shares_memory(adv.array, x.array)


def test_version_error_through_view():
    base = _x(4)
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (base[1:] * w).sum()  # Mul saves the view base[1:]
    base[2] = 7.0  # in place on the base: the saved view changed
    with pytest.raises(RuntimeError, match="version"):
        loss.backward()


def test_setitem_on_view_of_graph_tensor_rebases_the_base():
    x = _x(2, 3, grad=True)
    y = x * 2
    y[0][1] = 5.0  # setitem on the view y[0]: y's history becomes CopySlices
    assert y.grad_fn.name() == "CopySlicesBackward0" and y[0, 1].item() == 5.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 0.0, 2.0], [2.0, 2.0, 2.0]])


# ---- repeated indices accumulate (vs PyTorch) -----------------------------------------------


@pytest.mark.parametrize("case", ["rows", "pick", "scalars", "mixed", "gather", "index_select",
                                  "scatter_add", "take_along_dim", "float32"])
def test_repeated_indices_accumulate_like_torch(case):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5))
    i = rng.integers(0, 4, 30)
    j = rng.integers(0, 5, 30)
    fns = {
        "rows": (lambda x, m: x[m.tensor(i)]),  # add.at path
        "pick": (lambda x, m: x[m.tensor(i), m.tensor(j)]),  # bincount path
        "scalars": (lambda x, m: x.reshape(-1)[m.tensor(i * 5 + j)]),  # bincount, 1-D
        "mixed": (lambda x, m: x[m.tensor(i[:6]), 1:][:, m.tensor([0, 0, 3])]),
        "gather": (lambda x, m: x.gather(1, m.tensor(j.reshape(5, 6)[:4]))),
        "index_select": (lambda x, m: x.index_select(0, m.tensor(i))),
        "scatter_add": (lambda x, m: m.zeros(4, 5, dtype=x.dtype).scatter_add(
            0, m.tensor(i.reshape(6, 5)), x.repeat(2, 1)[:6])),
        "take_along_dim": (lambda x, m: x.take_along_dim(m.tensor(j.reshape(1, 30)), 1)),
        "float32": (lambda x, m: x.float()[m.tensor(i), m.tensor(j)]),
    }
    fn = fns[case]
    x, xt = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, yt = fn(x, mg), fn(xt, torch)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-6)
    g = rng.standard_normal(tuple(y.shape))
    y.backward(mg.tensor(g, dtype=y.dtype))
    yt.backward(torch.tensor(g, dtype=yt.dtype))
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)
    if case == "float32":
        assert y.dtype == mg.float32


def test_bincount_and_add_at_paths_agree():
    rng = np.random.default_rng(1)
    i, j = rng.integers(0, 3, 50), rng.integers(0, 4, 50)
    g = rng.standard_normal(50)
    small = ops.indexing.IndexAdd.apply(mg.tensor(g), shape=(3, 4),
                                        idx=ops.indexing._normalize(_x(3, 4), (i, j)))
    expected = np.zeros((3, 4))
    np.add.at(expected, (i, j), g)
    np.testing.assert_allclose(small.numpy(), expected)


# ---- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("index,match", [
    (5, "index 5 is out of bounds for dimension 0 with size 3"),
    (-4, "index -4 is out of bounds for dimension 0 with size 3"),
    ((slice(None), 4), "index 4 is out of bounds for dimension 1 with size 4"),
    ((Ellipsis, mg.tensor([0, 9])), "index 9 is out of bounds for dimension 1 with size 4"),
    ([0, -7], "index -7 is out of bounds for dimension 0 with size 3"),
    ((0, 0, 0), "too many indices for tensor of dimension 2"),
    ((Ellipsis, 0, Ellipsis), "single ellipsis"),
    (mg.tensor([1.0]), "must be long, int or bool.*float32"),
    (mg.tensor([True, False]), r"shape of the mask \[2\] at index 0 does not match.*\[3, 4\]"),
    (1.5, "only integers, slices"),
])
def test_index_errors(index, match):
    x = _x(3, 4)
    with pytest.raises(IndexError, match=match):
        x[index]


def test_op_errors_name_shapes():
    x = _x(2, 3)
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 with size 3"):
        x.gather(1, mg.tensor([[0, 3]]))
    with pytest.raises(RuntimeError, match=r"same number of dimensions.*\(2,\).*\(2, 3\)"):
        x.gather(1, mg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="int64 or int32.*float32"):
        x.index_select(0, mg.tensor([0.0]))
    with pytest.raises(IndexError, match="out of bounds for dimension 0 with size 2"):
        x.index_select(0, mg.tensor([2]))
    with pytest.raises(RuntimeError, match=r"boolean masks.*int64.*\(3,\).*\(2, 3\)"):
        x.masked_fill(mg.tensor([1, 0, 1]), 0.0)
    with pytest.raises(RuntimeError, match=r"\(4,\).*\(2, 3\)"):
        x.masked_select(mg.tensor([True] * 4))
    with pytest.raises(RuntimeError, match="0-dimensional value"):
        x.masked_fill(mg.tensor([True, False, True]), mg.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"src.dtype.*float32.*float64"):
        x.float().scatter(0, mg.tensor([[0]]), x.double())


def test_scatter_multiply_and_value():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4))
    idx = np.array([[0, 1, 2, 0], [2, 2, 0, 1]])
    src = np.random.default_rng(1).standard_normal((2, 4))
    ours = mg.tensor(a).scatter(0, mg.tensor(idx), mg.tensor(src), reduce="multiply")
    theirs = torch.tensor(a).scatter_reduce(0, torch.tensor(idx), torch.tensor(src), "prod")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    ours = mg.tensor(a).scatter(1, mg.tensor(idx), value=2.5)
    theirs = torch.tensor(a).scatter(1, torch.tensor(idx), value=2.5)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="multiply"):
        mg.tensor(a, requires_grad=True).scatter(0, mg.tensor(idx), mg.tensor(src), reduce="multiply")


# ---- nonzero -------------------------------------------------------------------------------


def test_nonzero():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    nz = mg.tensor(a).nonzero()
    assert nz.dtype == mg.int64 and tuple(nz.shape) == (3, 2) and not nz.requires_grad
    np.testing.assert_array_equal(nz.numpy(), torch.tensor(a).nonzero().numpy())
    for ours, theirs in zip(ops.nonzero(mg.tensor(a), as_tuple=True), torch.tensor(a).nonzero(as_tuple=True)):
        assert ours.dtype == mg.int64
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert tuple(mg.tensor(3.0).nonzero().shape) == (1, 0)
    (t0,) = mg.tensor(3.0).nonzero(as_tuple=True)
    np.testing.assert_array_equal(t0.numpy(), [0])
    x = mg.tensor(a, requires_grad=True)
    np.testing.assert_array_equal(x[tuple(x.nonzero().T)].detach().numpy(), a[a != 0])


@pytest.mark.parametrize("rows_shape", [(7,), (3, 5), (0,)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_gather_gradient_accumulates_repeats(rows_shape, dtype):
    """x[rows] with one integer index array (embedding lookups): repeated and negative rows
    accumulate their gradients (the sort + reduceat scatter, checked against add.at)."""
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((6, 2, 3)).astype(dtype), requires_grad=True)
    rows = rng.integers(-6, 6, rows_shape)
    g = rng.standard_normal(rows_shape + (2, 3)).astype(dtype)
    x[mg.tensor(rows)].backward(mg.tensor(g))
    want = np.zeros((6, 2, 3), dtype)
    np.add.at(want, rows, g)
    assert x.grad.dtype == x.dtype
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-6, atol=1e-6)
