"""nn.utils.prune: masks, state-dict keys, gradients through the mask, combined pruning
and removal, against PyTorch where installed (on tie-free data, where the choice is
unique)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.utils import prune


def _np(t):
    return t.detach().numpy()


def _lin(lib, torch=None):
    m = lib.Linear(5, 4).double()
    w = np.random.default_rng(0).permutation(20).reshape(4, 5) - 9.25  # distinct |w|
    with (torch.no_grad() if torch else mg.no_grad()):
        m.weight.copy_((torch.tensor if torch else mg.tensor)(w))
        m.bias.copy_((torch.tensor if torch else mg.tensor)([0.1, -1.1, 2.9, -4.6]))
    return m


def test_l1_unstructured_layout_grad_and_remove():
    m = _lin(nn)
    w = _np(m.weight).copy()
    prune.l1_unstructured(m, "weight", amount=0.3)
    assert [n for n, _ in m.named_parameters()] == ["bias", "weight_orig"]
    assert list(m.state_dict()) == ["bias", "weight_orig", "weight_mask"]
    mask = _np(m.weight_mask)
    assert mask.sum() == 20 - 6
    assert np.abs(w)[mask == 0].max() < np.abs(w)[mask == 1].min()
    np.testing.assert_array_equal(_np(m.weight), w * mask)
    assert prune.is_pruned(nn.Sequential(m))
    m(mg.ones(2, 5, dtype=mg.float64)).sum().backward()
    np.testing.assert_array_equal(_np(m.weight_orig.grad), 2.0 * mask)
    orig = m.weight_orig
    prune.remove(m, "weight")
    assert m.weight is orig and list(m.state_dict()) == ["bias", "weight"]
    np.testing.assert_array_equal(_np(m.weight), w * mask)
    assert not prune.is_pruned(m)
    with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
        prune.remove(m, "weight")


def test_amount_validation_and_random():
    with pytest.raises(ValueError, match="should either be a float in the range"):
        prune.L1Unstructured(1.5)
    with pytest.raises(TypeError, match="Invalid type for amount"):
        prune.L1Unstructured("a")
    with pytest.raises(ValueError, match="should be smaller than the number"):
        prune.l1_unstructured(nn.Linear(2, 2), "weight", amount=5)
    m = prune.random_unstructured(nn.Linear(5, 4), "weight", amount=7)
    assert int(_np(m.weight_mask).sum()) == 13
    m = prune.random_structured(nn.Linear(5, 4), "weight", amount=2, dim=0)
    rows = _np(m.weight_mask).sum(axis=1)
    assert sorted(rows.tolist()) == [0, 0, 5, 5]
    with pytest.raises(ValueError, match="Structured pruning can only be applied"):
        prune.ln_structured(nn.Linear(2, 2), "bias", amount=1, n=2, dim=0)


def test_combined_pruning_uses_a_container():
    m = _lin(nn)
    prune.l1_unstructured(m, "weight", amount=4)
    prune.ln_structured(m, "weight", amount=1, n=2, dim=0)
    hooks = list(m._forward_pre_hooks.values())
    assert len(hooks) == 1 and isinstance(hooks[0], prune.PruningContainer) and len(hooks[0]) == 2
    mask = _np(m.weight_mask)
    assert (mask.sum(axis=1) == 0).sum() == 1  # one whole row gone, on top of the L1 zeros
    prune.identity(m, "bias")
    np.testing.assert_array_equal(_np(m.bias_mask), np.ones(4))


@pytest.mark.parametrize("case", ["l1", "ln", "ln_dim1", "custom", "l1_then_ln", "global",
                                  "l1_scores"])
def test_prune_matches_torch(case):
    torch = pytest.importorskip("torch")
    import torch.nn.utils.prune as tp
    t, m = _lin(torch.nn, torch), _lin(nn)
    t2, m2 = _lin(torch.nn, torch), _lin(nn)
    scores = np.random.default_rng(1).random((4, 5))
    for lib, p, mod, mod2, T in ((tp, tp, t, t2, torch.tensor), (prune, prune, m, m2, mg.tensor)):
        if case == "l1":
            p.l1_unstructured(mod, "weight", amount=0.45)
        elif case == "ln":
            p.ln_structured(mod, "weight", amount=0.5, n=1, dim=0)
        elif case == "ln_dim1":
            p.ln_structured(mod, "weight", amount=2, n=float("inf"), dim=-1)
        elif case == "custom":
            p.custom_from_mask(mod, "weight", T((scores > 0.5).astype(np.float64)))
        elif case == "l1_then_ln":
            p.l1_unstructured(mod, "weight", amount=3)
            p.ln_structured(mod, "weight", amount=1, n=2, dim=1)
            p.l1_unstructured(mod, "weight", amount=2)
        elif case == "global":
            p.global_unstructured([(mod, "weight"), (mod2, "weight"), (mod, "bias")],
                                  pruning_method=p.L1Unstructured, amount=10)
        elif case == "l1_scores":
            p.l1_unstructured(mod, "weight", amount=5, importance_scores=T(scores))
    assert list(t.state_dict()) == list(m.state_dict())
    for k, v in t.state_dict().items():
        np.testing.assert_array_equal(_np(m.state_dict()[k]), v.numpy(), err_msg=k)
    x = np.random.default_rng(2).standard_normal((3, 5))
    yt, ym = t(torch.tensor(x)), m(mg.tensor(x))
    np.testing.assert_allclose(_np(ym), yt.detach().numpy(), rtol=1e-12)
    yt.sum().backward()
    ym.sum().backward()
    np.testing.assert_allclose(_np(m.weight_orig.grad), t.weight_orig.grad.numpy(), rtol=1e-12)
    if case == "global":
        np.testing.assert_array_equal(_np(m2.weight_mask), t2.weight_mask.numpy())
