"""nn.functional (layers, activations, normalization, misc) against torch.nn.functional and
finite differences."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd import gradcheck, gradgradcheck

F = nn.functional


def _torch():
    return pytest.importorskip("torch")


def _a(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _x64(*shape, seed=0):
    return mg.tensor(_a(*shape, seed=seed), requires_grad=True)


def _same(ours, theirs, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(ours.detach().numpy(force=True), theirs.detach().numpy(),
                               rtol=rtol, atol=atol)


ACT_CASES = [
    ("relu", {}), ("leaky_relu", {"negative_slope": 0.1}), ("elu", {"alpha": 0.5}), ("selu", {}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
    ("softplus", {"beta": 2.0, "threshold": 1.0}), ("hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("tanh", {}), ("sigmoid", {}), ("softmax", {"dim": 0}), ("log_softmax", {"dim": -1}),
]


@pytest.mark.parametrize("name,kw", ACT_CASES, ids=[f"{n}-{len(k)}" for n, k in ACT_CASES])
def test_activations_match_torch(name, kw):
    torch = _torch()
    a = (_a(3, 5) * 3).astype(np.float32)
    _same(getattr(F, name)(mg.tensor(a), **kw),
          getattr(torch.nn.functional, name)(torch.from_numpy(a), **kw))


def test_softmax_extremes_and_implicit_dim():
    x = mg.tensor([[1e4, -1e4, 0.0]])
    assert np.isfinite(F.log_softmax(x, 1).numpy()).all()
    np.testing.assert_allclose(F.softmax(x, 1).numpy(), [[1, 0, 0]])
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.softmax(mg.randn(2, 3))
    np.testing.assert_allclose(y.numpy().sum(1), 1, rtol=1e-6)
    assert F.softmax(mg.tensor([1, 2]).float(), 0, dtype=mg.float64).dtype == mg.float64


def test_inplace_activation_modifies_input():
    x = mg.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x
    np.testing.assert_array_equal(x.numpy(), [0, 2])
    x = mg.tensor([-1.0, 0.5])
    F.leaky_relu(x, 0.5, inplace=True)
    np.testing.assert_array_equal(x.numpy(), [-0.5, 0.5])
    # recorded in-place on a non-leaf: gradient still right
    w = mg.tensor([-1.0, 2.0], requires_grad=True)
    h = w * 1.0
    F.relu(h, inplace=True).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0, 1])


def test_linear_bilinear():
    torch = _torch()
    x, w, b = _a(2, 3, 4), _a(5, 4, seed=1), _a(5, seed=2)
    _same(F.linear(mg.tensor(x), mg.tensor(w), mg.tensor(b)),
          torch.nn.functional.linear(*map(torch.from_numpy, (x, w, b))), rtol=1e-10)
    _same(F.linear(mg.tensor(x), mg.tensor(w)),
          torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w)), rtol=1e-10)
    x1, x2, wb = _a(2, 3, 4), _a(2, 3, 2, seed=1), _a(5, 4, 2, seed=2)
    _same(F.bilinear(mg.tensor(x1), mg.tensor(x2), mg.tensor(wb), mg.tensor(b)),
          torch.nn.functional.bilinear(*map(torch.from_numpy, (x1, x2, wb, b))), rtol=1e-10)
    assert gradcheck(F.bilinear, (_x64(3, 2), _x64(3, 3, seed=1), _x64(2, 2, 3, seed=2),
                                  _x64(2, seed=3)))
    assert gradgradcheck(F.linear, (_x64(3, 2), _x64(4, 2, seed=1), _x64(4, seed=2)))
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(4, 2\)"):
        F.linear(mg.randn(2, 3), mg.randn(4, 2))


def test_batch_norm_functional():
    torch = _torch()
    x = _a(4, 3, 2).astype(np.float32)
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    w, b = _a(3, seed=1).astype(np.float32), _a(3, seed=2).astype(np.float32)
    ours = [mg.tensor(v) for v in (rm, rv)]
    theirs = [torch.from_numpy(v.copy()) for v in (rm, rv)]
    for training in (True, False):
        _same(F.batch_norm(mg.tensor(x), *ours, mg.tensor(w), mg.tensor(b), training, 0.2),
              torch.nn.functional.batch_norm(torch.from_numpy(x), *theirs, torch.from_numpy(w),
                                             torch.from_numpy(b), training, 0.2))
        for o, t in zip(ours, theirs):
            _same(o, t)
    _same(F.batch_norm(mg.tensor(x), None, None, training=True),
          torch.nn.functional.batch_norm(torch.from_numpy(x), None, None, training=True))
    with pytest.raises(RuntimeError, match="running_mean"):
        F.batch_norm(mg.tensor(x), None, None, training=False)
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
                         (_x64(3, 2, 2), _x64(2, seed=1), _x64(2, seed=2)))


def test_layer_and_group_norm_functional():
    torch = _torch()
    x, w, b = _a(2, 4, 3), _a(4, 3, seed=1), _a(4, 3, seed=2)
    _same(F.layer_norm(mg.tensor(x), (4, 3), mg.tensor(w), mg.tensor(b), eps=1e-3),
          torch.nn.functional.layer_norm(torch.from_numpy(x), (4, 3), torch.from_numpy(w),
                                         torch.from_numpy(b), eps=1e-3), rtol=1e-10)
    _same(F.layer_norm(mg.tensor(x), 3), torch.nn.functional.layer_norm(torch.from_numpy(x), (3,)),
          rtol=1e-10)
    gw, gb = _a(4, seed=3), _a(4, seed=4)
    _same(F.group_norm(mg.tensor(x), 2, mg.tensor(gw), mg.tensor(gb)),
          torch.nn.functional.group_norm(torch.from_numpy(x), 2, torch.from_numpy(gw),
                                         torch.from_numpy(gb)), rtol=1e-10)
    assert gradgradcheck(lambda x, w: F.layer_norm(x, (3,), w), (_x64(2, 3), _x64(3, seed=1)))
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b),
                     (_x64(2, 4, 2), _x64(4, seed=1), _x64(4, seed=2)))


def test_dropout_functional():
    x = mg.ones(100, 100)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    mg.manual_seed(1)
    y1 = F.dropout(x, 0.25).numpy()
    mg.manual_seed(1)
    y2 = F.dropout(x, 0.25).numpy()
    np.testing.assert_array_equal(y1, y2)  # reproducible under manual_seed
    assert set(np.unique(y1)) <= {0.0, np.float32(1 / 0.75)} and y1.dtype == np.float32
    z = mg.ones(10)
    F.dropout(z, 1.0, inplace=True)
    assert not z.numpy().any()
    for p in (-0.01, 1.01):
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(x, p)


def test_embedding_and_one_hot():
    torch = _torch()
    w = _a(5, 3).astype(np.float32)
    idx = np.array([[1, 4], [0, 1]])
    _same(F.embedding(mg.tensor(idx), mg.tensor(w)),
          torch.nn.functional.embedding(torch.from_numpy(idx), torch.from_numpy(w)))
    wt = mg.tensor(w, requires_grad=True)
    F.embedding(mg.tensor(idx), wt, padding_idx=-1).sum().backward()  # -1 -> row 4
    np.testing.assert_array_equal(wt.grad.numpy()[:, 0], [1, 2, 0, 0, 0])
    oh = F.one_hot(mg.tensor([0, 2, 1]))
    assert oh.dtype == mg.int64 and oh.shape == (3, 3)
    np.testing.assert_array_equal(oh.numpy(), np.eye(3, dtype=np.int64)[[0, 2, 1]])
    t = torch.tensor([[1, 0], [3, 2]])
    np.testing.assert_array_equal(F.one_hot(mg.tensor(t.numpy()), 5).numpy(),
                                  torch.nn.functional.one_hot(t, 5).numpy())
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(mg.tensor([3]), 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(mg.tensor([-1]))
    with pytest.raises(RuntimeError, match="integer"):
        F.one_hot(mg.tensor([1.0]))


def test_pad_delegates():
    torch = _torch()
    x = _a(1, 2, 3)
    _same(F.pad(mg.tensor(x), (1, 2), value=0.5),
          torch.nn.functional.pad(torch.from_numpy(x), (1, 2), value=0.5))
    _same(F.pad(mg.tensor(x), (1, 1, 1, 0), mode="replicate"),
          torch.nn.functional.pad(torch.from_numpy(x), (1, 1, 1, 0), mode="replicate"))


def test_normalize_and_cosine_similarity():
    torch = _torch()
    x1, x2 = _a(3, 4), _a(1, 4, seed=1)
    tx1, tx2 = torch.from_numpy(x1), torch.from_numpy(x2)
    _same(F.normalize(mg.tensor(x1)), torch.nn.functional.normalize(tx1), rtol=1e-10)
    _same(F.normalize(mg.tensor(x1), p=1, dim=0),
          torch.nn.functional.normalize(tx1, p=1, dim=0), rtol=1e-10)
    _same(F.normalize(mg.zeros(2, 3)), torch.nn.functional.normalize(torch.zeros(2, 3)))
    _same(F.cosine_similarity(mg.tensor(x1), mg.tensor(x2)),
          torch.nn.functional.cosine_similarity(tx1, tx2), rtol=1e-10)
    _same(F.cosine_similarity(mg.tensor(x1), mg.tensor(x1), dim=0),
          torch.nn.functional.cosine_similarity(tx1, tx1, dim=0), rtol=1e-10)
    assert gradcheck(F.normalize, (_x64(3, 4),))
    assert gradcheck(F.cosine_similarity, (_x64(3, 4), _x64(1, 4, seed=1)))
