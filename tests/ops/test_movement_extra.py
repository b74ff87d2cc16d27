"""Movement ops beyond the spec table: error messages naming shapes, -1 inference, dtype
promotion in cat, split/chunk piece counts, copies vs views."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import ops


def test_reshape_infer_and_errors():
    x = mg.arange(24.0)
    assert x.reshape(2, -1, 4).shape == (2, 3, 4)
    assert x.view((-1, 6)).shape == (4, 6)
    assert x.reshape([3, 8]).shape == (3, 8)
    assert mg.zeros(0, 3).reshape(-1, 3).shape == (0, 3)
    with pytest.raises(RuntimeError, match=r"shape '\[5, -1\]' is invalid for input of size 24"):
        x.reshape(5, -1)
    with pytest.raises(RuntimeError, match=r"shape '\[2, 5\]' is invalid for input of size 24"):
        x.view(2, 5)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(RuntimeError, match="invalid shape dimension -2"):
        x.reshape(-2, 12)
    with pytest.raises(RuntimeError, match="invalid for input of size 0"):
        mg.zeros(0, 3).reshape(0, -1)


def test_squeeze_dims():
    x = mg.zeros(1, 3, 1, 1)
    assert x.squeeze([0, 2]).shape == (3, 1)
    assert x.squeeze((1, -1)).shape == (1, 3, 1)  # size-3 dim is left alone
    assert x.squeeze().shape == (3,)


def test_flatten_unflatten_movedim():
    x = mg.zeros(2, 3, 4, 5)
    assert x.flatten(1, 2).shape == (2, 12, 5)
    assert mg.tensor(1.0).flatten().shape == (1,)
    with pytest.raises(RuntimeError, match=r"start_dim \(2\) cannot come after end_dim \(1\)"):
        x.flatten(2, 1)
    assert x.unflatten(1, (3, 1)).shape == (2, 3, 1, 4, 5)
    with pytest.raises(RuntimeError, match=r"sizes \[2, 2\] don't multiply up to the size of dim 1 \(3\)"):
        x.unflatten(1, (2, 2))
    assert x.movedim((0, -1), (-1, 0)).shape == (5, 3, 4, 2)
    with pytest.raises(RuntimeError, match="same number of dims"):
        x.movedim((0, 1), 2)


def test_cat_errors_name_shapes_and_promote():
    a, b = mg.zeros(2, 3), mg.zeros(3, 2)
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(3, 2\)"):
        mg.cat([a, b])
    with pytest.raises(RuntimeError, match="zero-dimensional"):
        mg.cat([mg.tensor(1.0), mg.tensor(2.0)])
    with pytest.raises(ValueError, match="non-empty"):  # PyTorch's type
        mg.cat([])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[3, 2\] at entry 1"):
        mg.stack([a, b])
    c = mg.cat([mg.ones(2, dtype=mg.int64), mg.ones(1, dtype=mg.float32)])
    assert c.dtype == mg.float32 and c.tolist() == [1.0, 1.0, 1.0]
    assert mg.cat([mg.zeros(0), a], 1).shape == (2, 3)  # legacy empty 1-D tensors are skipped
    assert mg.cat.__wrapped_op__ is ops.cat and "cat" in ops.movement.__all__
    assert mg.stack([mg.tensor(1.0), mg.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_split_chunk_unbind_pieces():
    x = mg.arange(10.0, requires_grad=True)
    pieces = x.split(4)
    assert isinstance(pieces, tuple) and [p.shape[0] for p in pieces] == [4, 4, 2]
    assert len({id(p.grad_fn) for p in pieces}) == 3  # one op per piece
    (pieces[0].sum() + 2 * pieces[2].sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 1, 1, 0, 0, 0, 0, 2, 2])
    assert [p.shape[0] for p in mg.arange(6.0).chunk(4)] == [2, 2, 2]  # fewer chunks, as torch
    assert [p.shape[0] for p in mg.arange(5.0).chunk(3)] == [2, 2, 1]
    assert len(mg.zeros(0).chunk(3)) == 3
    with pytest.raises(RuntimeError, match=r"sum exactly to 10.*\[3, 3\]"):
        x.split([3, 3])
    with pytest.raises(RuntimeError, match="greater than 0"):
        x.chunk(0)
    u = mg.zeros(2, 3).unbind(1)
    assert len(u) == 3 and u[0].shape == (2,)


def test_repeat_tile_roll_flip():
    x = mg.tensor([[1.0, 2.0]])
    assert x.repeat(2, 2).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    with pytest.raises(RuntimeError, match="can not be smaller"):
        x.repeat(2)
    assert x.tile(2).tolist() == [[1, 2, 1, 2]]
    r = x.repeat(1, 1)
    r.array[0, 0] = 9.0
    assert x.tolist() == [[1.0, 2.0]]  # repeat copies
    f = x.flip(1)
    assert f.tolist() == [[2.0, 1.0]] and not np.shares_memory(f.array, x.array)
    assert mg.arange(5.0).roll(-2).tolist() == [2, 3, 4, 0, 1]
    with pytest.raises(RuntimeError, match="must align"):
        x.roll((1, 2), 0)


def test_pad_modes_and_errors():
    x = mg.arange(6.0).reshape(1, 2, 3)
    assert ops.pad(x, (2, 1), mode="reflect").tolist() == [[[2, 1, 0, 1, 2, 1], [5, 4, 3, 4, 5, 4]]]
    assert ops.pad(x, (1, 1), mode="replicate")[0, 0].tolist() == [0, 0, 1, 2, 2]
    assert ops.pad(x, (0, 0, 1, 0), value=7.0)[0, 0].tolist() == [7, 7, 7]
    with pytest.raises(RuntimeError, match=r"padding \(3, 3\) at dimension 2 of input \[1, 2, 3\]"):
        ops.pad(x, (3, 3), mode="reflect")
    with pytest.raises(RuntimeError, match="divisible by 2"):
        ops.pad(x, (1,))
    with pytest.raises(RuntimeError, match="too large"):
        ops.pad(x, (1,) * 8)
    assert ops.pad(mg.ones(2, dtype=mg.int64), (1, 1)).dtype == mg.int64


def test_tril_triu():
    x = mg.ones(2, 3, 4)
    np.testing.assert_array_equal(x.tril(1).numpy(), np.tril(np.ones((2, 3, 4)), 1))
    np.testing.assert_array_equal(x.triu(-1).numpy(), np.triu(np.ones((2, 3, 4)), -1))
    m = mg.full((2, 2), float("-inf")).triu(1)  # masked entries are 0, never nan
    assert m.tolist() == [[0.0, float("-inf")], [0.0, 0.0]]
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        mg.ones(3).tril()


@pytest.mark.parametrize("name,call", [
    ("split", lambda t: t.split(2, 1)),
    ("chunk", lambda t: t.chunk(2, -1)),
    ("unbind", lambda t: t.unbind(0)),
])
def test_splits_against_torch(name, call):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 5))
    x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours, theirs = call(x), call(t)
    assert len(ours) == len(theirs)
    for k, (o, th) in enumerate(zip(ours, theirs)):
        np.testing.assert_array_equal(o.detach().numpy(), th.detach().numpy())
    sum((k + 1) * (o * o).sum() for k, o in enumerate(ours)).backward()
    sum((k + 1) * (o * o).sum() for k, o in enumerate(theirs)).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)
