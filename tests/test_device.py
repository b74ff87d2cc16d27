"""Device plumbing, tested on every machine (CUDA-only checks skip without CuPy + GPU)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend

HAS_CUDA = backend.cupy_available()
cuda_only = pytest.mark.skipif(not HAS_CUDA, reason="needs CuPy and an NVIDIA GPU")
no_cuda_only = pytest.mark.skipif(HAS_CUDA, reason="checks the error raised without CUDA")
# real kernels (not the CPU stand-in tests/fake_cupy.py, which compiles nothing)
HAS_GPU = HAS_CUDA and not (backend._cupy.__doc__ or "").startswith("fake")
gpu_only = pytest.mark.skipif(not HAS_GPU, reason="needs a real GPU (runs a CUDA kernel)")


def test_device_objects():
    assert mg.device("cpu") == mg.device("cpu") == "cpu"
    d = mg.device("cuda:1")
    assert (d.type, d.index, str(d)) == ("cuda", 1, "cuda:1")
    assert repr(mg.device("cuda")) == "device(type='cuda')"
    with pytest.raises(RuntimeError, match="unknown device type"):
        mg.device("tpu")
    with pytest.raises(RuntimeError, match="invalid device string"):
        mg.device("cuda:x")


def test_cpu_placement_and_to(device):
    t = mg.ones(2, 3, device=device)
    assert t.device == mg.device(device)
    assert t.to("cpu").device == mg.device("cpu")
    assert t.cpu().numpy().sum() == 6.0
    for factory in (mg.zeros, mg.ones, mg.rand, mg.randn, mg.empty):
        assert factory(2, device=device).device.type == mg.device(device).type
    assert mg.arange(3, device=device).device.type == mg.device(device).type
    assert mg.tensor([1.0], device=device).device.type == mg.device(device).type


def test_to_keeps_autograd(device):
    x = mg.randn(3, requires_grad=True)
    y = x.to(device) * 2
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 2.0))


def test_cuda_module_without_gpu():
    assert mg.cuda.is_available() == HAS_CUDA
    assert mg.cuda.device_count() == (mg.cuda.device_count() if HAS_CUDA else 0)


@no_cuda_only
def test_asking_for_cuda_without_it_says_how_to_install():
    with pytest.raises(RuntimeError, match=r'pip install "minigrad\[cuda12\]"'):
        mg.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        mg.ones(2).to("cuda")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        mg.ones(2).cuda()


def test_import_does_not_import_cupy():
    import subprocess
    import sys

    code = "import sys, minigrad; x = minigrad.randn(3) * 2; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@cuda_only
def test_mixed_devices_raise_naming_both():
    a, b = mg.ones(2), mg.ones(2, device="cuda")
    with pytest.raises(RuntimeError, match="cpu and cuda:0|cuda:0 and cpu"):
        a + b


@cuda_only
def test_numpy_on_cuda_raises_but_item_tolist_work():
    t = mg.ones(2, device="cuda")
    with pytest.raises(TypeError, match="cpu"):
        t.numpy()
    assert t.tolist() == [1.0, 1.0]
    assert t.sum().item() == 2.0


def test_to_forms_and_round_trip(device):
    t = mg.arange(6).reshape(2, 3)
    u = t.to(device, mg.float64)
    assert (u.device, u.dtype) == (mg.device(device), mg.float64)
    assert t.to(u).device == mg.device(device) and t.to(u).dtype == mg.float64
    assert u.to("cpu").tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert u.to(device) is u  # already there: no copy
    assert mg.zeros_like(u).device == mg.device(device)
    np.testing.assert_array_equal(np.asarray(u.cpu()), np.arange(6.0).reshape(2, 3))


def test_dataloader_batches_on_device(device):
    from minigrad.utils.data import DataLoader, TensorDataset

    x, y = mg.randn(10, 3), mg.arange(10)
    for ds in (TensorDataset(x, y), TensorDataset(x.to(device), y.to(device))):
        batches = list(DataLoader(ds, batch_size=4, shuffle=True))
        assert [len(b[1]) for b in batches] == [4, 4, 2]
        for bx, by in batches:
            bx, by = bx.to(device), by.to(device)  # a no-op for the device-resident dataset
            assert bx.device == by.device == mg.device(device)
            np.testing.assert_array_equal(bx.cpu().numpy(), x.numpy()[by.cpu().numpy()])
    # default_collate of device samples stacks on the device
    from minigrad.utils.data import default_collate

    batch = default_collate([(x[i].to(device), y[i].to(device)) for i in range(3)])
    assert batch[0].device == mg.device(device) and tuple(batch[0].shape) == (3, 3)


def test_checkpoint_from_device_to_cpu_and_back(device, tmp_path):
    t = mg.randn(3, 2, device=device, requires_grad=True)
    path = tmp_path / "t.mgz"
    mg.save({"w": t, "step": 3}, path)
    on_cpu = mg.load(path, map_location="cpu")
    assert on_cpu["w"].device == mg.device("cpu") and on_cpu["step"] == 3
    np.testing.assert_array_equal(on_cpu["w"].detach().numpy(), t.detach().cpu().numpy())
    again = mg.load(path, map_location={str(t.device): "cpu"})
    assert again["w"].device == mg.device("cpu")
    back = mg.load(path)  # the device it was saved from
    assert back["w"].device == t.device


# ---- real GPU only -------------------------------------------------------------------------


@cuda_only
def test_cuda_seed_and_synchronize():
    mg.manual_seed(123)
    a = mg.randn(5, device="cuda")
    mg.manual_seed(123)
    b = mg.randn(5, device="cuda")
    mg.cuda.synchronize()
    assert a.tolist() == b.tolist()
    assert mg.cuda.device_count() >= 1 and isinstance(mg.cuda.get_device_name(0), str)


@cuda_only
def test_numpy_protocol_on_cuda_raises():
    t = mg.ones(2, device="cuda")
    with pytest.raises(TypeError, match="cpu"):
        np.asarray(t)
    np.testing.assert_array_equal(np.asarray(t.cpu()), [1.0, 1.0])


_SPIN = r"""
extern "C" __global__ void spin(long long cycles) {
    long long t0 = clock64();
    while (clock64() - t0 < cycles) { }
}
"""


@gpu_only
@pytest.mark.parametrize("opt_name", ["SGD", "Adam", "LSTM+Adam"])
def test_training_step_does_no_host_device_traffic_on_gpu(opt_name, monkeypatch):
    """A training step on the GPU never waits for the GPU and converts no host data.

    After warm-up steps, a one-thread kernel that spins for ~1 s is queued on the step's
    stream, then one step is run and an event recorded behind it. Any synchronisation or
    device->host copy inside the step would block the host until the spin ends; so if the
    event after the spin is still pending when the step has returned, the step did neither.
    Host->device conversions through cupy.asarray/cupy.array are counted (there must be
    none). (CUDA-graph capture, the first approach, cannot hold cuBLAS calls in CuPy 14:
    "calling cuBLAS API during stream capture is currently unsupported".) The CPU-side
    counterpart runs everywhere: tests/test_cuda_audit.py."""
    from minigrad import nn, optim

    cp = backend.require_cuda()
    x = mg.randn(64, 32, device="cuda")
    if opt_name == "LSTM+Adam":
        lstm, head = nn.LSTM(32, 48, num_layers=2).to("cuda"), nn.Linear(48, 10).to("cuda")
        params = [*lstm.parameters(), *head.parameters()]
        x, y = mg.randn(12, 8, 32, device="cuda"), mg.randint(0, 10, (12 * 8,), device="cuda")

        def model(x):
            return head(lstm(x)[0]).reshape(-1, 10)
    else:
        model = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 10)).to("cuda")
        params = list(model.parameters())
        y = mg.randint(0, 10, (64,), device="cuda")
    opt = getattr(optim, opt_name.split("+")[-1])(params, lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    spin = cp.RawKernel(_SPIN, "spin")
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        first = step().item()  # warm-up: kernels compiled, memory pool and constants ready
        step()
        stream.synchronize()
    h2d = []

    def counting(fn):
        def wrapper(a, *args, **kwargs):
            if not isinstance(a, cp.ndarray):
                h2d.append(type(a).__name__)
            return fn(a, *args, **kwargs)
        return wrapper

    monkeypatch.setattr(cp, "asarray", counting(cp.asarray))
    monkeypatch.setattr(cp, "array", counting(cp.array))
    with stream:
        spin((1,), (1,), (np.int64(2_000_000_000),))  # ~1 s at H100/H200 clocks
        step()
        after = cp.cuda.Event()
        after.record(stream)
        pending = not after.done
        stream.synchronize()
    monkeypatch.undo()
    assert pending, "the step waited for the GPU (a synchronisation or device->host copy)"
    assert h2d == [], f"host->device copies inside the step: {h2d}"
    with stream:
        for _ in range(20):
            last = step()
        assert last.item() < first
