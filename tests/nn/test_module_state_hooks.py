"""Module state-dict protocol: _save_to_state_dict/_load_from_state_dict overrides, extra
state, state-dict and load hooks, metadata (checked against PyTorch where it applies)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def _build(lib):
    class WithExtra(lib.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.Linear(2, 2)
            self.step = 0

        def get_extra_state(self):
            return {"step": self.step}

        def set_extra_state(self, state):
            self.step = state["step"]

    return lib.Sequential(lib.Linear(2, 2), WithExtra())


def test_extra_state_round_trip_and_keys():
    m = _build(nn)
    m[1].step = 7
    sd = m.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "1._extra_state", "1.fc.weight", "1.fc.bias"]
    other = _build(nn)
    other.load_state_dict(sd)
    assert other[1].step == 7
    del sd["1._extra_state"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "1._extra_state"'):
        other.load_state_dict(sd)
    with pytest.raises(RuntimeError, match="should never be called"):
        nn.Linear(1, 1).get_extra_state()


def test_extra_state_keys_match_torch():
    torch = pytest.importorskip("torch")
    assert list(_build(torch.nn).state_dict()) == list(_build(nn).state_dict())
    assert list(_build(torch.nn).state_dict()._metadata) == \
        list(_build(nn).state_dict()._metadata)


def test_state_dict_hooks_order_and_effects():
    m = nn.Sequential(nn.Linear(2, 2))
    seen = []
    m[0].register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append(("pre", prefix)))

    def post(mod, sd, prefix, meta):
        seen.append(("post", prefix))
        sd[prefix + "note"] = mg.tensor(1.0)

    h = m[0].register_state_dict_post_hook(post)
    sd = m.state_dict()
    assert seen == [("pre", "0."), ("post", "0.")] and "0.note" in sd
    h.remove()
    assert "0.note" not in m.state_dict()
    m[0].register_state_dict_post_hook(lambda *a: {})
    with pytest.raises(RuntimeError, match="post-hook must return None"):
        m.state_dict()


def test_load_hooks_rename_and_post_hook_clears_keys():
    m = nn.Sequential(nn.Linear(2, 2))

    def rename(mod, sd, prefix, meta, strict, missing, unexpected, errors):
        if prefix + "w" in sd:
            sd[prefix + "weight"] = sd.pop(prefix + "w")

    m[0].register_load_state_dict_pre_hook(rename)
    src = {"0.w": np.ones((2, 2)), "0.bias": np.zeros(2), "extra": np.zeros(1)}

    def drop_extra(mod, keys):
        if "extra" in keys.unexpected_keys:
            keys.unexpected_keys.remove("extra")

    m.register_load_state_dict_post_hook(drop_extra)
    res = m.load_state_dict(src)
    assert res.missing_keys == [] and res.unexpected_keys == []
    np.testing.assert_array_equal(m[0].weight.detach().numpy(), np.ones((2, 2)))
    assert "0.w" in src  # the caller's dict is not modified


def test_load_from_state_dict_override_sees_prefix():
    calls = []

    class Legacy(nn.Linear):
        def _load_from_state_dict(self, sd, prefix, *rest):
            calls.append(prefix)
            if prefix + "old_bias" in sd:
                sd[prefix + "bias"] = sd.pop(prefix + "old_bias")
            super()._load_from_state_dict(sd, prefix, *rest)

    m = nn.Sequential(nn.Identity(), Legacy(2, 2))
    m.load_state_dict({"1.weight": np.ones((2, 2)), "1.old_bias": np.full(2, 3.0)})
    assert calls == ["1."] and m[1].bias.detach().numpy().tolist() == [3.0, 3.0]


def test_unexpected_and_missing_messages():
    m = nn.Sequential(nn.Linear(2, 2))
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict({"0.weight": np.ones((2, 2)), "1.weight": np.ones(1),
                           "0.extra": np.ones(1)})
    msg = str(e.value)
    assert 'Missing key(s) in state_dict: "0.bias"' in msg
    assert '"1.weight"' in msg and '"0.extra"' in msg
    res = m.load_state_dict({"0.weight": np.ones((2, 2)), "z": np.ones(1)}, strict=False)
    assert res.missing_keys == ["0.bias"] and res.unexpected_keys == ["z"]
