"""Loading files written by PyTorch's torch.save: state dicts, optimizer states, every
storage type, views, Parameters, whole modules (weights_only=False), map_location, and
hostile or damaged archives."""
import pickle
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad.serialization import CheckpointError, WeightsOnlyError

torch = pytest.importorskip("torch")


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _rezip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _pkl(members):
    return next(n for n in members if n.endswith("/data.pkl"))


def test_every_dtype_views_and_parameters(tmp_path):
    base = torch.arange(12.0, dtype=torch.float64).reshape(3, 4)
    saved = {
        "f32": torch.randn(2, 3), "f64": base, "f16": torch.randn(4).half(),
        "bf16": torch.randn(3).bfloat16(), "i64": torch.arange(5), "i32": torch.arange(3).int(),
        "i16": torch.arange(3).short(), "i8": torch.arange(-2, 2).char(),
        "u8": torch.arange(4).byte(), "bool": torch.tensor([True, False, True]),
        "col": base[:, 1],            # a strided view into a shared storage
        "t": base.t(),                # a transposed view of the same storage
        "empty": torch.zeros(0, 3), "scalar": torch.tensor(2.5),
        "param": torch.nn.Parameter(torch.ones(2)), "frozen": torch.nn.Parameter(
            torch.ones(2), requires_grad=False),
        "grad": torch.ones(2, requires_grad=True), "size": torch.Size([2, 3]),
        "dtype": torch.float16, "device": torch.device("cpu"), "meta": [1, "a", (2.0, None)],
    }
    torch.save(saved, tmp_path / "all.pt")
    got = mg.load(tmp_path / "all.pt")
    assert list(got) == list(saved)
    for k, v in saved.items():
        if not isinstance(v, torch.Tensor):
            continue
        g = got[k]
        assert str(g.dtype).split(".")[-1] == str(v.dtype).split(".")[-1], k
        assert tuple(g.shape) == tuple(v.shape), k
        np.testing.assert_array_equal(g.detach().float().numpy(), v.detach().float().numpy(),
                                      err_msg=k)
        assert g.requires_grad == v.requires_grad, k
    assert isinstance(got["param"], mg.nn.Parameter) and got["param"].requires_grad
    assert isinstance(got["frozen"], mg.nn.Parameter) and not got["frozen"].requires_grad
    assert got["size"] == mg.Size([2, 3]) and got["dtype"] is mg.float16
    assert got["device"] == mg.device("cpu") and got["meta"] == [1, "a", (2.0, None)]
    got["col"][0] = -1.0  # views that shared a storage in PyTorch are independent copies
    assert got["f64"][0, 1].item() == 1.0


def test_a_pytorch_training_checkpoint_resumes_in_minigrad(tmp_path):
    torch.manual_seed(0)
    # (no bias before the batch norm: its gradient is zero up to rounding noise, which
    # Adam's m / sqrt(v) would amplify into different steps in the two libraries)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 8, bias=False), torch.nn.BatchNorm1d(8),
                             torch.nn.ReLU(), torch.nn.Linear(8, 3))
    topt = torch.optim.Adam(tm.parameters(), lr=1e-2)
    x, y = torch.randn(16, 4), torch.randint(0, 3, (16,))
    for _ in range(3):
        topt.zero_grad()
        torch.nn.functional.cross_entropy(tm(x), y).backward()
        topt.step()
    torch.save({"model": tm.state_dict(), "optim": topt.state_dict(), "epoch": 3},
               tmp_path / "ckpt.pt")
    ck = mg.load(tmp_path / "ckpt.pt")
    mm = mg.nn.Sequential(mg.nn.Linear(4, 8, bias=False), mg.nn.BatchNorm1d(8), mg.nn.ReLU(),
                          mg.nn.Linear(8, 3))
    mopt = mg.optim.Adam(mm.parameters(), lr=1e-2)
    mm.load_state_dict(ck["model"])
    mopt.load_state_dict(ck["optim"])
    assert ck["epoch"] == 3
    # one more step in each library from the same state: the same parameters
    mx, my = mg.tensor(x.numpy()), mg.tensor(y.numpy())
    topt.zero_grad()
    torch.nn.functional.cross_entropy(tm(x), y).backward()
    topt.step()
    mopt.zero_grad()
    mg.nn.functional.cross_entropy(mm(mx), my).backward()
    mopt.step()
    for (name, tp), mp_ in zip(tm.state_dict().items(), mm.state_dict().values()):
        np.testing.assert_allclose(mp_.detach().numpy(), tp.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)


def test_a_whole_module_needs_weights_only_false(tmp_path):
    tm = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                             torch.nn.Linear(8, 2)).eval()
    torch.save(tm, tmp_path / "whole.pt")
    with pytest.raises(WeightsOnlyError, match="torch.nn.modules.container.Sequential"):
        mg.load(tmp_path / "whole.pt")
    mm = mg.load(tmp_path / "whole.pt", weights_only=False)
    assert isinstance(mm, mg.nn.Sequential) and isinstance(mm[0], mg.nn.Conv2d)
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    np.testing.assert_allclose(mm(mg.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_map_location_and_saved_cuda_tensors(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "cpu.pt")
    m = _members(tmp_path / "cpu.pt")
    name = _pkl(m)
    # the same file as if saved from a GPU: the pickle's location string says cuda:0
    # (BINUNICODE is length-prefixed and pickles address memo slots, not byte offsets)
    assert m[name].count(b"X\x03\x00\x00\x00cpu") == 1
    m[name] = m[name].replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    _rezip(tmp_path / "gpu.pt", m)
    if not mg.cuda.is_available():
        with pytest.raises(RuntimeError, match="map_location='cpu'"):
            mg.load(tmp_path / "gpu.pt")
    w = mg.load(tmp_path / "gpu.pt", map_location="cpu")["w"]
    assert w.device.type == "cpu" and w.tolist() == [1.0, 1.0]
    w = mg.load(tmp_path / "gpu.pt", map_location={"cuda:0": "cpu"})["w"]
    assert w.device.type == "cpu"


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_hostile_and_damaged_pytorch_archives(tmp_path):
    torch.save({"w": torch.arange(6.0)}, tmp_path / "ok.pt")
    good = _members(tmp_path / "ok.pt")
    name = _pkl(good)
    prefix = name[:-len("data.pkl")]
    # a storage shorter than the pickle claims
    bad = dict(good)
    bad[prefix + "data/0"] = good[prefix + "data/0"][:-4]
    _rezip(tmp_path / "short.pt", bad)
    with pytest.raises(CheckpointError, match="should hold 6 x float32"):
        mg.load(tmp_path / "short.pt")
    # a missing storage
    bad = {k: v for k, v in good.items() if k != prefix + "data/0"}
    _rezip(tmp_path / "missing.pt", bad)
    with pytest.raises(CheckpointError, match="storage '0' is missing"):
        mg.load(tmp_path / "missing.pt")
    # a tensor whose size runs past its storage (size 6 -> 9: the BININT1 before TUPLE1)
    bad = dict(good)
    assert good[name].count(b"K\x06\x85") == 1
    bad[name] = good[name].replace(b"K\x06\x85", b"K\x09\x85")
    _rezip(tmp_path / "past.pt", bad)
    with pytest.raises(CheckpointError, match="reaches past its storage"):
        mg.load(tmp_path / "past.pt")
    # code in the pickle runs under neither setting's refusal path
    marker = tmp_path / "PWNED"
    bad = dict(good)
    bad[name] = pickle.dumps(_Evil(str(marker)))
    _rezip(tmp_path / "evil.pt", bad)
    with pytest.raises(WeightsOnlyError, match="GLOBAL io.open"):
        mg.load(tmp_path / "evil.pt")
    assert not marker.exists()


def test_the_legacy_format_is_refused_clearly(tmp_path):
    torch.save(torch.ones(3), tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="legacy format"):
        mg.load(tmp_path / "old.pt")
