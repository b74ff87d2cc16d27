"""views/diagonal/sampling ops beyond the spec table, and torch-level names: multinomial
(statistics, generator, errors), finfo/iinfo, constants, type_as, triu/tril_indices,
errors of narrow/unfold/meshgrid/repeat_interleave, compared with PyTorch."""
import math

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def test_multinomial_with_replacement_frequencies():
    p = np.array([0.1, 0.2, 0.0, 0.3, 0.4])
    n = 20000
    s = mg.multinomial(mg.tensor(p * 7.0), n, replacement=True)  # unnormalised weights
    assert s.dtype == mg.int64 and tuple(s.shape) == (n,)
    counts = np.bincount(s.numpy(), minlength=5)
    assert counts[2] == 0
    sd = np.sqrt(n * p * (1 - p))
    assert np.all(np.abs(counts - n * p) <= 5 * sd + 1e-9), counts


def test_multinomial_without_replacement():
    w = mg.tensor([[0.0, 1.0, 3.0, 2.0, 0.5], [5.0, 0.0, 0.0, 1.0, 1.0]])
    for _ in range(20):
        s = w.multinomial(3).numpy()
        assert s.shape == (2, 3)
        for row, ws in zip(s, w.numpy()):
            assert len(set(row)) == 3 and all(ws[i] > 0 for i in row)
    # the first draw without replacement follows the weights
    p = np.array([0.1, 0.6, 0.3])
    first = mg.multinomial(mg.tensor(p).expand(6000, 3), 2)[:, 0].numpy()
    counts = np.bincount(first, minlength=3)
    assert np.all(np.abs(counts - 6000 * p) <= 5 * np.sqrt(6000 * p * (1 - p)))


def test_multinomial_generator_reproducible():
    g1, g2 = mg.Generator().manual_seed(3), mg.Generator().manual_seed(3)
    w = mg.tensor([0.2, 0.5, 0.3])
    a = mg.multinomial(w, 10, True, generator=g1)
    b = mg.multinomial(w, 10, True, generator=g2)
    assert a.tolist() == b.tolist()
    mg.manual_seed(5)
    c = mg.multinomial(w, 10, True)
    mg.manual_seed(5)
    assert mg.multinomial(w, 10, True).tolist() == c.tolist()


@pytest.mark.parametrize("w,n,kw,msg", [
    ([[[1.0]]], 1, {}, "prob_dist must be 1 or 2 dim"),
    ([1.0, 2.0], 3, {}, "cannot sample n_sample > prob_dist.size"),
    ([1.0, -2.0], 1, {}, "element < 0"),
    ([1.0, float("nan")], 1, {}, "element < 0"),
    ([0.0, 0.0], 1, {"replacement": True}, "sum of probabilities <= 0"),
    # PyTorch documents this requirement but its CPU kernel then draws zero-weight categories
    ([0.0, 1.0, 0.0], 2, {}, "not enough non-negative category"),
])
def test_multinomial_errors(w, n, kw, msg):
    with pytest.raises(RuntimeError, match=msg):
        mg.multinomial(mg.tensor(w), n, **kw)
    if "not enough" not in msg:
        with pytest.raises(RuntimeError):
            torch.multinomial(torch.tensor(w), n, **kw)


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo(name):
    ours, theirs = mg.finfo(getattr(mg, name)), torch.finfo(getattr(torch, name))
    for f in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, f) == getattr(theirs, f), f
    assert mg.finfo().dtype == torch.finfo().dtype


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    ours, theirs = mg.iinfo(getattr(mg, name)), torch.iinfo(getattr(torch, name))
    for f in ("bits", "max", "min", "dtype"):
        assert getattr(ours, f) == getattr(theirs, f), f
    assert repr(ours) == repr(theirs)


def test_typeinfo_errors():
    with pytest.raises(TypeError, match="requires a floating point input type"):
        mg.finfo(mg.int32)
    with pytest.raises(TypeError, match="requires an integer input type"):
        mg.iinfo(mg.float32)


def test_constants_and_type_as():
    assert (mg.pi, mg.e, mg.inf) == (torch.pi, torch.e, torch.inf) == (math.pi, math.e, math.inf)
    assert math.isnan(mg.nan) and mg.newaxis is None is torch.newaxis
    assert mg.ones(2, 3)[mg.newaxis].shape == (1, 2, 3)
    x = mg.ones(2, requires_grad=True)
    y = x.type_as(mg.zeros(1, dtype=mg.float64))
    assert y.dtype == mg.float64 and y.requires_grad
    assert x.type_as(mg.zeros(1, dtype=mg.int64)).dtype == mg.int64


@pytest.mark.parametrize("fn", ["triu_indices", "tril_indices"])
@pytest.mark.parametrize("args", [(3, 4), (4, 3, 1), (3, 3, -1), (0, 3), (2, 5, -4)])
def test_tri_indices(fn, args):
    ours, theirs = getattr(mg, fn)(*args), getattr(torch, fn)(*args)
    assert ours.dtype == mg.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert getattr(mg, fn)(3, 3, dtype=mg.int32).dtype == mg.int32


def test_repeat_interleave_counts_only():
    r = [2, 0, 1, 3]
    np.testing.assert_array_equal(mg.repeat_interleave(mg.tensor(r)).numpy(),
                                  torch.repeat_interleave(torch.tensor(r)).numpy())


def test_unfold_is_a_view():
    x = mg.arange(6.0)
    w = x.unfold(0, 2, 2)
    assert w.array.base is not None and np.shares_memory(w.array, x.array)
    x.add_(1)
    assert w.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def test_narrow_is_a_view_and_copy_is_not():
    x = mg.arange(6.0)
    v, c = x.narrow(0, 2, 3), x.narrow_copy(0, 2, 3)
    x.mul_(10)
    assert v.tolist() == [20.0, 30.0, 40.0] and c.tolist() == [2.0, 3.0, 4.0]


@pytest.mark.parametrize("call,exc,msg", [
    (lambda m: m.arange(7.0).narrow(0, 5, 3), RuntimeError, r"start \(5\) \+ length \(3\) exceeds"),
    (lambda m: m.arange(7.0).narrow(0, 8, 0), IndexError, "start out of range"),
    (lambda m: m.arange(7.0).unfold(0, 8, 1), RuntimeError, "maximum size for tensor at dimension 0"),
    (lambda m: m.arange(7.0).unfold(0, 3, 0), RuntimeError, "step is 0 but must be > 0"),
    (lambda m: m.repeat_interleave(m.ones(3), m.tensor([1, -1, 1])), RuntimeError,
     "repeats can not be negative"),
    (lambda m: m.repeat_interleave(m.ones(3), m.tensor([1, 1])), RuntimeError,
     "repeats must have the same size as input along dim"),
    (lambda m: m.meshgrid(m.ones(2, 2), m.ones(3), indexing="ij"), RuntimeError,
     "Expected 0D or 1D tensor"),
    (lambda m: m.meshgrid(m.ones(2), m.ones(3, dtype=m.int64), indexing="ij"), RuntimeError,
     "meshgrid expects all tensors to have the same dtype"),
    (lambda m: m.diag(m.ones(2, 2, 2)), RuntimeError, r"diag\(\): Supports 1D or 2D tensors"),
    (lambda m: m.diagonal(m.ones(2, 2), 0, 1, 1), RuntimeError,
     "diagonal dimensions cannot be identical"),
])
def test_errors_match_torch(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call(mg)
    with pytest.raises(exc):
        call(torch)
