"""Module system: registration, iteration, state_dict, modes, hooks, dtype moves, repr."""
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def Net(lib):
    """The same small architecture built from ``lib`` (minigrad.nn or torch.nn)."""

    class Net(lib.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = lib.Linear(4, 5)
            self.bn = lib.BatchNorm1d(5)
            self.act = lib.ReLU()
            self.blocks = lib.ModuleList([lib.Linear(5, 5), lib.LayerNorm(5)])
            self.head = lib.Sequential(OrderedDict(drop=lib.Dropout(0.2), out=lib.Linear(5, 3)))
            self.emb = lib.Embedding(7, 2, padding_idx=0)
            self.dct = lib.ModuleDict({"gn": lib.GroupNorm(1, 5), "bil": lib.Bilinear(2, 3, 4)})

        def forward(self, x):
            h = self.act(self.bn(self.fc1(x)))
            for b in self.blocks:
                h = b(h)
            return self.head(h)

    return Net()


def _torch():
    return pytest.importorskip("torch")


def _as_torch_prints(text, torch):
    """minigrad prints reprs as torch 2.13 does; torch < 2.13 (2.11 on the GPU machine) shows
    no ``bias=`` after ``affine=``/``elementwise_affine=`` in BatchNorm and LayerNorm, so drop
    it to compare with such a torch."""
    if tuple(int(v) for v in torch.__version__.split(".")[:2]) < (2, 13):
        text = text.replace("affine=True, bias=True", "affine=True")
    return text


# ---- registration -----------------------------------------------------------------------------


def test_registration_order_and_names():
    m = Net(nn)
    names = [n for n, _ in m.named_parameters()]
    assert names[:4] == ["fc1.weight", "fc1.bias", "bn.weight", "bn.bias"]
    assert [n for n, _ in m.named_children()] == ["fc1", "bn", "act", "blocks", "head", "emb",
                                                  "dct"]
    assert [n for n, _ in m.named_buffers()] == ["bn.running_mean", "bn.running_var",
                                                 "bn.num_batches_tracked"]
    assert [n for n, _ in m.named_modules()][:6] == ["", "fc1", "bn", "act", "blocks",
                                                     "blocks.0"]
    assert len(list(m.modules())) == len(list(m.named_modules()))
    assert all(isinstance(p, nn.Parameter) for p in m.parameters())
    assert list(m.parameters(recurse=False)) == []
    assert [n for n, _ in m.fc1.named_parameters(prefix="x")] == ["x.weight", "x.bias"]


def test_setattr_getattr_delattr():
    m = nn.Module()
    m.w = nn.Parameter(mg.zeros(2))
    m.register_buffer("b", mg.ones(2))
    m.sub = nn.Linear(2, 2)
    m.plain = mg.zeros(1)  # a plain tensor is not registered
    assert list(m._parameters) == ["w"] and list(m._buffers) == ["b"]
    assert list(m._modules) == ["sub"] and "plain" not in m.state_dict()
    assert m.w is m._parameters["w"] and m.b is m._buffers["b"]
    with pytest.raises(TypeError, match="cannot assign"):
        m.w = mg.zeros(2)  # a plain Tensor over a parameter
    m.w = None
    assert m._parameters["w"] is None and list(m.parameters()) == list(m.sub.parameters())
    m.b = mg.zeros(3)  # buffers accept plain tensors
    assert m._buffers["b"].shape == (3,)
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError, match="no attribute 'sub'"):
        _ = m.sub
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("plain", mg.zeros(1))
    with pytest.raises(TypeError):
        m.register_parameter("q", mg.zeros(1))


def test_shared_parameter_listed_once():
    m = nn.Module()
    m.a = nn.Linear(2, 2)
    m.b = m.a
    assert len(list(m.parameters())) == 2
    assert len(list(m.named_parameters(remove_duplicate=False))) == 4
    assert list(m.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]


def test_non_persistent_buffer():
    m = nn.Module()
    m.register_buffer("keep", mg.zeros(1))
    m.register_buffer("tmp", mg.zeros(1), persistent=False)
    assert list(m.state_dict()) == ["keep"]
    assert [n for n, _ in m.named_buffers()] == ["keep", "tmp"]


def test_parameter_shares_data_and_repr():
    t = mg.randn(2, 3)
    p = nn.Parameter(t)
    assert p.array is t.array and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert type(p * 2) is mg.Tensor and type(p.detach()) is mg.Tensor
    assert not nn.Parameter(t, requires_grad=False).requires_grad


# ---- state dict -------------------------------------------------------------------------------


def test_state_dict_keys_match_torch():
    torch = _torch()
    ours = Net(nn).state_dict()
    theirs = Net(torch.nn).state_dict()
    assert list(ours) == list(theirs)
    for k in ours:
        assert tuple(ours[k].shape) == tuple(theirs[k].shape), k


def test_state_dict_values_detached_and_shared():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    assert not sd["weight"].requires_grad and sd["weight"].array is m.weight.array
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_load_state_dict_roundtrip_and_strict_errors():
    a, b = Net(nn), Net(nn)
    res = b.load_state_dict(a.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    for (k, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(x.numpy(), y.numpy(), err_msg=k)
    assert b.fc1.weight.array is not a.fc1.weight.array  # copied, not aliased

    sd = a.state_dict()
    del sd["fc1.bias"]
    sd["extra.weight"] = mg.zeros(1)
    with pytest.raises(RuntimeError) as e:
        b.load_state_dict(sd)
    msg = str(e.value)
    assert 'Missing key(s) in state_dict: "fc1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in msg
    res = b.load_state_dict(sd, strict=False)
    assert res == (["fc1.bias"], ["extra.weight"])

    sd = a.state_dict()
    sd["fc1.weight"] = mg.zeros(9, 9)
    for strict in (True, False):
        with pytest.raises(RuntimeError, match=r"size mismatch for fc1.weight.*\[9, 9\].*\[5, 4\]"):
            b.load_state_dict(sd, strict=strict)


def test_load_state_dict_no_grad_and_keeps_identity():
    m = nn.Linear(2, 2)
    w = m.weight
    m.load_state_dict({"weight": np.ones((2, 2), np.float32), "bias": mg.zeros(2)})
    assert m.weight is w and w.is_leaf and w.requires_grad
    np.testing.assert_array_equal(w.detach().numpy(), np.ones((2, 2)))


def test_weights_from_torch_state_dict():
    torch = _torch()
    tm = Net(torch.nn).eval()
    with torch.no_grad():  # non-trivial running stats
        tm.bn.running_mean.uniform_(-1, 1)
        tm.bn.running_var.uniform_(0.5, 2)
    m = Net(nn).eval()
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_allclose(m(mg.tensor(x)).numpy(force=True),
                               tm(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


# ---- modes, grads, apply, hooks ---------------------------------------------------------------


def test_train_eval_propagates():
    m = Net(nn)
    assert m.training and m.head.drop.training
    assert m.eval() is m
    assert not any(s.training for s in m.modules())
    m.train()
    assert all(s.training for s in m.modules())
    with pytest.raises(ValueError):
        m.train("no")


def test_zero_grad_and_requires_grad_():
    m = nn.Linear(3, 2)
    m(mg.randn(4, 3)).sum().backward()
    assert m.weight.grad is not None
    g = m.weight.grad
    m.zero_grad(set_to_none=False)
    assert m.weight.grad is g and not g.numpy().any()
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_apply_visits_children_first():
    m = Net(nn)
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[0] == "Linear" and seen[-1] == "Net" and len(seen) == len(list(m.modules()))


def test_forward_hooks():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre") or (args[0] * 0,))
    h2 = m.register_forward_hook(lambda mod, args, out: calls.append("post") or out + 1)
    y = m(mg.randn(1, 2))
    assert calls == ["pre", "post"]
    np.testing.assert_allclose(y.detach().numpy(), m.bias.detach().numpy()[None] + 1, rtol=1e-6)
    h1.remove()
    h2.remove()
    x = mg.randn(1, 2)
    np.testing.assert_allclose(m(x).detach().numpy(), (x @ m.weight.T + m.bias).detach().numpy())
    assert calls == ["pre", "post"]


def test_to_dtype_in_place_keeps_identity():
    m = Net(nn)
    params = list(m.parameters())
    m.fc1(mg.randn(2, 4)).sum().backward()
    assert m.double() is m
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert all(p.dtype == mg.float64 for p in m.parameters())
    assert m.fc1.weight.grad.dtype == mg.float64
    assert m.bn.running_mean.dtype == mg.float64
    assert m.bn.num_batches_tracked.dtype == mg.int64  # integer buffers are not cast
    m.to(mg.float32)
    assert m.fc1.weight.dtype == mg.float32
    m.to("cpu")
    m.to(dtype=mg.float16).float()
    assert m.fc1.weight.dtype == mg.float32
    with pytest.raises(TypeError, match="floating point"):
        m.to(mg.int64)


def test_unknown_attribute_and_missing_forward():
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        _ = nn.Module().nope
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(mg.zeros(1))


# ---- containers -------------------------------------------------------------------------------


def test_sequential():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(a, b, c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    x = mg.randn(4, 2)
    np.testing.assert_allclose(s(x).detach().numpy(), c(b(a(x))).detach().numpy())
    s.append(nn.Sigmoid())
    assert len(s) == 4 and list(s._modules) == ["0", "1", "2", "3"]
    del s[1]
    assert list(s._modules) == ["0", "1", "2"] and s[1] is c
    s.insert(0, nn.Identity())
    assert isinstance(s[0], nn.Identity) and len(s) == 4
    named = nn.Sequential(OrderedDict(first=a, second=b))
    assert list(named._modules) == ["first", "second"] and named.first is a
    with pytest.raises(IndexError):
        s[10]


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh(), nn.Sigmoid()])
    ml.insert(1, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Linear", "Identity", "ReLU", "Tanh", "Sigmoid"]
    assert len(ml) == 5 and isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    assert len(list(ml.parameters())) == 2
    parent = nn.Module()
    parent.layers = ml
    assert [n for n, _ in parent.named_parameters()] == ["layers.0.weight", "layers.0.bias"]
    md = nn.ModuleDict({"a": nn.Linear(1, 2)})
    md["b"] = nn.ReLU()
    assert list(md) == ["a", "b"] and "a" in md and len(md) == 2
    assert list(md.keys()) == ["a", "b"] and md.pop("b").__class__ is nn.ReLU


# ---- repr -------------------------------------------------------------------------------------


def test_repr_matches_torch():
    torch = _torch()
    ours = _as_torch_prints(repr(Net(nn)).replace("minigrad", "torch"), torch)
    theirs = repr(Net(torch.nn))
    assert ours == theirs


def test_layer_reprs_match_torch():
    torch = _torch()
    for make in [
        lambda n: n.Linear(3, 4, bias=False), lambda n: n.Flatten(), lambda n: n.Unflatten(1, (2, 5)),
        lambda n: n.Dropout(0.3), lambda n: n.Embedding(10, 3), lambda n: n.LeakyReLU(0.2),
        lambda n: n.ELU(), lambda n: n.GELU(approximate="tanh"), lambda n: n.SiLU(),
        lambda n: n.Softplus(), lambda n: n.Softmax(dim=1), lambda n: n.LogSoftmax(-1),
        lambda n: n.Hardtanh(), lambda n: n.ReLU(inplace=True), lambda n: n.Tanh(),
        lambda n: n.BatchNorm2d(3, momentum=None), lambda n: n.LayerNorm((2, 3)),
        lambda n: n.GroupNorm(2, 4), lambda n: n.Bilinear(2, 3, 4), lambda n: n.Identity(),
        lambda n: n.ModuleList([n.ReLU(), n.ReLU(), n.Tanh()]),
    ]:
        assert _as_torch_prints(repr(make(nn)), torch) == repr(make(torch.nn))


def test_deepcopy_clones_parameters_and_buffers():
    import copy

    m = Net(nn)
    m.fc1(mg.randn(2, 4)).sum().backward()
    c = copy.deepcopy(m)
    for (k, a), b in zip(m.state_dict(keep_vars=True).items(), c.state_dict(keep_vars=True).values()):
        assert type(a) is type(b) and a.array is not b.array, k
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert c.fc1.weight.grad is not None and c.fc1.weight.grad.array is not m.fc1.weight.grad.array
    with mg.no_grad():
        c.fc1.weight.fill_(0)
    assert m.fc1.weight.detach().numpy().any()


def test_to_device_moves_in_place(device):
    m = Net(nn)
    params = list(m.parameters())
    m.fc1(mg.randn(2, 4)).sum().backward()
    x = mg.randn(3, 4)
    ref = m.eval()(x).detach().numpy()
    assert m.to(device) is m
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert all(t.device.type == device for t in list(m.parameters()) + list(m.buffers()))
    assert m.fc1.weight.grad.device.type == device
    out = m(x.to(device))
    assert out.device.type == device
    np.testing.assert_allclose(out.detach().numpy(force=True), ref, rtol=1e-5, atol=1e-6)
    m.train()
    m.emb(mg.tensor([[1, 0]]).to(device)).sum().backward()  # embedding and dropout on device
    m(x.to(device)).sum().backward()  # batch statistics, dropout mask
    m.cpu()
    assert m.fc1.weight.device.type == "cpu"
