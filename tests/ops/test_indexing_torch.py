"""Indexing places dimensions as PyTorch does (hypothesis against torch): integers are
basic indices there, so ``x[1, :, d]`` keeps d's dims in place where NumPy would move
them to the front. Forward values, gradients and setitem (plain and recorded)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg

torch = pytest.importorskip("torch")

# the profile's example count, but at least 60: each example is a few microseconds of work
EXAMPLES = max(60, settings().max_examples)


@st.composite
def index_case(draw):
    ndim = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    items, d, used_ellipsis = [], 0, False
    while d < ndim or (d == ndim and draw(st.booleans()) and len(items) < 6):
        kinds = ["int", "slice", "array", "none", "mask", "list"]
        if not used_ellipsis:
            kinds.append("ellipsis")
        if d == ndim:
            kinds = ["none"]
        kind = draw(st.sampled_from(kinds))
        if kind == "int":
            items.append(("int", draw(st.integers(-shape[d], shape[d] - 1))))
            d += 1
        elif kind == "slice":
            start = draw(st.one_of(st.none(), st.integers(-shape[d] - 1, shape[d] + 1)))
            stop = draw(st.one_of(st.none(), st.integers(-shape[d] - 1, shape[d] + 1)))
            step = draw(st.one_of(st.none(), st.integers(1, 3)))
            items.append(("slice", slice(start, stop, step)))
            d += 1
        elif kind in ("array", "list"):
            ishape = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
            vals = draw(st.lists(st.integers(-shape[d], shape[d] - 1),
                                 min_size=int(np.prod(ishape)), max_size=int(np.prod(ishape))))
            items.append((kind, np.array(vals, dtype=np.int64).reshape(ishape)))
            d += 1
        elif kind == "mask":
            k = draw(st.integers(1, min(2, ndim - d)))
            m = draw(st.lists(st.booleans(), min_size=int(np.prod(shape[d:d + k])),
                              max_size=int(np.prod(shape[d:d + k]))))
            items.append(("mask", np.array(m, dtype=bool).reshape(shape[d:d + k])))
            d += k
        elif kind == "none":
            items.append(("none", None))
        else:
            used_ellipsis = True
            items.append(("ellipsis", Ellipsis))
            rest = draw(st.integers(0, ndim - d))
            d = ndim - rest
    return shape, items


def _index(items, lib):
    out = []
    for kind, v in items:
        if kind in ("array", "mask"):
            out.append(lib.tensor(v))
        elif kind == "list":
            out.append(v.tolist())
        else:
            out.append(v)
    return tuple(out)


def _compare(fn_m, fn_t):
    """Run both; equal results, or errors of the same type."""
    try:
        expected = fn_t()
    except (IndexError, RuntimeError, ValueError, TypeError) as e:
        with pytest.raises(type(e)):
            fn_m()
        return None
    got = fn_m()
    return got, expected


@settings(max_examples=EXAMPLES)
@given(index_case())
def test_getitem_and_backward(case):
    shape, items = case
    a = np.random.default_rng(0).standard_normal(shape)
    x = mg.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    r = _compare(lambda: x[_index(items, mg)], lambda: tx[_index(items, torch)])
    if r is None:
        return
    y, ty = r
    assert tuple(y.shape) == tuple(ty.shape), (items, y.shape, ty.shape)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    (y * mg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def _hits_once(shape, items):
    """Whether the index reaches no element twice (setitem order is unspecified then)."""
    pos = torch.arange(int(np.prod(shape))).reshape(shape)[_index(items, torch)]
    return pos.numel() == pos.unique().numel()


@settings(max_examples=EXAMPLES)
@given(index_case(), st.booleans(), st.booleans())
def test_setitem_plain_and_recorded(case, tensor_value, recorded):
    shape, items = case
    try:
        if not _hits_once(shape, items):
            return
    except (IndexError, RuntimeError):
        return  # an invalid index: getitem's test compares the errors
    rng = np.random.default_rng(2)
    a = rng.standard_normal(shape)
    out_shape = tuple(torch.zeros(shape)[_index(items, torch)].shape)
    v = rng.standard_normal(out_shape[1:] if len(out_shape) and tensor_value else out_shape)
    w = mg.tensor(a, requires_grad=recorded)
    tw = torch.tensor(a, requires_grad=recorded)
    x, tx = (w * 1.0, tw * 1.0)
    if tensor_value:
        val = mg.tensor(v, requires_grad=recorded)
        tval = torch.tensor(v, requires_grad=recorded)
    else:
        val = tval = 0.5
    x[_index(items, mg)] = val
    tx[_index(items, torch)] = tval
    np.testing.assert_array_equal(x.detach().numpy(), tx.detach().numpy())
    if recorded:
        g = rng.standard_normal(shape)
        (x * mg.tensor(g)).sum().backward()
        (tx * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)
        if tensor_value:
            np.testing.assert_allclose(val.grad.numpy(), tval.grad.numpy(), rtol=1e-12)


def test_integer_is_a_basic_index():
    """The issue's example: NumPy would give (2, 3, 6, 2, 2)."""
    x = mg.arange(5 * 6 * 7 * 8 * 9).reshape(5, 6, 7, 8, 9)
    d = mg.tensor([[0, 1, 2], [3, 4, 1]])
    assert x[1, :, 3:11:2, d, 0:2].shape == (6, 2, 2, 3, 2)
    assert x[mg.tensor(1), :, 3:11:2, d, 0:2].shape == (6, 2, 2, 3, 2)
    tx = torch.arange(5 * 6 * 7 * 8 * 9).reshape(5, 6, 7, 8, 9)
    np.testing.assert_array_equal(x[1, :, 3:11:2, d, 0:2].numpy(),
                                  tx[1, :, 3:11:2, torch.tensor(d.numpy()), 0:2].numpy())
