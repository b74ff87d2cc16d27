"""Specs for the nn / nn.functional tail of issue 11 (3-D and fractional pooling with
indices, unpooling, pdist, multilabel margin, triplet-with-distance, CTC and linear cross
entropy losses, conv_tbc, nn.grad, embedding_bag, grid_sample/affine_grid, CrossMapLRN2d):
float64 gradcheck, gradgradcheck and the PyTorch comparison through the shared table."""
import numpy as np

import minigrad.nn.functional as F
from minigrad import nn

from .specs import OpSpec, distinct


def _t(name, *args, **kw):
    """A torch.nn.functional function (torch is imported lazily: it is optional)."""

    def fn(*xs):
        import torch.nn.functional as tF

        return getattr(tF, name)(*xs, *args, **kw)

    return fn


def _mt(a, like):
    import minigrad as mg
    return mg.tensor(a, device=like.device)


def _tt(a):
    import torch
    return torch.tensor(a)


def _pdist_ref(p):
    def ref(a):
        i, j = np.triu_indices(a.shape[0], 1)
        d = np.abs(a[i] - a[j])
        return d.max(-1) if p == np.inf else (d ** p).sum(-1) ** (1 / p)
    return ref


_LABELS = np.array([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 0, 0]])


def _multilabel_ref(x):
    out = []
    for row, t in zip(x, _LABELS):
        listed = list(t[:list(t).index(-1)] if -1 in t else t)
        out.append(sum(max(0.0, 1 - (row[j] - row[i])) for j in listed
                       for i in range(len(row)) if i not in listed) / len(row))
    return np.mean(out)


def _cos_dist(a, b):
    return 1 - F.cosine_similarity(a, b)


def _grad_spec(name, conv, fixed_shape, stride, padding, shapes, wrt):
    """nn.grad.<name>(...) with the weight (or input) and grad_output as differentiable
    inputs; fixed_shape is the shape of the placeholder argument."""
    def ours(a, go):
        return getattr(nn.grad, name)(fixed_shape, a, go, stride, padding) if wrt == "input" \
            else getattr(nn.grad, name)(a, fixed_shape, go, stride, padding)

    def theirs(a, go):
        import torch.nn as tnn
        return getattr(tnn.grad, name)(fixed_shape, a, go, stride, padding) if wrt == "input" \
            else getattr(tnn.grad, name)(a, fixed_shape, go, stride, padding)

    return OpSpec(f"grad.{name}", ours, None, shapes, torch_fn=theirs)


SPECS = [
    OpSpec("max_pool3d_with_indices",
           lambda x: F.max_pool3d_with_indices(x, 2, (1, 2, 1), 1), None,
           [((1, 2, 3, 4, 3),), ((2, 3, 3, 2),)], domain=distinct(),
           torch_fn=_t("max_pool3d_with_indices", 2, (1, 2, 1), 1)),
    OpSpec("max_pool3d_with_indices",
           lambda x: F.max_pool3d(x, (2, 1, 2), 2, dilation=(1, 2, 1), ceil_mode=True,
                                  return_indices=True), None,
           [((1, 2, 5, 4, 5),)], domain=distinct(), id="max_pool3d_indices_ceil_dilated",
           torch_fn=_t("max_pool3d", (2, 1, 2), 2, dilation=(1, 2, 1), ceil_mode=True,
                       return_indices=True)),
    OpSpec("max_pool2d_with_indices", lambda x: F.max_pool2d_with_indices(x, 2, 1), None,
           [((1, 2, 3, 4),)], domain=distinct(), torch_fn=_t("max_pool2d_with_indices", 2, 1)),
    OpSpec("max_pool1d_with_indices", lambda x: F.max_pool1d_with_indices(x, 3, 2, 1), None,
           [((2, 5),)], domain=distinct(), torch_fn=_t("max_pool1d_with_indices", 3, 2, 1)),
    OpSpec("max_unpool3d",
           lambda x: F.max_unpool3d(*F.max_pool3d(x, 2, return_indices=True), 2), None,
           [((1, 2, 4, 2, 4),)], domain=distinct(),
           torch_fn=lambda x: _t("max_unpool3d", 2)(*_t("max_pool3d", 2,
                                                         return_indices=True)(x))),
    OpSpec("adaptive_max_pool3d", lambda x: F.adaptive_max_pool3d(x, (2, 3, 2), True), None,
           [((1, 2, 5, 4, 3),), ((2, 3, 3, 4),)], domain=distinct(),
           torch_fn=_t("adaptive_max_pool3d", (2, 3, 2), True)),
    OpSpec("adaptive_avg_pool3d", lambda x: F.adaptive_avg_pool3d(x, (3, None, 2)), None,
           [((1, 2, 5, 2, 3),), ((2, 4, 3, 5),)],
           torch_fn=_t("adaptive_avg_pool3d", (3, None, 2))),
    OpSpec("lp_pool3d", lambda x: F.lp_pool3d(x, 2, (2, 1, 2)), None, [((1, 2, 4, 3, 4),)],
           domain=(0.5, 2.0), torch_fn=_t("lp_pool3d", 2, (2, 1, 2))),
    OpSpec("pdist", F.pdist, _pdist_ref(2), [((4, 3),), ((1, 3),)], torch_fn=_t("pdist")),
    OpSpec("pdist", lambda a: F.pdist(a, 1.5), _pdist_ref(1.5), [((4, 3),)],
           torch_fn=_t("pdist", 1.5), id="pdist_p1.5"),
    OpSpec("pdist", lambda a: F.pdist(a, np.inf), _pdist_ref(np.inf), [((4, 3),)],
           domain=distinct(), torch_fn=_t("pdist", np.inf), id="pdist_inf"),
    OpSpec("multilabel_margin_loss",
           lambda x: F.multilabel_margin_loss(x, _mt(_LABELS, x)), _multilabel_ref,
           [((3, 4),)], torch_fn=lambda x: _t("multilabel_margin_loss", _tt(_LABELS))(x)),
    OpSpec("multilabel_margin_loss",
           lambda x: F.multilabel_margin_loss(x, _mt(_LABELS[0], x), reduction="none"), None,
           [((4,),)], torch_fn=lambda x: _t("multilabel_margin_loss", _tt(_LABELS[0]),
                                            reduction="none")(x),
           id="multilabel_margin_loss_1d"),
    OpSpec("triplet_margin_with_distance_loss",
           lambda a, p, n: F.triplet_margin_with_distance_loss(
               a, p, n, distance_function=_cos_dist, margin=0.5, swap=True), None,
           [((3, 4), (3, 4), (3, 4))],
           torch_fn=lambda a, p, n: _t("triplet_margin_with_distance_loss", margin=0.5,
                                       swap=True,
                                       distance_function=lambda x, y: 1 - _t(
                                           "cosine_similarity")(x, y))(a, p, n)),
    OpSpec("triplet_margin_with_distance_loss",
           lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, reduction="none"),
           None, [((3, 4), (3, 4), (3, 4))], id="triplet_with_distance_default",
           torch_fn=_t("triplet_margin_with_distance_loss", reduction="none")),
    OpSpec("conv_tbc", lambda x, w, b: F.conv_tbc(x, w, b, 1), None,
           [((5, 2, 3), (3, 3, 4), (4,))], torch_fn=lambda x, w, b: _t("conv_tbc")(x, w, b, 1)),
    _grad_spec("conv1d_input", "conv1d", (2, 4, 7), 2, 1, [((3, 4, 3), (2, 3, 4))], "input"),
    _grad_spec("conv1d_weight", "conv1d", (3, 4, 3), 2, 1, [((2, 4, 7), (2, 3, 4))],
               "weight"),
    _grad_spec("conv2d_input", "conv2d", (1, 2, 4, 3), 1, 0, [((3, 2, 2, 2), (1, 3, 3, 2))],
               "input"),
    _grad_spec("conv2d_weight", "conv2d", (3, 2, 2, 2), 1, 0, [((1, 2, 4, 3), (1, 3, 3, 2))],
               "weight"),
    _grad_spec("conv3d_input", "conv3d", (1, 1, 3, 3, 2), 1, 0,
               [((2, 1, 2, 2, 1), (1, 2, 2, 2, 2))], "input"),
    _grad_spec("conv3d_weight", "conv3d", (2, 1, 2, 2, 1), 1, 0,
               [((1, 1, 3, 3, 2), (1, 2, 2, 2, 2))], "weight"),
    # CrossMapLRN2d: PyTorch's hand-written backward fails its own gradcheck (its forward
    # keeps channel 0 in every window), so only the forward is compared with PyTorch
    # (tests/nn/test_nn_tail.py); the gradient is checked by finite differences here.
    OpSpec("CrossMapLRN2d", lambda x: nn.CrossMapLRN2d(3, 0.5, 0.75, 1.0)(x), None,
           [((2, 6, 2, 3),), ((1, 2, 2, 2),)]),
]


_BAG_IDX = np.array([1, 2, 4, 2, 5, 0, 3])
_BAG_OFF = np.array([0, 2, 2, 5])


def _bag(mode, **kw):
    def ours(w, *psw):
        return F.embedding_bag(_mt(_BAG_IDX, w), w, _mt(_BAG_OFF, w), mode=mode,
                               per_sample_weights=psw[0] if psw else None, **kw)

    def theirs(w, *psw):
        import torch.nn.functional as tF
        return tF.embedding_bag(_tt(_BAG_IDX), w, _tt(_BAG_OFF), mode=mode,
                                per_sample_weights=psw[0] if psw else None, **kw)

    return ours, theirs


SPECS += [
    OpSpec("embedding_bag", _bag("sum")[0], None, [((6, 3), (7,))],
           torch_fn=_bag("sum")[1], id="embedding_bag_sum_weighted"),
    OpSpec("embedding_bag", _bag("mean", padding_idx=2)[0], None, [((6, 3),)],
           torch_fn=_bag("mean", padding_idx=2)[1], id="embedding_bag_mean_padding"),
    OpSpec("embedding_bag", _bag("max", include_last_offset=True)[0], None, [((6, 3),)],
           domain=distinct(), torch_fn=_bag("max", include_last_offset=True)[1],
           id="embedding_bag_max_last_offset"),
    OpSpec("embedding_bag", lambda w: F.embedding_bag(_mt(_BAG_IDX[:6].reshape(2, 3), w), w),
           None, [((6, 3),)], id="embedding_bag_2d",
           torch_fn=lambda w: _t("embedding_bag")(_tt(_BAG_IDX[:6].reshape(2, 3)), w)),
]


def _gs(mode, pad, align):
    return (lambda x, g: F.grid_sample(x, g, mode, pad, align),
            _t("grid_sample", mode=mode, padding_mode=pad, align_corners=align))


_GRID_DOMAIN = [(-2.0, 2.0), (-1.3, 1.3)]  # the grid reaches past the borders

SPECS += [
    OpSpec("grid_sample", _gs("bilinear", "zeros", False)[0], None,
           [((2, 2, 3, 4), (2, 3, 2, 2))], domain=_GRID_DOMAIN,
           torch_fn=_gs("bilinear", "zeros", False)[1]),
    OpSpec("grid_sample", _gs("bilinear", "reflection", True)[0], None,
           [((1, 2, 3, 4), (1, 2, 3, 2))], domain=_GRID_DOMAIN,
           torch_fn=_gs("bilinear", "reflection", True)[1], id="grid_sample_reflection"),
    OpSpec("grid_sample", _gs("bicubic", "border", False)[0], None,
           [((1, 1, 3, 4), (1, 2, 1, 2))], domain=_GRID_DOMAIN,
           torch_fn=_gs("bicubic", "border", False)[1], id="grid_sample_bicubic"),
    OpSpec("grid_sample", _gs("bicubic", "zeros", True)[0], None,
           [((1, 1, 3, 3), (1, 2, 2, 2))], domain=_GRID_DOMAIN,
           torch_fn=_gs("bicubic", "zeros", True)[1], id="grid_sample_bicubic_zeros"),
    OpSpec("grid_sample", _gs("nearest", "reflection", False)[0], None,
           [((1, 2, 3, 4), (1, 2, 3, 2))], domain=_GRID_DOMAIN, grad_inputs=(0,),
           torch_fn=_gs("nearest", "reflection", False)[1], id="grid_sample_nearest"),
    OpSpec("grid_sample", _gs("bilinear", "border", True)[0], None,
           [((1, 2, 2, 3, 2), (1, 2, 1, 2, 3))], domain=_GRID_DOMAIN,
           torch_fn=_gs("bilinear", "border", True)[1], id="grid_sample_3d"),
    OpSpec("affine_grid", lambda th: F.affine_grid(th, (2, 1, 3, 4), False), None,
           [((2, 2, 3),)], torch_fn=_t("affine_grid", (2, 1, 3, 4), False)),
    OpSpec("affine_grid", lambda th: F.affine_grid(th, (1, 1, 2, 3, 2), True), None,
           [((1, 3, 4),)], torch_fn=_t("affine_grid", (1, 1, 2, 3, 2), True),
           id="affine_grid_3d"),
]


_CTC_T = np.array([[1, 2, 2], [3, 1, 0]])


def _ctc(red, **kw):
    """CTC through log_softmax (PyTorch's gradient w.r.t. log_probs adds exp(log_probs),
    which log_softmax's backward removes; see minigrad/nn/_functional_ctc.py)."""
    def ours(x):
        return F.ctc_loss(F.log_softmax(x, 2), _mt(_CTC_T, x), [4, 3], [3, 2], reduction=red,
                          **kw)

    def theirs(x):
        import torch.nn.functional as tF
        return tF.ctc_loss(tF.log_softmax(x, 2), _tt(_CTC_T), [4, 3], [3, 2], reduction=red,
                           **kw)

    return ours, theirs


SPECS += [
    OpSpec("ctc_loss", _ctc("none")[0], None, [((4, 2, 4),)], torch_fn=_ctc("none")[1]),
    OpSpec("ctc_loss", _ctc("mean", blank=3)[0], None, [((4, 2, 4),)],
           torch_fn=_ctc("mean", blank=3)[1], id="ctc_loss_mean_blank3"),
    # the loss's own derivative w.r.t. unnormalized log_probs (finite differences only)
    OpSpec("ctc_loss", lambda lp: F.ctc_loss(lp, _mt(np.array([1, 1, 2]), lp), [4, 3], [2, 1],
                                             reduction="sum"),
           None, [((4, 2, 3),)], id="ctc_loss_raw_concat"),
]


_LCE_T = np.array([2, 0, 3])
_LCE_TK = np.array([[0, 2], [3, 3], [1, -100]])

SPECS += [
    OpSpec("linear_cross_entropy",
           lambda x, w, b: F.linear_cross_entropy(x, w, _mt(_LCE_T, x), linear_bias=b,
                                                  label_smoothing=0.1),
           None, [((3, 5), (4, 5), (4,))],
           torch_fn=lambda x, w, b: _t("linear_cross_entropy", _tt(_LCE_T), linear_bias=b,
                                       label_smoothing=0.1)(x, w)),
    OpSpec("linear_cross_entropy",
           lambda x, w: F.linear_cross_entropy(x, w, _mt(_LCE_TK, x), reduction="sum"),
           None, [((3, 5), (4, 2, 5))], id="linear_cross_entropy_kdim",
           torch_fn=lambda x, w: _t("linear_cross_entropy", _tt(_LCE_TK),
                                    reduction="sum")(x, w)),
]


_FRAC_U2 = np.array([[[0.3, 0.8], [0.55, 0.1]]])
_FRAC_U3 = np.array([[[0.3, 0.8, 0.6]]])

SPECS += [
    OpSpec("fractional_max_pool2d",
           lambda x: F.fractional_max_pool2d(x, 2, (3, 2), return_indices=True,
                                             _random_samples=_mt(_FRAC_U2, x)),
           None, [((1, 2, 5, 4),)], domain=distinct(),
           torch_fn=lambda x: _t("fractional_max_pool2d", 2, (3, 2), return_indices=True,
                                 _random_samples=_tt(_FRAC_U2))(x)),
    OpSpec("fractional_max_pool3d",
           lambda x: F.fractional_max_pool3d_with_indices(x, (2, 1, 2), output_ratio=0.5,
                                                          _random_samples=_mt(_FRAC_U3, x)),
           None, [((1, 1, 4, 5, 4),)], domain=distinct(),
           torch_fn=lambda x: _t("fractional_max_pool3d_with_indices", (2, 1, 2),
                                 output_ratio=0.5, _random_samples=_tt(_FRAC_U3))(x)),
]
