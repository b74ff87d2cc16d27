"""StackDataset, ChainDataset and WeightedRandomSampler: behaviour as torch.utils.data
(compared with torch where it is deterministic), laziness, errors, and the sampler's
distribution (a chi-square test on counts)."""
import itertools
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils.data import (
    ChainDataset,
    DataLoader,
    IterableDataset,
    StackDataset,
    TensorDataset,
    WeightedRandomSampler,
)


class Stream(IterableDataset):
    def __init__(self, start, n):
        self.start, self.n = start, n

    def __iter__(self):
        return iter(range(self.start, self.start + self.n))

    def __len__(self):
        return self.n


class Endless(IterableDataset):
    def __iter__(self):
        return itertools.count()


def test_stack_dataset_tuple_and_dict():
    a = TensorDataset(mg.arange(5.0))
    b = [10 * i for i in range(5)]
    s = StackDataset(a, b)
    assert len(s) == 5 and s[2] == ((mg.tensor(2.0),), 20) or s[2][1] == 20
    assert s[2][0][0].item() == 2.0 and s[2][1] == 20
    d = StackDataset(x=b, y=[i * i for i in range(5)])
    assert d[3] == {"x": 30, "y": 9}
    assert d.__getitems__([1, 4]) == [{"x": 10, "y": 1}, {"x": 40, "y": 16}]
    batch = next(iter(DataLoader(StackDataset(x=b, y=b), batch_size=3)))
    assert batch["x"].tolist() == [0, 10, 20] and batch["y"].tolist() == [0, 10, 20]


def test_stack_dataset_errors_match_torch():
    torch = pytest.importorskip("torch")
    for lib_cls in (StackDataset, torch.utils.data.StackDataset):
        with pytest.raises(ValueError, match="Size mismatch between datasets"):
            lib_cls([1, 2], [1])
        with pytest.raises(ValueError, match="At least one dataset should be passed"):
            lib_cls()
        with pytest.raises(ValueError, match="both types are given"):
            lib_cls([1], x=[2])
    mine = StackDataset([1, 2, 3], [4, 5, 6]).__getitems__([2, 0])
    theirs = torch.utils.data.StackDataset([1, 2, 3], [4, 5, 6]).__getitems__([2, 0])
    assert mine == theirs


def test_chain_dataset_is_lazy_and_sized():
    c = ChainDataset([Stream(0, 3), Stream(100, 2)])
    assert list(c) == [0, 1, 2, 100, 101] and len(c) == 5
    assert list(Stream(0, 2) + Stream(5, 1)) == [0, 1, 5]  # IterableDataset.__add__ chains
    assert isinstance(Stream(0, 2) + Stream(5, 1), ChainDataset)
    head = list(itertools.islice(ChainDataset([Stream(7, 1), Endless()]), 4))
    assert head == [7, 0, 1, 2]  # an endless member is consumed on demand
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(ChainDataset([[1, 2]]))
    assert list(DataLoader(c, batch_size=2))[-1].tolist() == [101]


def test_weighted_sampler_distribution():
    """Counts over 20000 draws follow the weights (chi-square, 3 dof, p > 1e-4)."""
    w = [0.1, 0.0, 2.0, 1.0, 0.9]
    gen = mg.Generator().manual_seed(0)
    n = 20000
    s = WeightedRandomSampler(w, n, generator=gen)
    draws = list(s)
    assert len(draws) == len(s) == n and all(isinstance(i, int) for i in draws)
    counts = np.bincount(draws, minlength=len(w))
    assert counts[1] == 0  # zero weight: never drawn
    p = np.array(w) / sum(w)
    keep = p > 0
    expected = n * p[keep]
    chi2 = ((counts[keep] - expected) ** 2 / expected).sum()
    assert chi2 < 21.1  # the 1e-4 upper quantile of chi-square with 3 degrees of freedom


def test_weighted_sampler_without_replacement_and_laziness():
    gen = mg.Generator().manual_seed(1)
    s = WeightedRandomSampler(mg.tensor([1.0, 5.0, 0.5, 2.0]), 4, replacement=False,
                              generator=gen)
    assert sorted(s) == [0, 1, 2, 3]
    # the weight-5 index comes first most of the time: P = 5 / 8.5
    firsts = [next(iter(s)) for _ in range(2000)]
    share = firsts.count(1) / 2000
    assert abs(share - 5 / 8.5) < 4 * math.sqrt(5 / 8.5 * 3.5 / 8.5 / 2000)
    huge = WeightedRandomSampler([1.0, 1.0], 10**12)  # drawn a chunk at a time
    assert len(list(itertools.islice(iter(huge), 5))) == 5 and len(huge) == 10**12


def test_weighted_sampler_errors_and_signature_match_torch():
    torch = pytest.importorskip("torch")
    import inspect
    ours = inspect.signature(WeightedRandomSampler.__init__).parameters
    theirs = inspect.signature(torch.utils.data.WeightedRandomSampler.__init__).parameters
    assert [(k, p.default) for k, p in ours.items()] == [(k, p.default) for k, p in
                                                          theirs.items()]
    for cls in (WeightedRandomSampler, torch.utils.data.WeightedRandomSampler):
        with pytest.raises(ValueError, match="num_samples should be a positive integer"):
            cls([1.0], 0)
        with pytest.raises(ValueError, match="num_samples should be a positive integer"):
            cls([1.0], True)
        with pytest.raises(ValueError, match="replacement should be a boolean"):
            cls([1.0], 2, replacement=1)
        with pytest.raises(ValueError, match=r"weights should be a 1d sequence .*\(1, 2\)"):
            cls([[1.0, 2.0]], 2)
    assert WeightedRandomSampler([1, 2], 3).weights.dtype == mg.float64
    assert list(WeightedRandomSampler([0.0, 3.0], 3)) == [1, 1, 1]
