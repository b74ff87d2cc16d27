"""Ops over a variable number of tensors take 0 (where PyTorch does), 1, 2 and thousands
of inputs, with and without grad; with no inputs they raise PyTorch's error."""
import numpy as np
import pytest

import minigrad as mg

MANY = 2000

# name -> (call over a list of tensors, input shape, whether PyTorch accepts no inputs)
VARIADIC = {
    "cat": (lambda ts: mg.cat(ts), (2,), False),
    "cat_dim1": (lambda ts: mg.cat(ts, dim=1), (2, 1), False),
    "stack": (lambda ts: mg.stack(ts), (2,), False),
    "stack_neg": (lambda ts: mg.stack(ts, -1), (2,), False),
    "hstack": (lambda ts: mg.hstack(ts), (2,), False),
    "vstack": (lambda ts: mg.vstack(ts), (2,), False),
    "row_stack": (lambda ts: mg.row_stack(ts), (2,), False),
    "dstack": (lambda ts: mg.dstack(ts), (2,), False),
    "column_stack": (lambda ts: mg.column_stack(ts), (2,), False),
    "broadcast_tensors": (lambda ts: mg.broadcast_tensors(*ts), (2,), True),
    "atleast_1d": (lambda ts: mg.atleast_1d(*ts), (), True),
    "atleast_2d": (lambda ts: mg.atleast_2d(ts), (), True),
    "atleast_3d": (lambda ts: mg.atleast_3d(*ts), (2,), True),
    "block_diag": (lambda ts: mg.block_diag(*ts), (1,), True),
    "einsum": (lambda ts: mg.einsum(",".join(["i"] * len(ts)) + "->i", *ts), (2,), False),
    "einsum_list": (lambda ts: mg.einsum(",".join(["ij"] * len(ts)) + "->j", ts), (1, 2), False),
}


def _torch_call(name, ts):
    import torch

    fns = {
        "cat": lambda: torch.cat(ts), "cat_dim1": lambda: torch.cat(ts, dim=1),
        "stack": lambda: torch.stack(ts), "stack_neg": lambda: torch.stack(ts, -1),
        "hstack": lambda: torch.hstack(ts), "vstack": lambda: torch.vstack(ts),
        "row_stack": lambda: torch.vstack(ts), "dstack": lambda: torch.dstack(ts),
        "column_stack": lambda: torch.column_stack(ts),
        "broadcast_tensors": lambda: torch.broadcast_tensors(*ts),
        "atleast_1d": lambda: torch.atleast_1d(*ts), "atleast_2d": lambda: torch.atleast_2d(ts),
        "atleast_3d": lambda: torch.atleast_3d(*ts), "block_diag": lambda: torch.block_diag(*ts),
        "einsum": lambda: torch.einsum(",".join(["i"] * len(ts)) + "->i", *ts),
        "einsum_list": lambda: torch.einsum(",".join(["ij"] * len(ts)) + "->j", ts),
    }
    return fns[name]()


def _outs(y):
    return list(y) if isinstance(y, tuple) else [y]


def _inputs(shape, n, grad, seed=0):
    rng = np.random.default_rng(seed)
    # values near 1 keep the product of thousands of einsum operands finite
    return [rng.uniform(0.99, 1.01, size=shape) for _ in range(n)]


@pytest.mark.parametrize("n", [1, 2, 3, MANY])
@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("name", sorted(VARIADIC))
def test_counts(name, n, grad):
    if n == MANY and not grad and name not in ("cat", "stack", "einsum"):
        pytest.skip("thousands of inputs without grad: cat, stack and einsum stand for the rest")
    fn, shape, _ = VARIADIC[name]
    arrays = _inputs(shape, n, grad)
    ts = [mg.tensor(a, requires_grad=grad) for a in arrays]
    outs = _outs(fn(ts))
    assert all(o.requires_grad == grad for o in outs)
    torch = pytest.importorskip("torch") if n <= 3 or grad else None
    if torch is None:
        return
    tts = [torch.tensor(a, requires_grad=grad) for a in arrays]
    touts = _outs(_torch_call(name, tts))
    assert len(outs) == len(touts)
    for o, t in zip(outs, touts):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-12)
    if grad:
        rng = np.random.default_rng(1)
        gs = [rng.standard_normal(tuple(o.shape)) for o in outs]
        sum((o * mg.tensor(g)).sum() for o, g in zip(outs, gs)).backward()
        sum((o * torch.tensor(g)).sum() for o, g in zip(touts, gs)).backward()
        for a, b in zip(ts, tts):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(VARIADIC))
def test_no_inputs(name):
    pytest.importorskip("torch")
    fn, _, accepts = VARIADIC[name]
    try:
        expected = _torch_call(name, [])
    except Exception as e:  # noqa: BLE001  (the type is what we compare)
        assert not accepts
        with pytest.raises(type(e)):
            fn([])
        return
    assert accepts
    got = fn([])
    if isinstance(expected, tuple):
        assert got == ()
    else:
        assert tuple(got.shape) == tuple(expected.shape)
        assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]


def test_no_grad_many():
    """Under no_grad (time_sequence_prediction's cat of 1,999 outputs)."""
    xs = [mg.ones(1, 2, requires_grad=True) for _ in range(1999)]
    with mg.no_grad():
        y = mg.cat(xs, dim=1)
    assert y.shape == (1, 3998) and not y.requires_grad


def test_many_inputs_gradcheck():
    """Every one of many inputs gets its own gradient (not a shared, aliased buffer)."""
    xs = [mg.tensor([float(i)], dtype=mg.float64, requires_grad=True) for i in range(300)]
    y = mg.stack(xs) * mg.arange(300, dtype=mg.float64).reshape(300, 1)
    y.sum().backward()
    assert [x.grad.item() for x in xs] == [float(i) for i in range(300)]
    a = mg.ones(3, dtype=mg.float64, requires_grad=True)
    mg.einsum(",".join(["i"] * 40) + "->", *([a] * 40)).backward()  # one tensor, 40 times
    assert a.grad.tolist() == [40.0] * 3


def test_broadcast_shapes():
    assert mg.broadcast_shapes() == ()
    assert mg.broadcast_shapes(2, (3, 1), ()) == (3, 2)
    assert mg.broadcast_shapes(*[(1,)] * MANY + [(4,)]) == (4,)
    with pytest.raises(RuntimeError, match="Mismatching argument at index 1"):
        mg.broadcast_shapes((2,), (3,))
    with pytest.raises(RuntimeError, match="size of tensor a"):
        mg.broadcast_tensors(mg.ones(2), mg.ones(3))
    with pytest.raises(RuntimeError, match="2 or fewer dimensions"):
        mg.block_diag(mg.ones(2, 2, 2))
