"""Convolution and pooling: functional ops and layers against PyTorch (values and every
gradient), state_dict layout, default init, double backward, error messages.

The op-level gradchecks live in tests/ops/specs_conv.py."""
import math
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd import gradcheck
from minigrad.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(shape, seed=0, distinct=False):
    """The same float64 data as a minigrad and a torch leaf."""
    rng = np.random.default_rng(seed)
    if distinct:
        a = (rng.permutation(int(np.prod(shape))) + rng.uniform(0, 0.5, shape).ravel())
        a = a.reshape(shape) / a.size
    else:
        a = rng.standard_normal(shape)
    return mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _check(fm, ft, shapes, seed=0, distinct=False, atol=1e-10):
    """Forward and the gradient of every input agree with torch (float64)."""
    ours, theirs = zip(*[_pair(s, seed + i, distinct and i == 0) for i, s in enumerate(shapes)])
    y = fm(*ours)
    with warnings.catch_warnings():  # torch warns about even 'same' kernels
        warnings.simplefilter("ignore")
        ty = ft(*theirs)
    if isinstance(y, tuple):
        np.testing.assert_array_equal(y[1].numpy(), ty[1].numpy())
        y, ty = y[0], ty[0]
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=atol)
    g = np.random.default_rng(seed + 99).standard_normal(tuple(y.shape))
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=atol)


CONV2D = [
    ((2, 3, 6, 7), (4, 3, 3, 3), {}),
    ((2, 4, 7, 6), (6, 2, 3, 2), {"stride": 2, "padding": 1, "dilation": (2, 1), "groups": 2}),
    ((1, 3, 8, 5), (3, 1, 2, 2), {"stride": (3, 1), "padding": (2, 0), "groups": 3}),
    ((2, 2, 5, 6), (4, 2, 4, 3), {"padding": "same", "dilation": (1, 2)}),
    ((2, 2, 5, 6), (4, 2, 3, 3), {"padding": "valid"}),
    ((3, 5, 4), (2, 3, 3, 3), {"padding": 1}),  # unbatched
]


@pytest.mark.parametrize("xs,ws,kw", CONV2D)
def test_conv2d_matches_torch(xs, ws, kw):
    _check(lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: TF.conv2d(x, w, b, **kw),
           [xs, ws, (ws[0],)])


@pytest.mark.parametrize("kw", [{"stride": 2, "padding": 1}, {"padding": "same", "dilation": 3},
                                {"groups": 2, "stride": 3}])
def test_conv1d_matches_torch(kw):
    _check(lambda x, w, b: F.conv1d(x, w, b, **kw), lambda x, w, b: TF.conv1d(x, w, b, **kw),
           [(2, 4, 11), (6, 4 // kw.get("groups", 1), 4), (6,)])


@pytest.mark.parametrize("xs,ws,kw", [
    ((2, 4, 3, 4), (4, 3, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((2, 4, 3, 3), (4, 2, 2, 3), {"stride": (2, 3), "padding": (0, 1), "output_padding": (1, 2),
                                      "groups": 2, "dilation": (1, 2)}),
    ((2, 2, 4, 3), (2, 3, 3, 3), {"dilation": 2, "output_padding": 1, "stride": 1}),
    ((4, 3, 3), (4, 2, 3, 3), {"stride": 2}),  # unbatched
])
def test_conv_transpose2d_matches_torch(xs, ws, kw):
    co = ws[1] * kw.get("groups", 1)
    _check(lambda x, w, b: F.conv_transpose2d(x, w, b, **kw),
           lambda x, w, b: TF.conv_transpose2d(x, w, b, **kw), [xs, ws, (co,)])


def test_conv_transpose1d_matches_torch():
    kw = {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}
    _check(lambda x, w: F.conv_transpose1d(x, w, **kw),
           lambda x, w: TF.conv_transpose1d(x, w, **kw), [(2, 4, 5), (4, 3, 3)])


@pytest.mark.parametrize("kw", [
    {"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1), "dilation": (1, 2),
     "ceil_mode": True},
    {"kernel_size": 3, "stride": 1, "dilation": 2, "return_indices": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "return_indices": True},
])
def test_max_pool2d_matches_torch(kw):
    _check(lambda x: F.max_pool2d(x, **kw), lambda x: TF.max_pool2d(x, **kw), [(2, 3, 7, 8)],
           distinct=True)


def test_max_pool1d_matches_torch():
    kw = {"kernel_size": 3, "stride": 2, "padding": 1, "return_indices": True}
    _check(lambda x: F.max_pool1d(x, **kw), lambda x: TF.max_pool1d(x, **kw), [(2, 3, 10)],
           distinct=True)


def test_max_pool_ties_route_to_first_maximum():
    """Equal values: the gradient goes to the first maximum of each window (PyTorch CPU),
    including overlapping windows and padding."""
    for kw in ({"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1}):
        x = mg.ones(1, 2, 4, 4, requires_grad=True)
        tx = torch.ones(1, 2, 4, 4, requires_grad=True)
        y, i = F.max_pool2d(x, return_indices=True, **kw)
        ty, ti = TF.max_pool2d(tx, return_indices=True, **kw)
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("kw", [
    {"kernel_size": 2}, {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False, "ceil_mode": True},
    {"kernel_size": (2, 3), "stride": 1, "padding": (1, 0), "divisor_override": 4},
])
def test_avg_pool2d_matches_torch(kw):
    _check(lambda x: F.avg_pool2d(x, **kw), lambda x: TF.avg_pool2d(x, **kw), [(2, 3, 7, 8)])


def test_avg_pool1d_matches_torch():
    kw = {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True,
          "count_include_pad": False}
    _check(lambda x: F.avg_pool1d(x, **kw), lambda x: TF.avg_pool1d(x, **kw), [(2, 3, 10)])


@pytest.mark.parametrize("size", [1, 2, (3, 5), (None, 4), (7, 8), (5, None)])
def test_adaptive_avg_pool2d_matches_torch(size):
    _check(lambda x: F.adaptive_avg_pool2d(x, size), lambda x: TF.adaptive_avg_pool2d(x, size),
           [(2, 3, 7, 8)])


@pytest.mark.parametrize("kw", [
    {"scale_factor": 2}, {"size": (5, 11)}, {"scale_factor": (1.5, 0.5)},
    {"scale_factor": 2, "mode": "bilinear"}, {"size": (3, 9), "mode": "bilinear"},
    {"size": (8, 3), "mode": "bilinear", "align_corners": True},
    {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True},
])
def test_interpolate_matches_torch(kw):
    _check(lambda x: F.interpolate(x, **kw), lambda x: TF.interpolate(x, **kw), [(2, 3, 4, 6)])


@pytest.mark.parametrize("kw", [{"scale_factor": 3}, {"size": 5},
                                {"scale_factor": 2.5, "mode": "linear"},
                                {"size": 9, "mode": "linear", "align_corners": True}])
def test_interpolate_1d_matches_torch(kw):
    _check(lambda x: F.interpolate(x, **kw), lambda x: TF.interpolate(x, **kw), [(2, 3, 4)])


def test_conv_double_backward_matches_torch():
    """A gradient penalty differentiates through conv's backward (no once_differentiable)."""
    (x, tx), (w, tw) = _pair((2, 3, 6, 6), 1), _pair((4, 3, 3, 3), 2)
    gx, = mg.autograd.grad(F.max_pool2d(F.conv2d(x, w, stride=2, padding=1).tanh(), 2).sum(), x,
                           create_graph=True)
    tgx, = torch.autograd.grad(TF.max_pool2d(TF.conv2d(tx, tw, stride=2, padding=1).tanh(), 2)
                               .sum(), tx, create_graph=True)
    np.testing.assert_allclose(gx.detach().numpy(), tgx.detach().numpy(), atol=1e-10)
    (gx ** 2).sum().backward()
    (tgx ** 2).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-10)


def test_float32_stays_float32():
    x = mg.randn(2, 3, 8, 8)
    w = mg.randn(4, 3, 3, 3, requires_grad=True)
    for y in (F.conv2d(x, w, padding=1), F.max_pool2d(x, 2), F.avg_pool2d(x, 3),
              F.adaptive_avg_pool2d(x, 3), F.interpolate(x, scale_factor=1.5, mode="bilinear"),
              F.conv_transpose2d(x.transpose(0, 1)[:, :3].transpose(0, 1)[:, :3], w[:3], stride=2)):
        assert y.dtype == mg.float32
    F.conv2d(x, w).sum().backward()
    assert w.grad.dtype == mg.float32


def test_any_memory_layout():
    """Inputs in any memory order (e.g. the batch-last conv outputs) give the same results."""
    x, _ = _pair((2, 3, 5, 6))
    xt = mg.tensor(np.ascontiguousarray(x.detach().numpy().transpose(3, 1, 0, 2)))
    xt = xt.permute(2, 1, 3, 0)
    w = mg.tensor(np.random.default_rng(1).standard_normal((4, 3, 3, 3)))
    for f in (lambda a: F.conv2d(a, w, padding=1), lambda a: F.max_pool2d(a, 2, padding=1),
              lambda a: F.avg_pool2d(a, 3, stride=1)):
        np.testing.assert_allclose(f(xt).numpy(), f(x.detach()).numpy(), atol=1e-12)


def test_empty_batch():
    x = mg.randn(0, 3, 8, 8, requires_grad=True)
    w = mg.randn(4, 3, 3, 3, requires_grad=True)
    y = F.max_pool2d(F.conv2d(x, w, padding=1), 2)
    assert tuple(y.shape) == (0, 4, 4, 4)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 8, 8)
    assert not w.grad.numpy().any()


# ---- layers --------------------------------------------------------------------------------
def _load_from_torch(m, tm):
    m.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


@pytest.mark.parametrize("make", [
    lambda M: M.Conv2d(4, 6, 3, stride=2, padding=1, groups=2),
    lambda M: M.Conv2d(4, 6, (3, 2), padding="same", dilation=2, bias=False),
    lambda M: M.Conv2d(4, 2, 3, padding=1, padding_mode="reflect"),
    lambda M: M.Conv2d(4, 2, 3, padding=(1, 2), padding_mode="circular"),
    lambda M: M.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
])
def test_conv_layers_match_torch(make):
    torch.manual_seed(0)
    m, tm = make(nn).double(), make(torch.nn).double()
    assert list(m.state_dict()) == list(tm.state_dict())
    for (k, v), (tk, tv) in zip(m.state_dict().items(), tm.state_dict().items()):
        assert tuple(v.shape) == tuple(tv.shape), k
    _load_from_torch(m, tm)
    x, tx = _pair((2, 4, 6, 7))
    y, ty = m(x), tm(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-10)
    g = np.random.default_rng(3).standard_normal(tuple(y.shape))
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-10)
    for (k, p), tp in zip(m.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-10, err_msg=k)
    assert repr(m) == repr(tm)


def test_conv1d_layer_and_transpose_output_size():
    torch.manual_seed(0)
    m, tm = nn.Conv1d(3, 5, 4, stride=2, padding="valid").double(), \
        torch.nn.Conv1d(3, 5, 4, stride=2, padding="valid").double()
    _load_from_torch(m, tm)
    x, tx = _pair((2, 3, 9))
    np.testing.assert_allclose(m(x).detach().numpy(), tm(tx).detach().numpy(), atol=1e-10)
    t, tt = nn.ConvTranspose2d(3, 2, 3, stride=2).double(), \
        torch.nn.ConvTranspose2d(3, 2, 3, stride=2).double()
    _load_from_torch(t, tt)
    x, tx = _pair((1, 3, 4, 5))
    y, ty = t(x, output_size=[10, 12]), tt(tx, output_size=[10, 12])
    assert tuple(y.shape) == (1, 2, 10, 12)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-10)
    with pytest.raises(ValueError, match="valid sizes range from 9 to 10"):
        t(x, output_size=(11, 11))
    t1 = nn.ConvTranspose1d(2, 3, 3, stride=2)
    assert tuple(t1(mg.randn(1, 2, 4), output_size=[10]).shape) == (1, 3, 10)


def test_conv_layers_gradcheck():
    """float64 gradcheck of a layer's input and parameters."""
    for m, shape in ((nn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2), (2, 2, 5, 5)),
                     (nn.ConvTranspose2d(2, 3, 2, stride=2), (1, 2, 3, 2)),
                     (nn.Conv1d(2, 2, 3, padding="same", padding_mode="replicate"), (2, 2, 5))):
        m.double()
        x = mg.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
        assert gradcheck(lambda x, *p, m=m: m(x), (x, *m.parameters()))


def test_conv_default_init_like_torch():
    """kaiming_uniform_(a=sqrt(5)) -> U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias the same bound."""
    for m, fan_in in ((nn.Conv2d(16, 64, 5), 16 * 25), (nn.Conv2d(16, 64, 3, groups=4), 4 * 9),
                      (nn.ConvTranspose2d(16, 64, 3, groups=2), 32 * 9)):
        bound = 1 / math.sqrt(fan_in)
        w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
        assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
        assert np.abs(b).max() <= bound
        assert m.weight.dtype == mg.float32


def test_pool_layers():
    x, tx = _pair((2, 3, 7, 8), distinct=True)
    for make in (lambda M: M.MaxPool2d(3, 2, 1), lambda M: M.MaxPool2d(2, ceil_mode=True),
                 lambda M: M.AvgPool2d(3, 2, 1, count_include_pad=False),
                 lambda M: M.AdaptiveAvgPool2d((3, None)),
                 lambda M: M.Upsample(scale_factor=2, mode="bilinear")):
        m, tm = make(nn), make(torch.nn)
        np.testing.assert_allclose(m(x).detach().numpy(), tm(tx).detach().numpy(), atol=1e-12)
        assert list(m.state_dict()) == []
    _, i = nn.MaxPool1d(2, return_indices=True)(x[0])
    _, ti = torch.nn.MaxPool1d(2, return_indices=True)(tx[0])
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    x1, tx1 = _pair((2, 3, 9))
    for make in (lambda M: M.AvgPool1d(3, 2, 1), lambda M: M.AdaptiveAvgPool1d(4)):
        np.testing.assert_allclose(make(nn)(x1).detach().numpy(),
                                   make(torch.nn)(tx1).detach().numpy(), atol=1e-12)


def test_lenet_step_matches_torch():
    """conv-relu-pool x2 + linear, one SGD step: the same loss and updated weights."""
    def build(M):
        return M.Sequential(M.Conv2d(1, 6, 5, padding=2), M.ReLU(), M.MaxPool2d(2),
                            M.Conv2d(6, 16, 5), M.ReLU(), M.MaxPool2d(2), M.Flatten(),
                            M.Linear(16 * 4 * 4, 10))
    torch.manual_seed(0)
    tm, m = build(torch.nn).double(), build(nn).double()
    _load_from_torch(m, tm)
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 1, 24, 24)), rng.integers(0, 10, 4)
    loss = nn.CrossEntropyLoss()(m(mg.tensor(x)), mg.tensor(t))
    tloss = torch.nn.CrossEntropyLoss()(tm(torch.tensor(x)), torch.tensor(t))
    loss.backward()
    tloss.backward()
    assert abs(loss.item() - tloss.item()) < 1e-10
    for (k, p), tp in zip(m.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), atol=1e-10, err_msg=k)


# ---- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize("call,exc,match", [
    (lambda: F.conv2d(mg.randn(3, 4), mg.randn(2, 3, 1, 1)), RuntimeError,
     (r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: "
     r"\[3, 4\]")),
    (lambda: F.conv2d(mg.randn(1, 5, 8, 8), mg.randn(4, 3, 3, 3)), RuntimeError,
     r"weight of size \[4, 3, 3, 3\], expected input\[1, 5, 8, 8\] to have 3 channels, but got 5"),
    (lambda: F.conv2d(mg.randn(1, 4, 8, 8), mg.randn(3, 2, 3, 3), groups=2), RuntimeError,
     r"Given groups=2, expected weight to be divisible by 2 at dimension 0"),
    (lambda: F.conv2d(mg.randn(1, 3, 2, 2), mg.randn(4, 3, 3, 3)), RuntimeError,
     (r"padded input size per channel: \(2 x 2\). Kernel size: \(3 x 3\). Kernel size can't"
     r" be greater than actual input size")),
    (lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3), padding="full"), ValueError,
     r"Invalid padding string 'full', should be one of \{'valid', 'same'\}"),
    (lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3), padding="same", stride=2),
     ValueError, r"padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3), mg.randn(3)), RuntimeError,
     r"expected bias to be 1-dimensional with 4 elements, but got bias of size \[3\]"),
    (lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3).double()), RuntimeError,
     r"same dtype, but got input minigrad.float32, weight minigrad.float64"),
    (lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3, 3), stride=0), RuntimeError,
     r"non-positive stride"),
    (lambda: F.conv1d(mg.randn(1, 3, 5, 5), mg.randn(4, 3, 3)), RuntimeError,
     r"Expected 2D \(unbatched\) or 3D \(batched\) input to conv1d"),
    (lambda: F.conv_transpose2d(mg.randn(1, 3, 5, 5), mg.randn(4, 2, 3, 3)), RuntimeError,
     r"expected input\[1, 3, 5, 5\] to have 4 channels, but got 3 channels instead"),
    (lambda: F.conv_transpose2d(mg.randn(1, 4, 5, 5), mg.randn(4, 2, 3, 3), output_padding=1),
     RuntimeError, r"output padding must be smaller than either stride or dilation"),
    (lambda: F.conv_transpose2d(mg.randn(1, 4, 5, 5), mg.randn(4, 2, 3, 3), padding="same"),
     TypeError, r"padding must be an int or a tuple of ints, got 'same'"),
    (lambda: F.max_pool2d(mg.randn(4, 4), 2), RuntimeError,
     r"expected a non-empty 3D \(unbatched\) or 4D \(batched\) input"),
    (lambda: F.max_pool2d(mg.randn(1, 1, 4, 4), 2, padding=2), RuntimeError,
     r"pad should be at most half of effective kernel size"),
    (lambda: F.max_pool2d(mg.randn(1, 1, 2, 2), 3), RuntimeError,
     r"calculated output size \[0, 0\] is too small"),
    (lambda: F.avg_pool2d(mg.randn(1, 1, 4, 4), 2, divisor_override=0), RuntimeError,
     r"divisor must be not zero"),
    (lambda: F.max_pool1d(mg.ones(1, 1, 4, dtype=mg.int64), 2), RuntimeError,
     r"expected a floating point input, got"),
    (lambda: F.interpolate(mg.randn(1, 1, 4, 4), scale_factor=2, mode="bicubic"),
     NotImplementedError, r"mode 'bicubic' is not supported"),
    (lambda: F.interpolate(mg.randn(1, 1, 4, 4), scale_factor=2, mode="cubic"), ValueError,
     r"unknown mode 'cubic'"),
    (lambda: F.interpolate(mg.randn(1, 1, 4, 4), scale_factor=2, mode="linear"), ValueError,
     r"got 4D input, but linear mode needs 3D input"),
    (lambda: F.interpolate(mg.randn(1, 1, 4, 4), size=3, scale_factor=2), ValueError,
     r"only one of size or scale_factor should be defined"),
    (lambda: F.interpolate(mg.randn(1, 1, 4, 4), size=3, align_corners=True), ValueError,
     r"align_corners option can only be set with the interpolating modes"),
    (lambda: F.adaptive_avg_pool2d(mg.randn(1, 1, 4, 4), (2, 0)), RuntimeError,
     r"elements of output_size must be greater than zero"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, r"out_channels \(6\) must be divisible"),
    (lambda: nn.Conv2d(3, 6, 3, groups=2), ValueError, r"in_channels \(3\) must be divisible"),
    (lambda: nn.Conv2d(3, 6, 3, padding_mode="mirror"), ValueError,
     r"padding_mode must be one of \['zeros', 'reflect', 'replicate', 'circular'\]"),
    (lambda: nn.ConvTranspose2d(3, 6, 3, padding_mode="reflect"), ValueError,
     r'Only "zeros" padding mode is supported for ConvTranspose2d'),
    (lambda: nn.Conv2d(3, 6, 3, padding="same", stride=2), ValueError,
     r"padding='same' is not supported for strided convolutions"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
