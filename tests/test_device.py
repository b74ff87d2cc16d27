"""Device plumbing, tested on every machine (CUDA-only checks skip without CuPy + GPU)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend

HAS_CUDA = backend.cupy_available()
cuda_only = pytest.mark.skipif(not HAS_CUDA, reason="needs CuPy and an NVIDIA GPU")
no_cuda_only = pytest.mark.skipif(HAS_CUDA, reason="checks the error raised without CUDA")


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
