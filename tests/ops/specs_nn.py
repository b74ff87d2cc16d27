"""Specs for the ``nn.functional`` composites added with the nn long tail (activations,
normalizations, fold/unfold, padding, pooling): float64 gradcheck, gradgradcheck and the
PyTorch comparison through the shared table."""
import numpy as np

import minigrad.nn.functional as F

from .specs import OpSpec, away_from, distinct

U = [((3, 4),), ((),), ((2, 3, 5),)]


def _t(name, *args, **kw):
    """A torch.nn.functional function (torch is imported lazily: it is optional)."""

    def fn(*xs):
        import torch.nn.functional as tF

        return getattr(tF, name)(*xs, *args, **kw)

    return fn


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _rms(a, w, k, eps):
    dims = tuple(range(a.ndim - k, a.ndim))
    return a / np.sqrt((a * a).mean(dims, keepdims=True) + eps) * w


def _inorm(a, w, b, eps=1e-5):
    dims = tuple(range(2, a.ndim))
    cs = (1, -1) + (1,) * (a.ndim - 2)
    y = (a - a.mean(dims, keepdims=True)) / np.sqrt(a.var(dims, keepdims=True) + eps)
    return y * w.reshape(cs) + b.reshape(cs)


def _lrn(a, size, alpha=1e-4, beta=0.75, k=1.0):
    c = a.shape[1]
    sq = np.pad(a * a, [(0, 0), (size // 2, (size - 1) // 2)] + [(0, 0)] * (a.ndim - 2))
    acc = sum(sq[:, i:i + c] for i in range(size))
    return a / (k + alpha * acc / size) ** beta


def _unfold_ref(a, k, s=1, p=0):
    n, c, h, w = a.shape
    a = np.pad(a, [(0, 0), (0, 0), (p, p), (p, p)])
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    cols = [a[:, :, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s]
            for i in range(k) for j in range(k)]
    return np.stack(cols, 2).reshape(n, c * k * k, oh * ow)


def _fold_ref(a, size, k, s=1, p=0):
    n, ck, _ = a.shape
    c, (h, w) = ck // (k * k), size
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    out = np.zeros((n, c, h + 2 * p, w + 2 * p))
    blocks = a.reshape(n, c, k, k, oh, ow)
    for i in range(k):
        for j in range(k):
            out[:, :, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s] += blocks[:, :, i, j]
    return out[:, :, p:p + h, p:p + w]


_SIGNS = np.array([1.0, -1.0, 1.0, -1.0, -1.0])
_BITS = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0]])
_CLASSES = np.array([0, 3, 1])


def _mt(a, like=None):  # constant targets on both sides, on the inputs' device
    import minigrad as mg
    return mg.tensor(a, device=None if like is None else like.device)


def _tt(a):
    import torch
    return torch.tensor(a)


def _loss_spec(name, args, shapes, kw=None, domain=(-2.0, 2.0), **extra):
    """A loss whose trailing arguments are constants (targets), the same for both sides."""
    kw = kw or {}
    return OpSpec(name, lambda *xs: getattr(F, name)(*xs, *[_mt(a, xs[0]) for a in args], **kw),
                  None,
                  shapes, domain=domain,
                  torch_fn=lambda *xs: _t(name, *[_tt(a) for a in args], **kw)(*xs), **extra)


SPECS = [
    _loss_spec("margin_ranking_loss", (_SIGNS,), [((5,), (5,))], {"margin": 0.3},
               domain=away_from([-0.3, 0.3, 0.0])),
    _loss_spec("hinge_embedding_loss", (_SIGNS,), [((5,),)], {"margin": 0.5, "reduction": "sum"},
               domain=away_from([0.5])),
    _loss_spec("soft_margin_loss", (_SIGNS,), [((5,),)]),
    _loss_spec("cosine_embedding_loss", (_SIGNS,), [((5, 4), (5, 4))], {"margin": -1.0}),
    OpSpec("triplet_margin_loss", lambda a, p, n: F.triplet_margin_loss(a, p, n, 3.0, swap=True),
           None, [((3, 4), (3, 4), (3, 4))],
           torch_fn=_t("triplet_margin_loss", 3.0, swap=True)),
    _loss_spec("poisson_nll_loss", (np.array([0.0, 1.0, 3.0, 2.0]),), [((4,),)],
               {"full": True}),
    OpSpec("gaussian_nll_loss", lambda x, t, v: F.gaussian_nll_loss(x, t, v, full=True), None,
           [((3, 2), (3, 2), (3, 1))], domain=[(-2, 2), (-2, 2), (0.5, 2)],
           torch_fn=_t("gaussian_nll_loss", full=True)),
    _loss_spec("multilabel_soft_margin_loss", (_BITS,), [((3, 4),)]),
    _loss_spec("multi_margin_loss", (_CLASSES,), [((3, 4),)], {"p": 2, "margin": 3.0}),
    OpSpec("pairwise_distance", lambda a, b: F.pairwise_distance(a, b, 3.0), None,
           [((3, 4), (3, 4)), ((4,), (2, 4))], torch_fn=_t("pairwise_distance", p=3.0)),
    OpSpec("pixel_shuffle", lambda x: F.pixel_shuffle(x, 2), None, [((2, 8, 2, 3),)],
           torch_fn=_t("pixel_shuffle", 2)),
    OpSpec("pixel_unshuffle", lambda x: F.pixel_unshuffle(x, 2), None, [((2, 2, 4, 6),)],
           torch_fn=_t("pixel_unshuffle", 2)),
    OpSpec("channel_shuffle", lambda x: F.channel_shuffle(x, 3), None, [((2, 6, 2),)],
           torch_fn=_t("channel_shuffle", 3)),
    OpSpec("lp_pool2d", lambda x: F.lp_pool2d(x, 2, 2), None, [((1, 2, 4, 4),)],
           domain=(0.5, 2.0), torch_fn=_t("lp_pool2d", 2, 2)),
    # 3-D convolution and pooling: no NumPy reference (gradcheck and PyTorch check them)
    OpSpec("conv3d", lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1), None,
           [((1, 2, 3, 4, 3), (2, 2, 2, 2, 2), (2,))],
           torch_fn=lambda x, w, b: _t("conv3d", b, (1, 2, 1), 1)(x, w)),
    OpSpec("conv_transpose3d", lambda x, w: F.conv_transpose3d(x, w, stride=2, padding=1,
                                                               output_padding=1),
           None, [((1, 2, 2, 3, 2), (2, 1, 2, 2, 2))],
           torch_fn=lambda x, w: _t("conv_transpose3d", None, 2, 1, 1)(x, w)),
    OpSpec("max_pool3d", lambda x: F.max_pool3d(x, 2, 1, ceil_mode=True), None,
           [((1, 2, 3, 3, 4),)], domain=distinct(),
           torch_fn=_t("max_pool3d", 2, 1, ceil_mode=True)),
    OpSpec("avg_pool3d", lambda x: F.avg_pool3d(x, 2, 2, 1, count_include_pad=False), None,
           [((1, 2, 3, 3, 4),)], torch_fn=_t("avg_pool3d", 2, 2, 1, count_include_pad=False)),
    OpSpec("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (2, 3)), None,
           [((2, 3, 5, 7),), ((3, 4, 4),)], domain=distinct(),
           torch_fn=_t("adaptive_max_pool2d", (2, 3))),
    OpSpec("adaptive_max_pool1d", lambda x: F.adaptive_max_pool1d(x, 3), None,
           [((2, 3, 7),)], domain=distinct(), torch_fn=_t("adaptive_max_pool1d", 3)),
    OpSpec("unfold", lambda a: F.unfold(a, 2), lambda a: _unfold_ref(a, 2),
           [((2, 3, 4, 5),)], torch_fn=_t("unfold", 2)),
    OpSpec("unfold", lambda a: F.unfold(a, 3, padding=1, stride=2),
           lambda a: _unfold_ref(a, 3, 2, 1), [((1, 2, 5, 6),)],
           torch_fn=_t("unfold", 3, padding=1, stride=2), id="unfold_strided"),
    OpSpec("fold", lambda a: F.fold(a, (4, 5), 2), lambda a: _fold_ref(a, (4, 5), 2),
           [((2, 12, 12),)], torch_fn=_t("fold", (4, 5), 2)),
    OpSpec("fold", lambda a: F.fold(a, (5, 6), 3, padding=1, stride=2),
           lambda a: _fold_ref(a, (5, 6), 3, 2, 1), [((1, 18, 9),)],
           torch_fn=_t("fold", (5, 6), 3, padding=1, stride=2), id="fold_strided"),
    OpSpec("rms_norm", lambda a, w: F.rms_norm(a, (4,), w, 1e-3),
           lambda a, w: _rms(a, w, 1, 1e-3), [((3, 4), (4,)), ((2, 3, 4), (4,))],
           torch_fn=lambda a, w: _t("rms_norm", (4,), w, 1e-3)(a)),
    OpSpec("rms_norm", lambda a: F.rms_norm(a, (3, 4)),
           lambda a: _rms(a, 1.0, 2, np.finfo(np.float64).eps), [((2, 3, 4),)],
           torch_fn=_t("rms_norm", (3, 4)), id="rms_norm_default_eps"),
    OpSpec("instance_norm", lambda a, w, b: F.instance_norm(a, weight=w, bias=b), _inorm,
           [((2, 3, 5), (3,), (3,)), ((2, 3, 4, 3), (3,), (3,))],
           torch_fn=lambda a, w, b: _t("instance_norm", weight=w, bias=b)(a)),
    OpSpec("local_response_norm", lambda a: F.local_response_norm(a, 3, 0.5, 0.75, 1.0),
           lambda a: _lrn(a, 3, 0.5), [((2, 4, 3),), ((2, 5, 2, 3),)],
           torch_fn=_t("local_response_norm", 3, 0.5, 0.75, 1.0)),
    OpSpec("local_response_norm", lambda a: F.local_response_norm(a, 2, 0.3, 0.5, 2.0),
           lambda a: _lrn(a, 2, 0.3, 0.5, 2.0), [((2, 4, 3),)],
           torch_fn=_t("local_response_norm", 2, 0.3, 0.5, 2.0), id="lrn_even"),
    OpSpec("relu6", F.relu6, lambda a: np.clip(a, 0, 6), U, domain=away_from([0, 6], -2, 8),
           torch_fn=_t("relu6")),
    OpSpec("hardsigmoid", F.hardsigmoid, lambda a: np.clip(a / 6 + 0.5, 0, 1), U,
           domain=away_from([-3, 3], -5, 5), torch_fn=_t("hardsigmoid"),
           torch_rtol=1e-7),  # PyTorch's backward multiplies by 1.0f / 6.0f (float32)
    OpSpec("hardswish", F.hardswish, lambda a: a * np.clip(a + 3, 0, 6) / 6, U,
           domain=away_from([-3, 3], -5, 5), torch_fn=_t("hardswish")),
    OpSpec("logsigmoid", F.logsigmoid, lambda a: -np.logaddexp(0, -a), U, domain=(-30, 30),
           torch_fn=_t("logsigmoid"),
           torch_rtol=1e-7),  # PyTorch's float64 gradient is off by 3e-8 relative (measured)
    OpSpec("softsign", F.softsign, lambda a: a / (1 + np.abs(a)), U, domain=away_from([0]),
           torch_fn=_t("softsign")),
    OpSpec("celu", lambda a: F.celu(a, 0.7),
           lambda a: np.where(a > 0, a, 0.7 * np.expm1(np.minimum(a, 0) / 0.7)), U,
           domain=away_from([0]), torch_fn=_t("celu", 0.7),
           torch_rtol=1e-7),  # PyTorch computes 1 / alpha in float32
    OpSpec("prelu", F.prelu, lambda a, w: np.where(a >= 0, a, a * w.reshape(1, 3, 1)),
           [((2, 3, 4), (3,))], domain=[away_from([0]), (0.0, 1.0)], torch_fn=_t("prelu")),
    OpSpec("prelu", F.prelu, lambda a, w: np.where(a >= 0, a, a * w), [((3, 4), (1,)),
                                                                       ((5,), (1,))],
           domain=[away_from([0]), (0.0, 1.0)], torch_fn=_t("prelu"), id="prelu_shared"),
    OpSpec("glu", F.glu, lambda a: a[..., :2] * _sigmoid(a[..., 2:]), [((3, 4),), ((2, 3, 4),)],
           torch_fn=_t("glu")),
    OpSpec("glu", lambda a: F.glu(a, 0), lambda a: a[:2] * _sigmoid(a[2:]), [((4, 3),)],
           torch_fn=_t("glu", 0), id="glu_dim0"),
    OpSpec("softmin", lambda a: F.softmin(a, 1),
           lambda a: np.exp(-a) / np.exp(-a).sum(1, keepdims=True), [((3, 4),), ((2, 3, 5),)],
           torch_fn=_t("softmin", 1)),
    OpSpec("threshold", lambda a: F.threshold(a, 0.3, -2.0), lambda a: np.where(a > 0.3, a, -2.0),
           U, domain=away_from([0.3]), torch_fn=_t("threshold", 0.3, -2.0)),
    OpSpec("tanhshrink", F.tanhshrink, lambda a: a - np.tanh(a), U, torch_fn=_t("tanhshrink")),
    OpSpec("softshrink", lambda a: F.softshrink(a, 0.4),
           lambda a: np.where(a > 0.4, a - 0.4, np.where(a < -0.4, a + 0.4, 0.0)), U,
           domain=away_from([-0.4, 0.4]), torch_fn=_t("softshrink", 0.4)),
    OpSpec("hardshrink", F.hardshrink, lambda a: np.where(np.abs(a) > 0.5, a, 0.0), U,
           domain=away_from([-0.5, 0.5]), torch_fn=_t("hardshrink")),
    OpSpec("rrelu", F.rrelu, lambda a: np.where(a >= 0, a, a * (1 / 8 + 1 / 3) / 2), U,
           domain=away_from([0]), torch_fn=_t("rrelu")),
]
