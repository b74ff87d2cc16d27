"""What needs no MPI job: lazy imports, errors before init, DistributedSampler."""
import math
import subprocess
import sys

import pytest

import minigrad as mg
import minigrad.distributed as dist
from minigrad.distributed import _runtime
from minigrad.utils.data import DataLoader, DistributedSampler, TensorDataset


def test_import_minigrad_does_not_load_mpi():
    code = ("import sys, minigrad, minigrad.distributed, minigrad.nn.parallel; "
            "assert 'mpi4py' not in sys.modules; print(minigrad.distributed.is_initialized())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr


def test_missing_runtime_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r"minigrad\[distributed\]"):
        _runtime.load_mpi()


def test_calls_before_init_and_bad_arguments():
    assert not dist.is_initialized()
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier,
               lambda: dist.all_reduce(mg.zeros(1))):
        with pytest.raises(RuntimeError, match="init_process_group"):
            fn()
    with pytest.raises(ValueError, match="backend 'gloo'"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="init_method"):
        dist.init_process_group("mpi", init_method="tcp://127.0.0.1:1234")
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedSampler(range(4))


@pytest.mark.parametrize("n", [1, 7, 10, 12])
@pytest.mark.parametrize("world", [1, 2, 3, 5])
@pytest.mark.parametrize("shuffle", [False, True])
def test_sampler_partitions_cover_each_sample_once(n, world, shuffle):
    for drop_last in (False, True):
        for epoch in range(2):
            parts = []
            for r in range(world):
                s = DistributedSampler(range(n), world, r, shuffle=shuffle, seed=3,
                                       drop_last=drop_last)
                s.set_epoch(epoch)
                parts.append(list(s))
                assert len(parts[-1]) == len(s)
            flat = [i for p in parts for i in p]
            assert len({len(p) for p in parts}) == 1  # every rank the same count
            if drop_last:
                assert len(flat) == (n // world) * world and len(set(flat)) == len(flat)
            else:  # padded by repeating the start: all covered, repeats only to even out
                assert set(flat) == set(range(n)) and len(flat) == math.ceil(n / world) * world
            if n % world == 0:
                assert sorted(flat) == list(range(n))  # exactly once per epoch


def test_sampler_epochs_and_seed():
    a = DistributedSampler(range(50), 2, 0, seed=1)
    first = list(a)
    assert list(a) == first  # same epoch: same order
    a.set_epoch(1)
    assert list(a) != first
    assert list(DistributedSampler(range(50), 2, 0, seed=1)) == first
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(range(4), 2, 2)


def test_sampler_matches_torch_without_shuffle():
    torch = pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TorchSampler

    for n in (9, 10):
        for world in (2, 4):
            for r in range(world):
                for drop_last in (False, True):
                    ours = DistributedSampler(range(n), world, r, shuffle=False,
                                              drop_last=drop_last)
                    theirs = TorchSampler(range(n), world, r, shuffle=False,
                                          drop_last=drop_last)
                    assert list(ours) == list(theirs) and len(ours) == len(theirs)
    assert torch is not None


def test_sampler_in_a_dataloader():
    ds = TensorDataset(mg.arange(10))
    seen = []
    for r in range(2):
        loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, r))
        seen += [int(v) for (b,) in loader for v in b.tolist()]
    assert sorted(seen) == list(range(10))


def test_sync_batchnorm_without_a_process_group_is_batchnorm():
    x = mg.randn(6, 3, 4)
    sync, bn = mg.nn.SyncBatchNorm(3), mg.nn.BatchNorm1d(3)
    assert mg.equal(sync(x), bn(x)) and mg.equal(sync.running_var, bn.running_var)
    converted = mg.nn.SyncBatchNorm.convert_sync_batchnorm(
        mg.nn.Sequential(mg.nn.Conv2d(1, 2, 3), mg.nn.BatchNorm2d(2)))
    assert type(converted[1]) is mg.nn.SyncBatchNorm and converted[1].num_features == 2
    with pytest.raises(ValueError, match="at least 2D"):
        sync(mg.zeros(3))
