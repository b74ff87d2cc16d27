"""The nn tail of issue 11 at the module level: layers against PyTorch, nn.Buffer
registration, deprecated aliases, factory_kwargs, and clear errors on bad input.
(Values and gradients of the functional ops are in tests/ops/specs_nn_tail.py.)"""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return a, mg.tensor(a)


@pytest.mark.parametrize("name,args,shape", [
    ("AdaptiveAvgPool3d", ((2, 3, None),), (2, 3, 5, 4, 3)),
    ("AdaptiveMaxPool3d", ((2, 1, 3),), (2, 5, 4, 3)),
    ("LPPool3d", (2, 2), (1, 2, 4, 4, 4)),
    ("MaxPool3d", (2, 1), (1, 2, 3, 4, 3)),
])
def test_3d_pool_modules_match_torch(name, args, shape):
    torch = pytest.importorskip("torch")
    a, x = _pair(shape)
    if name == "LPPool3d":
        a = np.abs(a) + 0.1
        x = mg.tensor(a)
    np.testing.assert_allclose(getattr(nn, name)(*args)(x).numpy(),
                               getattr(torch.nn, name)(*args)(torch.tensor(a)).numpy(),
                               rtol=1e-12, atol=1e-12)


def test_maxpool3d_return_indices_round_trip():
    torch = pytest.importorskip("torch")
    a, x = _pair((2, 3, 4, 6, 4))
    y, idx = nn.MaxPool3d(2, return_indices=True)(x)
    ty, tidx = torch.nn.MaxPool3d(2, return_indices=True)(torch.tensor(a))
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert idx.dtype == mg.int64
    up = nn.MaxUnpool3d(2)(y, idx, output_size=x.shape)
    tup = torch.nn.MaxUnpool3d(2)(ty, tidx, output_size=a.shape)
    np.testing.assert_allclose(up.numpy(), tup.numpy())
    y2, idx2 = nn.AdaptiveMaxPool3d(2, return_indices=True)(x)
    ty2, tidx2 = torch.nn.AdaptiveMaxPool3d(2, return_indices=True)(torch.tensor(a))
    np.testing.assert_array_equal(idx2.numpy(), tidx2.numpy())
    np.testing.assert_allclose(y2.numpy(), ty2.numpy())


def test_pool_indices_pick_nan_like_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((1, 1, 4, 4, 4))
    a[0, 0, 1, 0, 1] = np.nan
    for ours, theirs in [(F.max_pool3d_with_indices(mg.tensor(a), 2),
                          torch.nn.functional.max_pool3d_with_indices(torch.tensor(a), 2)),
                         (F.adaptive_max_pool3d(mg.tensor(a), 3, True),
                          torch.nn.functional.adaptive_max_pool3d(torch.tensor(a), 3, True))]:
        np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
        np.testing.assert_array_equal(np.isnan(ours[0].numpy()), np.isnan(theirs[0].numpy()))


def test_cross_map_lrn2d_forward_matches_torch():
    """PyTorch's forward keeps channel 0 in every later window (Lua Torch's recurrence);
    we follow it. Its backward disagrees with its own forward (gradcheck fails there), so
    only values are compared; our gradient is gradchecked in the spec table."""
    torch = pytest.importorskip("torch")
    for c, size in [(7, 3), (3, 5), (8, 2), (5, 1)]:
        a, x = _pair((2, c, 3, 2), c)
        ours = nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0)(x)
        theirs = torch.nn.CrossMapLRN2d(size, 0.3, 0.75, 2.0)(torch.tensor(a))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="Expected input to be 4D"):
        nn.CrossMapLRN2d(3)(mg.zeros(2, 3, 4))


def test_loss_modules_match_torch():
    torch = pytest.importorskip("torch")
    a, x = _pair((3, 4))
    t = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 0, 0]])
    for red in ("mean", "sum", "none"):
        np.testing.assert_allclose(
            nn.MultiLabelMarginLoss(reduction=red)(x, mg.tensor(t)).numpy(),
            torch.nn.MultiLabelMarginLoss(reduction=red)(torch.tensor(a), torch.tensor(t)).numpy(),
            rtol=1e-12)
    b, y = _pair((3, 4), 1)
    c, z = _pair((3, 4), 2)
    ours = nn.TripletMarginWithDistanceLoss(margin=0.7, swap=True)(x, y, z)
    theirs = torch.nn.TripletMarginWithDistanceLoss(margin=0.7, swap=True)(
        torch.tensor(a), torch.tensor(b), torch.tensor(c))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    logp = F.log_softmax(mg.tensor(np.random.default_rng(3).standard_normal((2, 3, 2, 2))), 1)
    tgt = mg.tensor(np.array([[[0, 1], [2, 1]], [[1, 1], [0, 2]]]))
    with pytest.warns(FutureWarning, match="NLLLoss2d` has been deprecated"):
        ours = nn.NLLLoss2d()(logp, tgt)
    with pytest.warns(FutureWarning):
        theirs = torch.nn.NLLLoss2d()(torch.tensor(logp.numpy()), torch.tensor(tgt.numpy()))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_loss_errors():
    with pytest.raises(RuntimeError, match="out of range"):
        F.multilabel_margin_loss(mg.zeros(2, 3), mg.tensor([[3, -1, 0], [0, 1, 2]]))
    with pytest.raises(RuntimeError, match="same shape"):
        F.multilabel_margin_loss(mg.zeros(2, 3), mg.tensor([[0, -1], [0, 1]]))
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_with_distance_loss(mg.zeros(2), mg.zeros(2), mg.zeros(2), margin=0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.triplet_margin_with_distance_loss(mg.zeros(2, 2), mg.zeros(2), mg.zeros(2))
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        nn.TripletMarginWithDistanceLoss(margin=-1.0)
    with pytest.raises(RuntimeError, match="pdist only supports 2D"):
        F.pdist(mg.zeros(2, 3, 4))


def test_conv_tbc_errors():
    x, w, b = mg.zeros(5, 2, 3), mg.zeros(3, 3, 4), mg.zeros(4)
    assert F.conv_tbc(x, w, b, 2).shape == (7, 2, 4)
    with pytest.raises(RuntimeError, match="Input must have 3 dims"):
        F.conv_tbc(x[0], w, b)
    with pytest.raises(RuntimeError, match="input channels"):
        F.conv_tbc(x, mg.zeros(3, 2, 4), b)
    with pytest.raises(RuntimeError, match="Bias size"):
        F.conv_tbc(x, w, mg.zeros(3))


def test_nn_grad_is_the_functional_grad_and_checks_shapes():
    assert F.grad is nn.grad
    with pytest.raises(RuntimeError, match="grad_output has shape"):
        nn.grad.conv2d_input((1, 2, 4, 4), mg.zeros(3, 2, 2, 2), mg.zeros(1, 3, 2, 2))
    with mg.no_grad():
        g = nn.grad.conv1d_weight(mg.ones(1, 1, 4), (1, 1, 2),
                                  mg.ones(1, 1, 3, requires_grad=True))
    assert not g.requires_grad and g.tolist() == [[[3.0, 3.0]]]


def test_buffer_registers_on_assignment():
    m = nn.Module()
    m.stats = nn.Buffer(mg.ones(3))
    m.scratch = nn.Buffer(mg.zeros(2), persistent=False)
    m.plain = mg.zeros(1)  # a plain Tensor stays an attribute
    assert [n for n, _ in m.named_buffers()] == ["stats", "scratch"]
    assert list(m.state_dict()) == ["stats"]
    assert isinstance(m.stats, nn.Buffer) and m.stats.persistent
    assert nn.Buffer().shape == (0,) and not nn.Buffer(mg.ones(2)).requires_grad
    base = mg.ones(2)
    assert nn.Buffer(base).array is base.array  # shares data, as PyTorch's detach()
    m.stats = mg.zeros(3)  # reassigning a registered name keeps it a buffer
    assert m._buffers["stats"].tolist() == [0.0, 0.0, 0.0]
    m.w = nn.Parameter(mg.ones(1))
    m.w = None
    m.b2 = nn.Module()
    with pytest.raises(TypeError, match="as child module"):  # as PyTorch
        m.b2 = nn.Buffer(mg.ones(1))

    class Early(nn.Module):
        def __init__(self):
            self.b = nn.Buffer(mg.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_deprecated_container_and_factory_kwargs():
    with pytest.warns(FutureWarning, match="nn.Container` is deprecated"):
        c = nn.Container(lin=nn.Linear(2, 3))
    assert list(dict(c.named_children())) == ["lin"]
    assert nn.factory_kwargs(None) == {}
    assert nn.factory_kwargs({"device": "cpu", "factory_kwargs": {"dtype": mg.float32}}) == {
        "device": "cpu", "dtype": mg.float32}
    with pytest.raises(TypeError, match="unexpected kwargs"):
        nn.factory_kwargs({"devise": "cpu"})
    with pytest.raises(TypeError, match="specified twice"):
        nn.factory_kwargs({"dtype": mg.float32, "factory_kwargs": {"dtype": mg.float64}})
    from minigrad.nn.common_types import _size_2_t
    assert _size_2_t is not None


def test_embedding_bag_module_matches_torch():
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(0).standard_normal((8, 3)) * 2
    idx, off = np.array([0, 1, 1, 3, 7, 7]), np.array([0, 2, 2])
    for kw in [{"mode": "sum", "max_norm": 1.0}, {"mode": "max", "padding_idx": 7},
               {"mode": "mean", "include_last_offset": True, "padding_idx": -1}]:
        ours = nn.EmbeddingBag.from_pretrained(mg.tensor(w), freeze=False, **kw)
        theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), freeze=False, **kw)
        assert repr(ours) == repr(theirs).replace("torch", "minigrad")
        y, ty = ours(mg.tensor(idx), mg.tensor(off)), theirs(torch.tensor(idx), torch.tensor(off))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        # max_norm renormalizes the rows used, in place, as PyTorch does
        np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                                   rtol=1e-12)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
    fresh = nn.EmbeddingBag(5, 2, padding_idx=1)
    assert fresh.weight.shape == (5, 2) and fresh.weight[1].tolist() == [0.0, 0.0]
    assert not nn.EmbeddingBag.from_pretrained(mg.ones(3, 2)).weight.requires_grad


def test_embedding_bag_errors():
    w = mg.zeros(10, 3)
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor"):
        F.embedding_bag(mg.tensor([1, 2]), w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(mg.tensor([[1, 2]]), w, mg.tensor([0]))
    with pytest.raises(ValueError, match="input has to be 1D or 2D"):
        F.embedding_bag(mg.tensor([[[1]]]), w)
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0"):
        F.embedding_bag(mg.tensor([1, 2]), w, mg.tensor([1]))
    with pytest.raises(RuntimeError, match=r"offsets\[-1\] can not be greater"):
        F.embedding_bag(mg.tensor([1, 2]), w, mg.tensor([0, 3]))
    with pytest.raises(RuntimeError, match="not in the valid range"):
        F.embedding_bag(mg.tensor([1, 12]), w, mg.tensor([0]))
    with pytest.raises(RuntimeError, match="'indices' to have one of the following"):
        F.embedding_bag(mg.tensor([1.0]), w, mg.tensor([0]))
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(mg.tensor([1]), w, mg.tensor([0]), per_sample_weights=mg.ones(1))
    with pytest.raises(ValueError, match="same shape as the input"):
        F.embedding_bag(mg.tensor([1]), w, mg.tensor([0]), mode="sum",
                        per_sample_weights=mg.ones(2))
    with pytest.raises(ValueError, match="mode has to be one of"):
        F.embedding_bag(mg.tensor([1]), w, mg.tensor([0]), mode="median")
    with pytest.raises(RuntimeError, match="padding_idx must be within"):
        F.embedding_bag(mg.tensor([1]), w, mg.tensor([0]), padding_idx=10)
    with pytest.raises(ValueError, match="max mode does not support scaling"):
        F.embedding_bag(mg.tensor([1]), w, mg.tensor([0]), mode="max", scale_grad_by_freq=True)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        F.embedding_bag(mg.tensor([1]), w, mg.tensor([0]), sparse=True)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        nn.EmbeddingBag(4, 2, sparse=True)


def test_grid_sample_errors_and_default_warning():
    x, g = mg.zeros(1, 1, 3, 4), mg.zeros(1, 2, 2, 2)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        assert F.grid_sample(x, g).shape == (1, 1, 2, 2)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        assert F.affine_grid(mg.zeros(1, 2, 3), (1, 1, 2, 5)).shape == (1, 2, 5, 2)
    with pytest.warns(UserWarning, match="unit-size grids"):
        F.affine_grid(mg.zeros(1, 2, 3), (1, 1, 1, 5), align_corners=True)
    cases = [
        ({"mode": "cubic"}, ValueError, "expected mode to be 'bilinear'"),
        ({"padding_mode": "wrap"}, ValueError, "expected padding_mode to be 'zeros'"),
    ]
    for kw, err, msg in cases:
        with pytest.raises(err, match=msg):
            F.grid_sample(x, g, align_corners=False, **kw)
    with pytest.raises(RuntimeError, match="size 2 in last dimension"):
        F.grid_sample(x, mg.zeros(1, 2, 2, 3), align_corners=False)
    with pytest.raises(RuntimeError, match="same batch size"):
        F.grid_sample(x, mg.zeros(2, 2, 2, 2), align_corners=False)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.grid_sample(x, mg.zeros(1, 2, 2, 2, 3), align_corners=False)
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D"):
        F.grid_sample(mg.zeros(1, 1, 2, 2, 2), mg.zeros(1, 1, 1, 1, 3), "bicubic",
                      align_corners=False)
    with pytest.raises(NotImplementedError, match="only supports 4D and 5D sizes"):
        F.affine_grid(mg.zeros(1, 2, 3), (1, 1, 3), align_corners=False)
    with pytest.raises(ValueError, match="shape Nx2x3"):
        F.affine_grid(mg.zeros(1, 3, 4), (1, 1, 3, 3), align_corners=False)
    with pytest.raises(ValueError, match="positive output size"):
        F.affine_grid(mg.zeros(1, 2, 3), (1, 1, 0, 3), align_corners=False)
    with pytest.raises(ValueError, match="floating point type"):
        F.affine_grid(mg.zeros(1, 2, 3, dtype=mg.int64), (1, 1, 2, 3), align_corners=False)


def test_identity_affine_grid_resamples_exactly():
    """The identity transform through affine_grid + grid_sample gives the input back."""
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 3, 4, 5)))
    theta = mg.tensor(np.tile(np.eye(2, 3), (2, 1, 1)))
    for align in (True, False):
        for mode in ("bilinear", "nearest", "bicubic"):
            y = F.grid_sample(x, F.affine_grid(theta, x.shape, align), mode,
                              align_corners=align)
            np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-12)


def test_ctc_loss_module_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 3, 5))
    cases = [  # padded targets, concatenated targets, empty target, impossible alignment
        (np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]]), [7, 5, 6], [3, 2, 3]),
        (np.array([1, 2, 2, 3, 1, 4]), [7, 5, 3], [3, 2, 1]),
        (np.array([[1, 2, 2], [3, 1, 0], [4, 4, 4]]), [7, 1, 4], [3, 2, 0]),
    ]
    for tg, il, tl in cases:
        for red in ("none", "mean", "sum"):
            for zi in (False, True):
                ours = nn.CTCLoss(0, red, zi)(F.log_softmax(mg.tensor(x), 2), mg.tensor(tg),
                                              mg.tensor(il), mg.tensor(tl))
                theirs = torch.nn.CTCLoss(0, red, zi)(
                    torch.log_softmax(torch.tensor(x), 2), torch.tensor(tg),
                    torch.tensor(il), torch.tensor(tl))
                np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    # unbatched (T, C) input with int lengths
    ours = F.ctc_loss(F.log_softmax(mg.tensor(x[:, 0]), 1), mg.tensor([1, 2]), mg.tensor(6),
                      mg.tensor(2), reduction="none")
    theirs = torch.nn.functional.ctc_loss(torch.log_softmax(torch.tensor(x[:, 0]), 1),
                                          torch.tensor([1, 2]), torch.tensor(6),
                                          torch.tensor(2), reduction="none")
    assert ours.shape == () and np.allclose(ours.numpy(), theirs.numpy())


def test_ctc_zero_infinity_gives_zero_gradient():
    x = mg.tensor(np.random.default_rng(1).standard_normal((3, 1, 4)), requires_grad=True)
    loss = F.ctc_loss(F.log_softmax(x, 2), mg.tensor([[1, 2, 3]]), [1], [3],
                      zero_infinity=True, reduction="sum")
    loss.backward()
    assert loss.item() == 0.0 and np.all(x.grad.numpy() == 0)
    assert F.ctc_loss(F.log_softmax(x, 2), mg.tensor([[1, 2, 3]]), [1], [3]).item() == np.inf


def test_ctc_errors():
    lp = mg.zeros(6, 2, 4)
    t = mg.tensor([[1, 2, 2], [3, 1, 0]])
    with pytest.raises(RuntimeError, match="size at least 4 at dimension 1"):
        F.ctc_loss(lp, t, [6, 5], [3, 4])
    with pytest.raises(RuntimeError, match="input_lengths to have value at most 6"):
        F.ctc_loss(lp, t, [7, 5], [3, 2])
    with pytest.raises(RuntimeError, match="input_lengths must be of size batch_size"):
        F.ctc_loss(lp, t, [6], [3, 2])
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(lp, t, [6, 5], [3, 2], blank=4)
    with pytest.raises(RuntimeError, match="at least 0"):
        F.ctc_loss(lp, t, [6, -1], [3, 2])
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.ctc_loss(lp, t, [6, 5], [3, 2], reduction="avg")


def test_adaptive_log_softmax_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0,
                                                 head_bias=True).double()
    ours = nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 6], div_value=2.0, head_bias=True,
                                         dtype=mg.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x, tg = np.random.default_rng(0).standard_normal((5, 8)), np.array([0, 4, 9, 2, 7])
    out, loss = ours(mg.tensor(x), mg.tensor(tg))
    tout, tloss = theirs(torch.tensor(x), torch.tensor(tg))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    loss.backward()
    tloss.backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-14, err_msg=name)
    np.testing.assert_allclose(ours.log_prob(mg.tensor(x)).detach().numpy(),
                               theirs.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    np.testing.assert_array_equal(ours.predict(mg.tensor(x)).numpy(),
                                  theirs.predict(torch.tensor(x)).numpy())
    one = ours(mg.tensor(x[1]), mg.tensor(tg[1]))
    assert one.output.shape == () and np.isclose(one.output.item(), tout[1].item())


def test_adaptive_log_softmax_gradcheck_and_errors():
    from minigrad.autograd import gradcheck

    m = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2, 4], div_value=2.0, dtype=mg.float64)
    x = mg.tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)
    target = mg.tensor([5, 0, 3])  # one row per cluster and one in the shortlist
    assert gradcheck(lambda a: m(a, target).output, [x])
    assert gradcheck(lambda a: m.log_prob(a), [x])
    with pytest.raises(ValueError, match="sorted in an increasing order"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 6, [4, 2], div_value=2.0)
    with pytest.raises(ValueError, match="length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 6, [], div_value=2.0)
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 5\]"):
        m(x, mg.tensor([6, 0, 1]))
    with pytest.raises(RuntimeError, match="same size in the batch"):
        m(x, mg.tensor([1, 0]))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        m(x, mg.tensor([[1]]))


def test_linear_cross_entropy_module_and_options():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5))
    probs = rng.dirichlet(np.ones(3), size=(4, 2)).transpose(0, 2, 1)  # (N, C, d_1)
    theirs = torch.nn.LinearCrossEntropyLoss(5, 3, out_features=(2,), bias=True).double()
    ours = nn.LinearCrossEntropyLoss(5, 3, out_features=(2,), bias=True,
                                     options=nn.LinearCrossEntropyOptions(batch_chunk_size=2))
    ours.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert repr(ours).split("options")[0] == repr(theirs).split("options")[0]
    for tgt in (np.array([[0, 2], [1, 1], [2, 0], [0, 0]]), probs):
        y = ours(mg.tensor(x), mg.tensor(tgt))
        ty = theirs(torch.tensor(x), torch.tensor(tgt))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="ignore_index cannot be specified"):
        F.linear_cross_entropy(mg.tensor(x), mg.zeros(3, 5), mg.tensor(probs[:, :, 0]),
                               ignore_index=1)
    with pytest.raises(RuntimeError, match="requires batched input"):
        F.linear_cross_entropy(mg.zeros(5), mg.zeros(3, 2, 5), mg.tensor([[0, 1]]))
    with pytest.raises(RuntimeError, match="equal input and linear_weight last dimensions"):
        F.linear_cross_entropy(mg.zeros(2, 5), mg.zeros(3, 4), mg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="expected linear_bias shape"):
        F.linear_cross_entropy(mg.zeros(2, 5), mg.zeros(3, 5), mg.tensor([0, 1]),
                               linear_bias=mg.zeros(2))
    with pytest.raises(ValueError, match="invalid acc_policy"):
        nn.LinearCrossEntropyOptions(acc_policy="fast")
    with pytest.raises(ValueError, match="invalid chunking_method"):
        nn.LinearCrossEntropyOptions(chunking_method="rows")
    with pytest.raises(ValueError, match="batch_chunk_size must be positive"):
        nn.LinearCrossEntropyOptions(batch_chunk_size=0)
    with pytest.raises(RuntimeError, match="label_smoothing to be in range"):
        nn.LinearCrossEntropyLoss(5, 3, label_smoothing=2.0)


def test_fractional_max_pool_modules():
    torch = pytest.importorskip("torch")
    a, x = _pair((2, 3, 9, 11))
    u = np.random.default_rng(5).random((2, 3, 2))
    ours = nn.FractionalMaxPool2d((3, 2), output_ratio=(0.5, 0.6), return_indices=True,
                                  _random_samples=mg.tensor(u))(x)
    theirs = torch.nn.FractionalMaxPool2d((3, 2), output_ratio=(0.5, 0.6), return_indices=True,
                                          _random_samples=torch.tensor(u))(torch.tensor(a))
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy())
    # without samples: drawn from minigrad's generator (reproducible under manual_seed)
    pool = nn.FractionalMaxPool3d(2, output_size=(2, 3, 2))
    mg.manual_seed(3)
    y1 = pool(mg.tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 6, 5))))
    mg.manual_seed(3)
    y2 = pool(mg.tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 6, 5))))
    assert y1.shape == (1, 2, 2, 3, 2) and np.array_equal(y1.numpy(), y2.numpy())
    with pytest.raises(ValueError, match="either an output size, or a pooling ratio"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        nn.FractionalMaxPool2d(2, 3, 0.5)
    with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
        nn.FractionalMaxPool3d(2, output_ratio=1.5)
    with pytest.raises(RuntimeError, match="pool height 3 too large relative to input height"):
        F.fractional_max_pool2d(mg.zeros(1, 1, 4, 8), 3, (3, 2))
    with pytest.raises(ValueError, match="either an output_size or an output_ratio"):
        F.fractional_max_pool2d(mg.zeros(1, 1, 4, 8), 3)


def test_embedding_max_norm_and_scale_grad_by_freq_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w = rng.standard_normal((8, 3)) * 2
    idx = np.array([[1, 2, 1], [7, 1, 3]])
    for kw in [{"max_norm": 1.0}, {"scale_grad_by_freq": True},
               {"max_norm": 1.5, "norm_type": 1.0, "scale_grad_by_freq": True, "padding_idx": 2}]:
        ours = nn.Embedding.from_pretrained(mg.tensor(w), freeze=False, **kw)
        theirs = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=False, **kw)
        assert repr(ours) == repr(theirs)
        y, ty = ours(mg.tensor(idx)), theirs(torch.tensor(idx))
        g = rng.standard_normal(ty.shape)
        (y * mg.tensor(g)).sum().backward()
        (ty * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(),
                                   rtol=1e-12)  # max_norm renormalized the used rows
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                                   rtol=1e-12)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        nn.Embedding(4, 2, sparse=True)


def test_embedding_bag_scale_grad_by_freq():
    """Each row's gradient divided by its index's count in the input (PyTorch's documented
    rule; its CPU embedding_bag kernel divides by another index's count, so the plain
    gradient is the reference here)."""
    w = np.random.default_rng(0).standard_normal((8, 2))
    idx, off = np.array([1, 2, 1, 3, 1, 7, 7]), np.array([0, 3, 3])
    counts = np.bincount(idx, minlength=8)[:, None]
    for mode in ("sum", "mean"):
        plain = mg.tensor(w, requires_grad=True)
        scaled = mg.tensor(w, requires_grad=True)
        F.embedding_bag(mg.tensor(idx), plain, mg.tensor(off), mode=mode).sum().backward()
        y = F.embedding_bag(mg.tensor(idx), scaled, mg.tensor(off), mode=mode,
                            scale_grad_by_freq=True)
        y.sum().backward()
        np.testing.assert_allclose(scaled.grad.numpy(),
                                   plain.grad.numpy() / np.maximum(counts, 1), rtol=1e-12)


def test_hardshrink_and_prelu_are_tensor_methods_matching_torch():
    """``x.hardshrink(lambd)`` and ``x.prelu(weight)`` exist as in PyTorch and equal the
    ``F.`` forms; values and gradients against torch when it is installed."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 4))
    w = np.array([0.1, -0.2, 0.3])
    x, wm = mg.tensor(a, requires_grad=True), mg.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(a, requires_grad=True), torch.tensor(w, requires_grad=True)
    out = x.hardshrink(0.4) + x.prelu(wm)
    ref = xt.hardshrink(0.4) + xt.prelu(wt)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=0, atol=0)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(wm.grad.numpy(), wt.grad.numpy(), rtol=1e-15, atol=0)
