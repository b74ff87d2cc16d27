"""Start-up flags, queries and small types under PyTorch's top-level names, compared with
PyTorch where it has the same behaviour on the CPU."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def test_anomaly_flags_drive_anomaly_mode():
    assert mg.is_anomaly_enabled() is torch.is_anomaly_enabled() is False
    try:
        mg.set_anomaly_enabled(True, check_nan=False)
        assert mg.is_anomaly_enabled() and not mg.is_anomaly_check_nan_enabled()
        assert mg.autograd.anomaly.is_anomaly_enabled()
        mg.set_anomaly_enabled(True)
        assert mg.is_anomaly_check_nan_enabled()
        x = mg.tensor([-1.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="nan"):
            mg.sqrt(x).sum().backward()  # the same switch detect_anomaly turns on
    finally:
        mg.set_anomaly_enabled(False)
    assert not mg.is_anomaly_enabled() and not mg.is_anomaly_check_nan_enabled()


def test_warn_always_and_deterministic_debug_mode():
    assert mg.is_warn_always_enabled() is torch.is_warn_always_enabled()
    mg.set_warn_always(True)
    assert mg.is_warn_always_enabled()
    mg.set_warn_always(False)
    assert not mg.is_warn_always_enabled()
    try:
        for mode in ("default", "warn", "error", 0, 1, 2):
            mg.set_deterministic_debug_mode(mode)
            torch.set_deterministic_debug_mode(mode)
            assert mg.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
            assert (mg.are_deterministic_algorithms_enabled()
                    == torch.are_deterministic_algorithms_enabled())
            assert (mg.is_deterministic_algorithms_warn_only_enabled()
                    == torch.is_deterministic_algorithms_warn_only_enabled())
        for bad in ("loud", 3):
            with pytest.raises(RuntimeError, match="invalid value of debug_mode"):
                mg.set_deterministic_debug_mode(bad)
            with pytest.raises(RuntimeError, match="invalid value of debug_mode"):
                torch.set_deterministic_debug_mode(bad)
    finally:
        mg.set_deterministic_debug_mode(0)
        torch.set_deterministic_debug_mode(0)


def test_inference_mode_query():
    assert not mg.is_inference_mode_enabled() and not torch.is_inference_mode_enabled()
    with mg.inference_mode(), torch.inference_mode():
        assert mg.is_inference_mode_enabled() and torch.is_inference_mode_enabled()
        with mg.inference_mode(False), torch.inference_mode(False):
            assert not mg.is_inference_mode_enabled()
            assert not torch.is_inference_mode_enabled()
        assert mg.is_inference_mode_enabled()
    assert not mg.is_inference_mode_enabled()

    @mg.inference_mode()
    def inside():
        return mg.is_inference_mode_enabled(), mg.is_grad_enabled()

    assert inside() == (True, False) and not mg.is_inference_mode_enabled()
    assert mg.init_num_threads() is None and torch.init_num_threads() is None


def test_default_generator_is_the_global_one():
    g = mg.default_generator
    mg.manual_seed(123)
    assert g.initial_seed() == 123 == mg.initial_seed()
    state = g.get_state()
    a = mg.rand(3).numpy()
    g.set_state(state)
    np.testing.assert_array_equal(mg.rand(3).numpy(), a)
    g.manual_seed(7)
    b = mg.rand(2).numpy()
    mg.manual_seed(7)
    np.testing.assert_array_equal(mg.rand(2).numpy(), b)


def test_device_module_version_errors_dlpack():
    assert mg.get_device_module("cpu") is mg.cpu and mg.get_device_module() is mg.cpu
    assert mg.get_device_module("cuda") is mg.cuda
    assert mg.get_device_module(mg.device("cuda:0")) is mg.cuda
    assert torch.get_device_module("cpu") is torch.cpu
    V, TV = mg.torch_version.TorchVersion, torch.torch_version.TorchVersion
    assert isinstance(mg.__version__, V) and isinstance(mg.__version__, str)
    for a, b in (("2.10.0", "2.9"), ("2.0", "2.0.0"), ("1.13.1", (1, 13)), ("0.1.0", "0.10")):
        for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__"):
            assert getattr(V(a), op)(b) == getattr(TV(a), op)(b), (a, op, b)
    for name in ("OutOfMemoryError", "AcceleratorError"):
        assert issubclass(getattr(mg, name), RuntimeError)
        assert issubclass(getattr(torch, name), RuntimeError)
    assert mg.to_dlpack is mg.utils.dlpack.to_dlpack
    t = mg.arange(4.0)
    np.testing.assert_array_equal(torch.from_dlpack(mg.to_dlpack(t)).numpy(), t.numpy())


def test_return_types_and_types():
    x = np.arange(6.0).reshape(2, 3)
    for name, args in (("max", (1,)), ("min", (1,)), ("sort", ()), ("topk", (2,)),
                       ("cummax", (1,)), ("median", (1,)), ("mode", (1,))):
        r = getattr(mg, name)(mg.tensor(x), *args)
        tr = getattr(torch, name)(torch.tensor(x), *args)
        assert isinstance(r, getattr(mg.return_types, name))
        assert isinstance(tr, getattr(torch.return_types, name))
        np.testing.assert_array_equal(r.values.numpy(), tr.values.numpy())
        np.testing.assert_array_equal(r.indices.numpy(), tr.indices.numpy())
    with pytest.raises(AttributeError):
        mg.return_types.no_such_result  # noqa: B018
    assert set(mg.types.Number.__args__) == set(torch.types.Number.__args__)


def test_cpu_stream_and_event():
    s = mg.Stream()
    assert s.query() and s.device == mg.device("cpu")
    with s:
        s.synchronize()
    e0, e1 = mg.Event(enable_timing=True), mg.Event(enable_timing=True)
    e0.record()
    mg.ones(10).sum()
    e1.record(s)
    assert e1.query() and e0.elapsed_time(e1) >= 0.0
    with pytest.raises(RuntimeError, match="enable_timing=True"):
        mg.Event().elapsed_time(mg.Event())
    assert isinstance(s.record_event(), mg.Event)
