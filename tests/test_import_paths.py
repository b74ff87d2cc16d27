"""PyTorch's import paths that programs use resolve in minigrad, to the same objects.

``torch.nn.modules.<file>.<Class>``, ``torch.utils.data.<submodule>``, ``torch.nn.attention``,
``torch.testing``, ``torch.backends.*``, ``torch.version``, ``torch.accelerator`` and the
start-up switches (``set_default_device``, ``set_float32_matmul_precision``, ...).
"""
import importlib
import itertools
import math

import pytest

import minigrad
from minigrad import nn
from minigrad.utils.data import DistributedSampler, RandomSampler, TensorDataset


@pytest.mark.parametrize("path, name", [
    ("module", "Module"), ("linear", "Linear"), ("linear", "Identity"), ("conv", "Conv2d"),
    ("conv", "_ConvNd"), ("activation", "ReLU"), ("activation", "MultiheadAttention"),
    ("container", "Sequential"), ("container", "ModuleList"), ("batchnorm", "BatchNorm1d"),
    ("batchnorm", "_BatchNorm"), ("dropout", "Dropout"), ("rnn", "LSTM"), ("rnn", "RNNBase"),
    ("sparse", "Embedding"), ("transformer", "TransformerEncoderLayer"),
    ("normalization", "LayerNorm"), ("pooling", "MaxPool2d"), ("loss", "_Loss"),
    ("loss", "_WeightedLoss"), ("loss", "CrossEntropyLoss"), ("flatten", "Flatten"),
    ("sparse", "EmbeddingBag"), ("adaptive", "AdaptiveLogSoftmaxWithLoss"),
    ("loss", "LinearCrossEntropyLoss"), ("pooling", "FractionalMaxPool3d"),
])
def test_nn_modules_paths_are_minigrads_own_classes(path, name):
    mod = importlib.import_module(f"minigrad.nn.modules.{path}")
    cls = getattr(mod, name)
    assert cls is (getattr(nn, name, None) or getattr(importlib.import_module(cls.__module__),
                                                      name))
    assert issubclass(cls, nn.Module) and name in mod.__all__ and name in dir(mod)
    assert getattr(minigrad.nn.modules, path) is mod  # reachable as attributes, as in torch


def test_nn_modules_subclassing_and_missing_names():
    class MyLoss(minigrad.nn.modules.loss._Loss):
        def forward(self, x, y):
            return ((x - y) ** 2).sum()

    assert MyLoss(reduction="sum").reduction == "sum"
    assert minigrad.nn.modules.Linear is nn.Linear
    ndq = minigrad.nn.modules.linear.NonDynamicallyQuantizableLinear(3, 2)
    assert isinstance(ndq, nn.Linear) and ndq(minigrad.ones(1, 3)).shape == (1, 2)
    with pytest.raises(AttributeError, match="does not provide PyTorch's _NormBase"):
        minigrad.nn.modules.batchnorm._NormBase
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchLayer'"):
        minigrad.nn.modules.linear.NoSuchLayer
    ns = {}
    exec("from minigrad.nn.modules.rnn import *", ns)
    assert ns["LSTM"] is nn.LSTM and "MaxUnpool3d" not in ns


def test_utils_data_is_a_package_laid_out_like_torch():
    from minigrad.utils.data import DataLoader, default_collate
    from minigrad.utils.data._utils.collate import default_collate as dc
    from minigrad.utils.data.dataloader import DataLoader as DL
    from minigrad.utils.data.dataset import Dataset, TensorDataset as TD
    from minigrad.utils.data.distributed import DistributedSampler as DS
    from minigrad.utils.data.sampler import BatchSampler, Sampler

    assert DL is DataLoader and dc is default_collate and TD is TensorDataset
    assert DS is DistributedSampler and issubclass(DS, Sampler) and issubclass(TD, Dataset)
    assert BatchSampler is minigrad.utils.data.BatchSampler


def _ds(n):
    return TensorDataset(minigrad.arange(n))


@pytest.mark.parametrize("n, replicas, drop_last", [
    (10, 3, False), (10, 3, True), (9, 3, False), (9, 3, True), (2, 4, False), (1, 1, False),
    (7, 2, True), (0, 2, False),
])
def test_distributed_sampler_splits_like_pytorch(n, replicas, drop_last):
    shards = [list(DistributedSampler(_ds(n), num_replicas=replicas, rank=r, shuffle=False,
                                      drop_last=drop_last)) for r in range(replicas)]
    per = math.ceil((n - replicas) / replicas) if drop_last and n % replicas else \
        math.ceil(n / replicas)
    assert all(len(s) == per for s in shards)
    assert len(DistributedSampler(_ds(n), num_replicas=replicas, rank=0,
                                  drop_last=drop_last)) == per
    got = sorted(itertools.chain(*shards))
    if drop_last:  # every index at most once, only the tail dropped
        assert got == list(range(per * replicas))
    elif n:  # every index at least once, padded from the start
        assert set(got) == set(range(n)) and len(got) == per * replicas
    torch = pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TorchDS

    ref = [list(TorchDS(range(n), num_replicas=replicas, rank=r, shuffle=False,
                        drop_last=drop_last)) for r in range(replicas)]
    assert shards == ref
    del torch


def test_distributed_sampler_shuffles_with_seed_and_epoch():
    def perm(seed, epoch, rank=0):
        s = DistributedSampler(_ds(50), num_replicas=2, rank=rank, seed=seed)
        s.set_epoch(epoch)
        return list(s)

    assert perm(0, 0) == perm(0, 0)  # every process computes the same permutation
    assert perm(0, 0) != perm(0, 1) and perm(0, 0) != perm(1, 0)
    assert sorted(perm(3, 2, 0) + perm(3, 2, 1)) == list(range(50))


def test_distributed_sampler_needs_replicas_and_rank_without_a_process_group():
    with pytest.raises(RuntimeError, match="pass num_replicas and rank"):
        DistributedSampler(_ds(4))
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(_ds(4), num_replicas=2, rank=2)


def test_random_sampler_with_replacement_is_lazy():
    # an "endless" stream: 10**10 int64 indices would be 74.5 GiB if drawn at once
    s = RandomSampler(_ds(5), replacement=True, num_samples=10**10)
    assert len(s) == 10**10
    first = list(itertools.islice(iter(s), 3000))
    assert len(first) == 3000 and set(first) == set(range(5))


def test_random_sampler_without_replacement_is_whole_permutations():
    minigrad.manual_seed(0)
    got = list(RandomSampler(_ds(4), num_samples=10))
    assert sorted(got[:4]) == sorted(got[4:8]) == [0, 1, 2, 3] and len(got) == 10
    assert len(set(got[8:])) == 2
    it = iter(RandomSampler(_ds(3), num_samples=10**12))  # lazy here too
    assert sorted(itertools.islice(it, 3)) == [0, 1, 2]


def test_nn_attention_selectors():
    from minigrad.nn.attention import SDPBackend, current_backends, sdpa_kernel

    assert SDPBackend.FLASH_ATTENTION == 1 and SDPBackend.MATH == 0
    with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.MATH]):
        assert current_backends() == (SDPBackend.FLASH_ATTENTION, SDPBackend.MATH)
        with sdpa_kernel(SDPBackend.MATH):
            assert current_backends() == (SDPBackend.MATH,)
    assert SDPBackend.MATH in current_backends() and len(current_backends()) == 5
    with pytest.raises(TypeError, match="instances of SDPBackend"):
        with sdpa_kernel("flash"):
            pass


def test_nn_utils_rnn_path_exists():
    import minigrad.nn.utils.rnn as rnn

    assert minigrad.nn.utils.rnn is rnn


def test_backends_version_accelerator_switches():
    import minigrad.backends.cudnn as cudnn

    assert cudnn is minigrad.backends.cudnn and cudnn.benchmark is False
    cudnn.benchmark = True  # programs assign these
    cudnn.benchmark = False
    assert minigrad.backends.mps.is_available() is False
    assert minigrad.backends.cuda.matmul.allow_tf32 is False
    assert minigrad.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512")
    assert minigrad.version.__version__ == minigrad.__version__
    assert minigrad.version.cuda is None if not minigrad.cuda.is_available() \
        else isinstance(minigrad.version.cuda, str)
    assert isinstance(minigrad.version.git_version, str)
    assert minigrad.accelerator.is_available() == minigrad.cuda.is_available()
    if not minigrad.cuda.is_available():
        assert minigrad.accelerator.current_accelerator() is None
        assert minigrad.accelerator.device_count() == 0
        assert minigrad.cuda.memory_allocated() == minigrad.cuda.max_memory_allocated() == 0
        minigrad.cuda.empty_cache()
        minigrad.cuda.reset_peak_memory_stats()
    assert minigrad.cuda.is_bf16_supported() is False  # minigrad has no bfloat16


def test_start_up_switches():
    try:
        minigrad.set_default_device("cpu")
        assert minigrad.get_default_device() == minigrad.device("cpu")
        assert minigrad.zeros(2).device == minigrad.device("cpu")
    finally:
        minigrad.set_default_device(None)
    prev = minigrad.get_float32_matmul_precision()
    minigrad.set_float32_matmul_precision("high")
    assert minigrad.get_float32_matmul_precision() == "high"
    minigrad.set_float32_matmul_precision(prev)
    with pytest.raises(RuntimeError, match="Invalid precision"):
        minigrad.set_float32_matmul_precision("low")
    minigrad.use_deterministic_algorithms(True, warn_only=True)
    assert minigrad.are_deterministic_algorithms_enabled()
    assert minigrad.is_deterministic_algorithms_warn_only_enabled()
    minigrad.use_deterministic_algorithms(False)
    n = minigrad.get_num_threads()
    minigrad.set_num_threads(1)
    assert minigrad.get_num_threads() == 1
    minigrad.set_num_threads(n)


def test_set_default_device_moves_factories(monkeypatch):
    """With CUDA (or the fake CuPy of tests/fake_cupy.py), factories follow the default."""
    from tests import fake_cupy

    fake_cupy.install()
    try:
        minigrad.set_default_device("cuda")
        assert minigrad.zeros(2).device.type == "cuda"
        assert minigrad.tensor([1.0]).device.type == "cuda"
        assert minigrad.nn.Linear(2, 2).weight.device.type == "cuda"
        assert minigrad.zeros(2, device="cpu").device.type == "cpu"
    finally:
        minigrad.set_default_device(None)
        fake_cupy.uninstall()


@pytest.mark.skipif(not minigrad.cuda.is_available()
                    or (minigrad.backend._cupy.__doc__ or "").startswith("fake"),
                    reason="needs CUDA (CuPy and a GPU; the CPU stand-in has no memory pool)")
def test_cuda_memory_queries_versions_and_default_device():
    import pickle

    cuda = minigrad.cuda
    mib = 1 << 20
    cuda.empty_cache()
    cuda.reset_peak_memory_stats()
    base = cuda.memory_allocated()
    assert cuda.max_memory_allocated() == base
    x = minigrad.zeros(mib, device="cuda")  # 4 MiB of float32
    assert cuda.memory_allocated() >= base + 4 * mib
    del x
    y = minigrad.zeros(4 * mib, device="cuda")  # 16 MiB, freed before the next query
    del y
    assert cuda.memory_allocated() < base + 4 * mib
    assert cuda.max_memory_allocated() >= base + 16 * mib  # the hook saw the peak
    assert cuda.memory_reserved() >= cuda.memory_allocated()
    assert cuda.max_memory_reserved() >= cuda.memory_reserved()
    cuda.empty_cache()
    cuda.reset_peak_memory_stats()
    assert cuda.max_memory_allocated() == cuda.memory_allocated()
    free, total = cuda.mem_get_info()
    assert 0 < free <= total
    major, minor = cuda.get_device_capability()
    assert major >= 3 and 0 <= minor <= 9
    assert minigrad.version.cuda.replace(".", "").isdigit()
    assert minigrad.accelerator.current_accelerator() == minigrad.device("cuda")
    assert minigrad.accelerator.device_count() == cuda.device_count() >= 1
    try:
        minigrad.set_default_device("cuda")
        assert minigrad.ones(2).device.type == "cuda"
        net = minigrad.nn.Linear(3, 2)
        assert net.weight.device.type == "cuda"
    finally:
        minigrad.set_default_device(None)
    t = pickle.loads(pickle.dumps(net.weight))
    assert t.device.type == "cuda" and isinstance(t, minigrad.nn.Parameter)
    import io

    buf = io.BytesIO()
    minigrad.save(net, buf)
    buf.seek(0)
    on_cpu = minigrad.load(buf, map_location="cpu", weights_only=False)
    assert on_cpu.weight.device.type == "cpu"
    assert minigrad.testing.assert_close(on_cpu.weight, net.weight.cpu()) is None
