"""minigrad.utils.data: datasets, samplers, collation, DataLoader, random_split."""
from collections import namedtuple

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    default_convert,
    random_split,
)


class Squares(Dataset):
    """Samples are dicts mixing numbers, arrays and strings."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"x": np.full(2, i, dtype=np.float32), "y": i * i, "w": i / 2, "name": f"s{i}"}


def _xy(n=10):
    return TensorDataset(mg.arange(2 * n, dtype=mg.float32).reshape(n, 2), mg.arange(n))


def _ys(loader):
    return [b[1].tolist() for b in loader]


def test_tensor_dataset():
    ds = _xy(5)
    assert len(ds) == 5
    x, y = ds[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(mg.zeros(3, 2), mg.zeros(4))


def test_sequential_batches_and_len():
    ds = _xy(10)
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert _ys(batches) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    x, y = batches[0]  # collated as a list [x, y], as in PyTorch
    assert isinstance(batches[0], list)
    assert x.shape == (4, 2) and x.dtype == mg.float32 and y.dtype == mg.int64
    np.testing.assert_array_equal(x.numpy(), np.arange(8, dtype=np.float32).reshape(4, 2))


@pytest.mark.parametrize("n,bs,drop,count", [(10, 4, True, 2), (10, 4, False, 3), (8, 4, True, 2),
                                             (3, 5, True, 0), (3, 5, False, 1), (1, 1, False, 1)])
def test_batch_counts_and_drop_last(n, bs, drop, count):
    loader = DataLoader(_xy(n), batch_size=bs, drop_last=drop, shuffle=True)
    batches = list(loader)
    assert len(loader) == len(batches) == count
    sizes = [len(b[1]) for b in batches]
    assert all(s == bs for s in sizes[:-1])
    if drop:
        assert all(s == bs for s in sizes)
        assert sum(sizes) == n - n % bs
    else:
        assert sum(sizes) == n


def test_shuffle_is_reproducible_with_a_generator():
    ds = _xy(20)

    def epochs(seed, k=3):
        g = mg.Generator().manual_seed(seed)
        loader = DataLoader(ds, batch_size=6, shuffle=True, generator=g)
        return [sum(_ys(loader), []) for _ in range(k)]

    a, b, c = epochs(0), epochs(0), epochs(1)
    assert a == b
    assert a != c
    assert a[0] != a[1]  # a fresh permutation every epoch
    for perm in a + c:
        assert sorted(perm) == list(range(20))


def test_shuffle_follows_the_global_seed():
    ds = _xy(20)
    mg.manual_seed(5)
    first = sum(_ys(DataLoader(ds, batch_size=5, shuffle=True)), [])
    mg.manual_seed(5)
    again = sum(_ys(DataLoader(ds, batch_size=5, shuffle=True)), [])
    assert first == again and sorted(first) == list(range(20))


def test_threaded_loading_keeps_order():
    ds = Squares(23)
    ref = list(DataLoader(ds, batch_size=4, shuffle=True, generator=mg.Generator().manual_seed(3)))
    seen = []
    got = list(DataLoader(ds, batch_size=4, shuffle=True, num_workers=3,
                          generator=mg.Generator().manual_seed(3), worker_init_fn=seen.append))
    assert [b["y"].tolist() for b in got] == [b["y"].tolist() for b in ref]
    assert sorted(seen) == list(range(len(seen))) and 1 <= len(seen) <= 3
    loader = DataLoader(ds, batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):  # breaking out early doesn't hang
        if i == 1:
            break


def test_collate_dicts_arrays_numbers_strings():
    batch = default_collate([Squares(5)[i] for i in (1, 2, 4)])
    assert set(batch) == {"x", "y", "w", "name"}
    assert batch["x"].shape == (3, 2) and batch["x"].dtype == mg.float32
    assert batch["y"].dtype == mg.int64 and batch["y"].tolist() == [1, 4, 16]
    # PyTorch's default_collate turns Python floats into float64 tensors
    assert batch["w"].dtype == mg.float64 and batch["w"].tolist() == [0.5, 1.0, 2.0]
    assert batch["name"] == ["s1", "s2", "s4"]


def test_collate_tuples_lists_and_scalars():
    out = default_collate([(mg.tensor([1.0]), 2, [True, 3.5]), (mg.tensor([4.0]), 5, [False, 1.0])])
    assert isinstance(out, list) and len(out) == 3
    assert out[0].tolist() == [[1.0], [4.0]]
    assert out[1].tolist() == [2, 5]
    assert out[2][0].dtype == mg.bool and out[2][0].tolist() == [True, False]
    assert out[2][1].dtype == mg.float64
    np_scalars = default_collate([np.float32(1.5), np.float32(2.5)])
    assert np_scalars.dtype == mg.float32 and np_scalars.tolist() == [1.5, 2.5]
    arrays = default_collate([np.zeros((2, 3)), np.ones((2, 3))])
    assert arrays.dtype == mg.float64 and arrays.shape == (2, 2, 3)
    Point = namedtuple("Point", "x y")
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]


def test_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_collate_keeps_graph_for_tensors_that_require_grad():
    a, b = mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)
    out = default_collate([a, b])
    (out * mg.tensor([[1.0], [2.0]])).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [2.0, 2.0]


def test_custom_collate_and_no_batching():
    ds = Squares(4)
    loader = DataLoader(ds, batch_size=2, collate_fn=lambda batch: [s["y"] for s in batch])
    assert list(loader) == [[0, 1], [4, 9]]
    unbatched = list(DataLoader(ds, batch_size=None))
    assert len(unbatched) == 4 and isinstance(unbatched[2]["x"], mg.Tensor)
    assert unbatched[2]["y"] == 4
    assert default_convert((np.zeros(2), 1))[0].dtype == mg.float64


def test_samplers():
    ds = _xy(7)
    assert list(SequentialSampler(ds)) == list(range(7))
    r = RandomSampler(ds, generator=mg.Generator().manual_seed(0))
    assert len(r) == 7 and sorted(r) == list(range(7))
    rr = list(RandomSampler(ds, replacement=True, num_samples=50,
                            generator=mg.Generator().manual_seed(0)))
    assert len(rr) == 50 and set(rr) <= set(range(7)) and len(set(rr)) < 50
    more = list(RandomSampler(ds, num_samples=10, generator=mg.Generator().manual_seed(0)))
    assert len(more) == 10 and sorted(more[:7]) == list(range(7))
    sub = list(SubsetRandomSampler([10, 20, 30], generator=mg.Generator().manual_seed(0)))
    assert sorted(sub) == [10, 20, 30]
    bs = BatchSampler(range(10), 3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and len(bs) == 4
    assert len(BatchSampler(range(10), 3, drop_last=True)) == 3
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(ds, num_samples=0)


def test_batch_sampler_and_sampler_options():
    ds = _xy(6)
    loader = DataLoader(ds, batch_sampler=[[5, 0], [2], [1, 3, 4]])
    assert _ys(loader) == [[5, 0], [2], [1, 3, 4]] and len(loader) == 3
    loader = DataLoader(ds, batch_size=4, sampler=[5, 4, 3, 2, 1, 0])
    assert _ys(loader) == [[5, 4, 3, 2], [1, 0]]


@pytest.mark.parametrize("kw,match", [
    (dict(shuffle=True, sampler=[0, 1]), "mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler"),
    (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler"),
    (dict(batch_size=None, drop_last=True), "drop_last"),
    (dict(batch_size=0), "batch_size"),
    (dict(num_workers=-1), "num_workers"),
])
def test_loader_argument_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(_xy(4), **kw)


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


def test_iterable_dataset():
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(3), shuffle=True)


def test_subset_concat_and_random_split():
    ds = _xy(10)
    sub = Subset(ds, [9, 3, 5])
    assert len(sub) == 3 and sub[0][1].item() == 9
    assert _ys(DataLoader(sub, batch_size=2)) == [[9, 3], [5]]
    both = ds + Subset(ds, [0])
    assert isinstance(both, ConcatDataset) and len(both) == 11 and both[10][1].item() == 0
    assert both[-1][1].item() == 0

    parts = random_split(ds, [3, 7], generator=mg.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7]
    idx = [p.indices for p in parts]
    assert sorted(idx[0] + idx[1]) == list(range(10))
    again = random_split(ds, [3, 7], generator=mg.Generator().manual_seed(0))
    assert [p.indices for p in again] == idx

    fr = random_split(ds, [0.45, 0.35, 0.2], generator=mg.Generator().manual_seed(1))
    # floor(4.5, 3.5, 2) = (4, 3, 2); the one left over goes to the first split
    assert [len(p) for p in fr] == [5, 3, 2]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])
    with pytest.warns(UserWarning, match="index 1 is 0"):
        random_split(_xy(2), [0.9, 0.1])
