"""DLPack and NumPy interop: zero-copy both ways, checked by writing on one side."""
import numpy as np
import pytest

import minigrad
from minigrad.utils.dlpack import from_dlpack, to_dlpack


def test_numpy_round_trip_shares_memory():
    t = minigrad.arange(6.0).reshape(2, 3)
    a = np.from_dlpack(t)
    assert a.shape == (2, 3) and a.dtype == np.float32
    a[0, 1] = 100.0
    assert t[0, 1].item() == 100.0
    t.add_(1.0)
    assert a[0, 1] == 101.0 and a[1, 2] == 6.0
    back = minigrad.from_dlpack(a)
    back[1, 0] = -5.0
    assert t[1, 0].item() == -5.0 and a[1, 0] == -5.0
    assert t.__dlpack_device__() == (1, 0)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "uint8", "int16",
                                   "int32", "int64", "bool"])
def test_every_dtype(dtype):
    a = (np.arange(5) % 2).astype(dtype)
    t = minigrad.from_dlpack(a)
    assert str(t.dtype) == f"minigrad.{dtype}"
    assert np.from_dlpack(t).dtype == a.dtype
    np.testing.assert_array_equal(np.from_dlpack(t), a)


def test_non_contiguous_views_keep_their_strides():
    base = np.arange(24.0).reshape(4, 6)
    t = minigrad.from_dlpack(base[:, ::2])
    assert not t.is_contiguous() and t.shape == (4, 3)
    t[3, 2] = -1.0
    assert base[3, 4] == -1.0
    tt = minigrad.arange(12.0).reshape(3, 4).T  # a transposed minigrad tensor
    a = np.from_dlpack(tt)
    assert a.strides == (4, 16)
    a[0, 2] = 42.0
    assert tt[0, 2].item() == 42.0


def test_errors_are_clear():
    x = minigrad.ones(3, requires_grad=True)
    with pytest.raises(BufferError, match="require gradient, use tensor.detach"):
        np.from_dlpack(x)
    np.from_dlpack(x.detach())  # fine
    with pytest.raises(TypeError, match="__dlpack__"):
        minigrad.from_dlpack([1, 2, 3])
    with pytest.raises(BufferError):  # strings have no DLPack dtype (NumPy's error)
        minigrad.from_dlpack(np.array(["a"]))
    with pytest.raises(TypeError, match="no dtype for uint32"):
        minigrad.from_dlpack(np.arange(3, dtype=np.uint32))
    ro = np.arange(3.0)
    ro.flags.writeable = False
    with pytest.raises(BufferError, match="readonly"):  # a legacy capsule cannot say read-only
        to_dlpack(minigrad.from_numpy(ro))
    with pytest.raises(RuntimeError, match="stream"):  # NumPy: CPU takes no stream
        minigrad.ones(2).__dlpack__(stream=1)


def test_capsules_as_in_torch_utils_dlpack():
    t = minigrad.arange(4.0)
    cap = to_dlpack(t)
    assert type(cap).__name__ == "PyCapsule"
    u = from_dlpack(cap)
    t[0] = 9.0
    assert u[0].item() == 9.0
    # a legacy capsule cannot say whether writing is allowed: NumPy, and so minigrad, import
    # it read-only (torch.from_dlpack(obj) and minigrad.from_dlpack(obj) give writable views)
    with pytest.raises(RuntimeError, match="read-only memory.*clone"):
        u[1] = 1.0


def test_copy_argument():
    a = np.arange(3.0)
    c = minigrad.from_dlpack(a, copy=True)
    c[0] = 5.0
    assert a[0] == 0.0
    s = minigrad.from_dlpack(a, copy=False)
    s[0] = 5.0
    assert a[0] == 5.0


def test_numpy_array_protocol_shares_like_pytorch():
    t = minigrad.zeros(3)
    np.asarray(t)[0] = 1.0  # shares, as np.asarray(torch_tensor)
    assert t[0].item() == 1.0
    c = np.array(t)  # copies, as np.array(torch_tensor)
    c[1] = 2.0
    assert t[1].item() == 0.0
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="avoid copy"):
        np.asarray(t, dtype=np.float64, copy=False)
    a = np.zeros(2)
    f = minigrad.from_numpy(a)
    f.numpy()[1] = 3.0
    assert a[1] == 3.0


def test_torch_both_ways():
    torch = pytest.importorskip("torch")
    t = minigrad.arange(6.0).reshape(2, 3)
    pt = torch.from_dlpack(t)
    pt[1, 1] = 50.0
    assert t[1, 1].item() == 50.0
    t.mul_(2.0)
    assert pt[0, 1].item() == 2.0
    # the legacy capsule API of torch.utils.dlpack
    pt2 = torch.utils.dlpack.from_dlpack(to_dlpack(t))
    pt2[0, 0] = -1.0
    assert t[0, 0].item() == -1.0
    src = torch.arange(8, dtype=torch.float64).reshape(2, 4)[:, 1::2]  # non-contiguous
    m = minigrad.from_dlpack(src)
    assert m.dtype == minigrad.float64 and m.shape == (2, 2)
    m[1, 1] = 99.0
    assert src[1, 1].item() == 99.0
    m2 = from_dlpack(torch.utils.dlpack.to_dlpack(src))
    src[0, 0] = 7.0
    assert m2[0, 0].item() == 7.0
    b = minigrad.from_dlpack(torch.tensor([True, False]))
    assert b.dtype == minigrad.bool and b.tolist() == [True, False]
    assert torch.from_dlpack(minigrad.tensor([True, False])).tolist() == [True, False]
    e = minigrad.ones(3).expand(2, 3)  # a broadcast (read-only) NumPy view: versioned export
    assert torch.from_dlpack(e).shape == (2, 3)
    with pytest.raises(BufferError, match="require gradient"):
        torch.from_dlpack(minigrad.ones(2, requires_grad=True))


def _aligned(n, align=64, dtype=np.float32):
    item = np.dtype(dtype).itemsize
    raw = np.zeros(n + align // item, dtype=dtype)
    off = (-raw.ctypes.data % align) // item
    return raw[off:off + n]


def test_jax_both_ways():
    jnp = pytest.importorskip("jax.numpy")
    a = _aligned(16)  # XLA imports CPU memory without a copy when it is 64-byte aligned
    t = minigrad.from_numpy(a)
    j = jnp.from_dlpack(t)
    assert j.unsafe_buffer_pointer() == a.ctypes.data
    t[0] = 10.0  # JAX arrays are meant to be immutable; this shows the memory is shared
    assert float(j[0]) == 10.0
    src = jnp.arange(1024.0)
    m = minigrad.from_dlpack(src)
    assert m.array.ctypes.data == src.unsafe_buffer_pointer()
    assert m[5].item() == 5.0


# JAX's 32-bit default (jax_enable_x64 off) turns float64/int64 into 32-bit copies, so the
# zero-copy dtypes are these
@pytest.mark.parametrize("dtype", ["float16", "float32", "int8", "uint8", "int16", "int32",
                                   "bool"])
def test_jax_zero_copy_each_dtype(dtype):
    jnp = pytest.importorskip("jax.numpy")
    a = _aligned(32, dtype=dtype)
    t = minigrad.from_numpy(a)
    j = jnp.from_dlpack(t)
    assert j.dtype == a.dtype and j.unsafe_buffer_pointer() == a.ctypes.data
    t[3] = 1  # the write shows in the JAX array: one memory
    assert j[3].item() == 1
    back = minigrad.from_dlpack(j)  # and back to minigrad, on the same memory again
    assert back.array.ctypes.data == a.ctypes.data and str(back.dtype) == f"minigrad.{dtype}"
    with pytest.raises(RuntimeError, match="read-only memory.*clone"):
        back[0] = 1  # JAX exports its (immutable) arrays read-only
    c = back.clone()
    c[0] = 1
    assert j[0].item() == 0


def test_cuda_via_cupy(device):
    if device != "cuda":
        pytest.skip("needs a CUDA device (CuPy)")
    if (minigrad.backend._cupy.__doc__ or "").startswith("fake"):
        pytest.skip("the CPU stand-in for CuPy: see test_cuda_code_path_on_the_cupy_stand_in")
    import cupy as cp

    t = minigrad.arange(4.0, device="cuda")
    c = cp.from_dlpack(t)
    c[1] = 7.0
    assert t[1].item() == 7.0
    assert t.__dlpack_device__()[0] == 2
    m = minigrad.from_dlpack(cp.arange(3.0))
    assert m.device.type == "cuda"
    m[0] = 5.0
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pt = torch.from_dlpack(t)
        pt[2] = 3.0
        assert t[2].item() == 3.0


def test_cuda_code_path_on_the_cupy_stand_in():
    """The CUDA branches (export through CuPy's exporter with a stream, import through
    cupy.from_dlpack for device type 2) run on tests/fake_cupy.py, whose arrays report
    kDLCUDA; the memory is host memory underneath, so sharing is checked by writing."""
    from tests import fake_cupy

    cp = fake_cupy.install()
    try:
        t = minigrad.arange(4.0, device="cuda")
        assert t.__dlpack_device__() == (2, 0)
        c = cp.from_dlpack(t)  # Tensor.__dlpack__ hands the stream to CuPy's exporter
        c[1] = 7.0
        assert t[1].item() == 7.0
        t.__dlpack__(stream=-1)  # -1: no synchronisation (the array API's value)
        with pytest.raises(ValueError, match="stream"):
            t.__dlpack__(stream=0)  # the array API forbids 0 for CUDA
        src = cp.arange(3.0)
        m = minigrad.from_dlpack(src)  # device type 2: read by cupy.from_dlpack
        assert m.device.type == "cuda" and type(m.array) is cp.ndarray
        m[0] = 5.0
        assert float(src[0]) == 5.0
        assert minigrad.from_dlpack(src, copy=True).add_(1)[0].item() == 6.0
        assert float(src[0]) == 5.0  # copy=True copied
        with pytest.raises(BufferError, match="require gradient"):
            cp.from_dlpack(minigrad.ones(2, device="cuda", requires_grad=True))
        with pytest.raises(BufferError, match="device type 1"):  # CuPy refuses host memory
            cp.from_dlpack(minigrad.ones(2))
    finally:
        fake_cupy.uninstall()
