"""save/load of arbitrary objects (a whole Module) through pickle, as torch.save/torch.load.

The default ``weights_only=True`` must refuse anything not allow-listed with PyTorch's
remedies, and must never execute code from a hostile file; ``weights_only=False`` must
round-trip models with their tensors.
"""
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.serialization import CheckpointError, WeightsOnlyError


class Net(nn.Module):  # module level, so pickle can name it
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(5, 4)
        self.rnn = nn.LSTM(4, 3)
        self.head = nn.Linear(3, 2)
        self.head2 = self.head  # the same module twice: must stay one object
        self.tags = {"a", "b"}

    def forward(self, x):
        out, _ = self.rnn(self.emb(x))
        return self.head(out)


def _saved(obj, **kw):
    buf = io.BytesIO()
    mg.save(obj, buf, **kw)
    buf.seek(0)
    return buf


def test_tensors_and_parameters_pickle():
    t = mg.randn(3, 4, requires_grad=True)[:, ::2]  # non-contiguous, non-leaf
    for x in (t, mg.arange(6).reshape(2, 3), mg.tensor(True), mg.zeros(0, 3, dtype=mg.float16),
              nn.Parameter(mg.ones(2))):
        y = pickle.loads(pickle.dumps(x))
        assert type(y) is type(x) and y.dtype == x.dtype and y.shape == x.shape
        assert np.array_equal(y.numpy() if not y.requires_grad else y.detach().numpy(),
                              x.detach().numpy())
        assert y.requires_grad == x.requires_grad and y.grad_fn is None and y.grad is None


def test_rebuild_tensor_checks_its_arguments():
    from minigrad.tensor import _rebuild_tensor

    with pytest.raises(ValueError, match="bytes"):
        _rebuild_tensor(mg.Tensor, b"\0" * 7, "float32", (2,), False, "cpu")
    with pytest.raises(ValueError, match="dtype"):
        _rebuild_tensor(mg.Tensor, b"", "object", (0,), False, "cpu")
    with pytest.raises(TypeError, match="Tensor class"):
        _rebuild_tensor(dict, b"", "float32", (0,), False, "cpu")


def test_whole_module_round_trips_with_weights_only_false():
    mg.manual_seed(0)
    net = Net()
    x = mg.tensor([[1, 2], [3, 4]])
    expected = net(x).detach().numpy()
    loaded = mg.load(_saved(net), weights_only=False)
    assert type(loaded) is Net and loaded.tags == {"a", "b"}
    assert loaded.head2 is loaded.head
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in loaded.parameters())
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in net.named_parameters()]
    np.testing.assert_array_equal(loaded(x).detach().numpy(), expected)
    loaded(x).sum().backward()  # trainable after loading
    assert loaded.head.weight.grad is not None


def test_weights_only_default_refuses_with_pytorchs_remedies():
    buf = _saved(Net())
    with pytest.raises(pickle.UnpicklingError) as err:  # what PyTorch programs catch
        mg.load(buf)
    msg = str(err.value)
    assert isinstance(err.value, CheckpointError)
    assert "Weights only load failed" in msg and "weights_only` set to `False`" in msg
    name = f"{__name__}.Net"
    assert f"GLOBAL {name} was not an allowed global" in msg
    assert f"add_safe_globals([{name}])" in msg and f"safe_globals([{name}])" in msg


def test_safe_globals_context_and_add_safe_globals():
    buf = _saved(Net())
    trusted = [Net, nn.Embedding, nn.LSTM, nn.Linear]
    with mg.serialization.safe_globals(trusted):
        assert mg.serialization.get_safe_globals() == trusted
        assert type(mg.load(buf)) is Net
    assert mg.serialization.get_safe_globals() == []
    buf.seek(0)
    with pytest.raises(WeightsOnlyError, match="nn.rnn.LSTM"):  # one class still missing
        with mg.serialization.safe_globals([Net, nn.Embedding, nn.Linear]):
            mg.load(buf)
    try:
        mg.serialization.add_safe_globals(trusted)
        buf.seek(0)
        assert type(mg.load(buf)) is Net
    finally:
        mg.serialization.clear_safe_globals()
    assert mg.serialization.get_safe_globals() == []


def test_plain_data_stays_pickle_free_and_default_types_load():
    data = {"w": mg.ones(2), "step": 3}
    with zipfile.ZipFile(_saved(data)) as zf:
        assert "data.pkl" not in zf.namelist()
    obj = {"set": {1, 2}, "size": mg.Size([2, 3]), "dtype": mg.float16, "dev": mg.device("cpu"),
           "z": 1 + 2j, "p": nn.Parameter(mg.ones(2)), "arr": np.arange(3)}
    obj["same"] = obj["p"]
    loaded = mg.load(_saved(obj))  # weights_only=True: all of this is allowed
    assert loaded["set"] == {1, 2} and loaded["size"] == mg.Size([2, 3])
    assert type(loaded["size"]) is mg.Size and loaded["dtype"] is mg.float16
    assert isinstance(loaded["p"], nn.Parameter) and loaded["same"] is loaded["p"]
    assert loaded["z"] == 1 + 2j and np.array_equal(loaded["arr"], np.arange(3))


def test_map_location_and_argument_checks(tmp_path):
    seen = []
    out = mg.load(_saved({"t": mg.ones(2), "s": {1}}),
                  map_location=lambda t, dev: seen.append(dev) or t * 2)
    assert seen == ["cpu"] and out["t"].tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        mg.load(_saved({"s": {1}}), pickle_module=pickle)
    assert mg.load(_saved({"s": {1}}), pickle_module=pickle, weights_only=False) == {"s": {1}}
    with pytest.raises(ValueError, match="file path"):
        mg.load(_saved({"s": {1}}), mmap=True)
    mg.save({"s": {1}}, tmp_path / "ck.pt")
    assert mg.load(tmp_path / "ck.pt", mmap=True) == {"s": {1}}


class _Evil:
    """Unpickling this would run its payload: create the marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


class _EvilSystem:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvilEval:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (eval, (f"open({self.marker!r}, 'w')",))


@pytest.mark.parametrize("evil", [_Evil, _EvilSystem, _EvilEval])
def test_hostile_pickles_never_execute_with_the_default(tmp_path, evil):
    marker = tmp_path / "PWNED"
    payload = {"weights": mg.ones(2), "x": evil(str(marker))}
    # 1. inside a real minigrad checkpoint (saved with the pickle path)
    ck = tmp_path / "ck.pt"
    mg.save(payload, ck)
    # 2. a bare pickle stream, protocols 2 to 5 (0 and 1 are not recognised as pickles)
    raw = [pickle.dumps(evil(str(marker)), protocol=p) for p in range(2, 6)]
    for path, data in [(ck, None)] + [(tmp_path / f"raw{i}.pt", d) for i, d in enumerate(raw)]:
        if data is not None:
            path.write_bytes(data)
        with pytest.raises(WeightsOnlyError, match="was not an allowed global"):
            mg.load(path)
        with pytest.raises(WeightsOnlyError):
            with open(path, "rb") as fh:
                mg.load(fh, weights_only=True)
    assert not marker.exists()
    # and the same file does run its payload when the user says they trust it
    if evil is _Evil:
        mg.load(ck, weights_only=False)["x"].close()
        assert marker.exists()


def test_hostile_pickle_member_and_forged_references(tmp_path):
    marker = tmp_path / "PWNED"
    ck = tmp_path / "ck.pt"
    mg.save({"w": mg.ones(2), "s": {1}}, ck)
    with zipfile.ZipFile(ck) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}

    def rewrite(pkl):
        with zipfile.ZipFile(ck, "w", zipfile.ZIP_STORED) as zf:
            for n, d in members.items():
                zf.writestr(n, pkl if n == "data.pkl" else d)

    rewrite(pickle.dumps(_Evil(str(marker)), protocol=2))  # swap in a payload
    with pytest.raises(WeightsOnlyError, match="io.open"):
        mg.load(ck)

    class _Ref:  # a pickle with a forged tensor reference
        def __init__(self, pid):
            self.pid = pid

    class _P(pickle.Pickler):
        def persistent_id(self, o):
            return o.pid if isinstance(o, _Ref) else None

    for pid in [("tensor", 7), ("ndarray", 0), ("tensor", -1), "x", ("tensor", True)]:
        buf = io.BytesIO()
        _P(buf, protocol=2).dump([_Ref(pid)])
        rewrite(buf.getvalue())
        with pytest.raises(CheckpointError, match="bad tensor reference"):
            mg.load(ck)
    rewrite(b"\x80\x02garbage")
    with pytest.raises(WeightsOnlyError, match="corrupted pickle"):
        mg.load(ck)
    assert not marker.exists()
