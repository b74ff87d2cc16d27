"""Order statistics, counting and differences vs PyTorch: indices, NaN and tie rules, dtypes,
errors (the differentiable values are in specs_statistics.py)."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

NAN = float("nan")


def _same(ours, theirs):
    if isinstance(theirs, tuple):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same(o, t)
        return
    if isinstance(theirs, list):
        for o, t in zip(ours, theirs):
            _same(o, t)
        return
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=0)


def _both(fn, *arrays):
    return fn(mg, *[mg.tensor(a) for a in arrays]), fn(torch, *[torch.tensor(a) for a in arrays])


@pytest.mark.parametrize("fn", [
    lambda m, x: m.median(x, 1),
    lambda m, x: m.nanmedian(x, 1),
    lambda m, x: m.median(x),
    lambda m, x: m.nanmedian(x),
    lambda m, x: m.nanmedian(x, 0, keepdim=True),
    lambda m, x: m.kthvalue(x, 3, 1),
    lambda m, x: m.mode(x[1:2], 1),
    lambda m, x: m.nansum(x, 1),
    lambda m, x: m.nanmean(x, 0),
    lambda m, x: m.quantile(x, 0.25, dim=1),
    lambda m, x: m.nanquantile(x, 0.25, dim=1),
    lambda m, x: m.count_nonzero(x, 0),
    lambda m, x: m.count_nonzero(x),
])
def test_nan_rules(fn):
    a = np.array([[1.0, NAN, 3.0, NAN], [4.0, 2.0, 2.0, 9.0], [NAN, 0.0, -1.0, 5.0]])
    _same(*_both(fn, a))


@pytest.mark.parametrize("fn", [
    lambda m, x: m.mode(x, -1),
    lambda m, x: m.mode(x, 0, keepdim=True),
    lambda m, x: m.median(x, 1).values,
    lambda m, x: m.kthvalue(x, 2, 1).values,
    lambda m, x: m.median(x),
    lambda m, x: m.quantile(x.double(), 0.5, dim=0, interpolation="nearest"),
    lambda m, x: m.histc(x.float(), bins=3),
    lambda m, x: m.bincount(x.long().flatten()),
    lambda m, x: m.aminmax(x),
])
def test_ties_and_integers(fn):
    a = np.array([[3, 1, 3, 1, 2, 2], [5, 5, 4, 4, 4, 0], [7, 7, 7, 7, 7, 7]], dtype=np.int64)
    _same(*_both(fn, a))


def test_mode_index_is_last_occurrence():
    a = np.array([2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 0.0])
    _same(*_both(lambda m, x: m.mode(x), a))


def test_median_full_gradient_is_spread_over_ties():
    a = np.array([2.0, 1.0, 2.0, 1.0, 2.0, 1.0])
    grads = []
    for m in (mg, torch):
        x = m.tensor(a, requires_grad=True)
        m.median(x).backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1])


def test_quantile_shapes_and_interpolations():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 5, 2))
    q = np.array([0.0, 0.1, 0.5, 0.77, 1.0])
    for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
        for dim, keep in ((None, False), (None, True), (1, True), (-1, False)):
            ours = mg.quantile(mg.tensor(a), mg.tensor(q), dim=dim, keepdim=keep,
                               interpolation=interp)
            theirs = torch.quantile(torch.tensor(a), torch.tensor(q), dim=dim, keepdim=keep,
                                    interpolation=interp)
            _same(ours, theirs)


def test_histograms():
    rng = np.random.default_rng(1)
    a = rng.standard_normal(50).astype(np.float32)
    w = rng.uniform(size=50).astype(np.float32)
    _same(*_both(lambda m, x: m.histc(x, bins=7, min=-1, max=1), a))
    _same(*_both(lambda m, x: m.histc(x, bins=5), a))
    _same(*_both(lambda m, x: m.histc(x, bins=3), np.ones(4, np.float32)))
    _same(*_both(lambda m, x, w: m.histogram(x, 6, weight=w, density=True), a, w))
    _same(*_both(lambda m, x: m.histogram(x, 4, range=(-1.0, 2.0)), a))
    _same(*_both(lambda m, x: m.histogram(x, bins=3), np.ones(3, np.float32)))
    edges = np.array([-2.0, -0.5, 0.0, 3.0], np.float32)
    _same(*_both(lambda m, x, e: m.histogram(x, e), a, edges))
    pts = rng.standard_normal((20, 2))
    _same(*_both(lambda m, x: tuple(m.histogramdd(x, [3, 4])), pts))
    _same(*_both(lambda m, x: m.Tensor.histc(x, 4), a))


def test_bincount():
    x = np.array([0, 1, 1, 3, 1])
    _same(*_both(lambda m, x: m.bincount(x, minlength=6), x))
    for wd in (np.float32, np.float64, np.int64):
        w = np.arange(5).astype(wd)
        _same(*_both(lambda m, x, w: m.bincount(x, w), x, w))
    _same(*_both(lambda m, x: m.bincount(x), np.zeros(0, np.int64)))


def test_diff_bool_and_int():
    _same(*_both(lambda m, x: m.diff(x), np.array([True, False, False])))
    _same(*_both(lambda m, x: x.diff(n=2, prepend=m.tensor([7])), np.arange(5)))
    _same(*_both(lambda m, x: m.diff(x, n=7), np.arange(5)))
    _same(*_both(lambda m, x: m.gradient(x), np.array([1, 4, 9, 16])))


@pytest.mark.parametrize("fn", [
    lambda m: m.median(m.zeros(2, 0), 1),
    lambda m: m.kthvalue(m.arange(3.0), 4),
    lambda m: m.kthvalue(m.arange(3.0), 0),
    lambda m: m.mode(m.zeros(2, 0), 1),
    lambda m: m.quantile(m.arange(3.0), 1.5),
    lambda m: m.quantile(m.arange(3), 0.5),
    lambda m: m.quantile(m.arange(3.0), m.tensor([0.5], dtype=m.float64)),
    lambda m: m.quantile(m.arange(3.0), 0.5, interpolation="foo"),
    lambda m: m.quantile(m.arange(3.0), m.tensor([[0.5]])),
    lambda m: m.quantile(m.tensor([]), 0.5),
    lambda m: m.nanmean(m.arange(3)),
    lambda m: m.aminmax(m.tensor([])),
    lambda m: m.histc(m.arange(3.0), bins=3, min=2, max=1),
    lambda m: m.histc(m.arange(3.0), bins=0),
    lambda m: m.histc(m.arange(3), bins=3),
    lambda m: m.bincount(m.tensor([-1, 2])),
    lambda m: m.bincount(m.tensor([[1, 2]])),
    lambda m: m.bincount(m.tensor([1.0, 2.0])),
    lambda m: m.bincount(m.tensor([True])),
    lambda m: m.bincount(m.tensor([1, 2]), minlength=-1),
    lambda m: m.diff(m.tensor(1.0)),
    lambda m: m.diff(m.ones(2, 3), n=-1),
    lambda m: m.diff(m.ones(2, 3), prepend=m.ones(3)),
    lambda m: m.diff(m.ones(2, 3), prepend=m.ones(3, 3)),
    lambda m: m.count_nonzero(m.ones(2, 3), dim=(0, 0)),
    lambda m: m.gradient(m.ones(1, 3), dim=0),
    lambda m: m.gradient(m.ones(2, 3), dim=1, edge_order=3),
])
def test_errors_match_torch(fn):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(mg)
    assert str(ours.value) == str(theirs.value)


def test_median_of_ties_is_exactly_the_value():
    a = np.array([0.1, 0.1, 0.1, 5.0, 0.1])
    for fn in (lambda m, x: m.median(x), lambda m, x: m.nanmedian(x)):
        ours, theirs = _both(fn, a)
        assert ours.item() == theirs.item() == 0.1
