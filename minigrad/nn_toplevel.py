"""The ``torch.*`` forms of nn.functional ops (``torch.conv2d``, ``torch.layer_norm``,
``torch.dropout``, ``torch.lstm_cell``, ...).

PyTorch exposes its native kernels at top level with their own signatures, which
sometimes differ from ``torch.nn.functional``'s: arguments are required and positional
(``torch.dropout(input, p, train)``, ``torch.batch_norm(input, weight, bias, running_mean,
running_var, training, momentum, eps, cudnn_enabled)``), losses take ``reduction`` as an
int (0 none, 1 mean, 2 sum), ``torch.embedding`` takes the weight first, ``max_pool*`` has
no ``return_indices``. These wrappers take those signatures and call nn.functional; they
hold no maths of their own except the four RNN cells (one step, from the gate formulas).
"""
from __future__ import annotations

from . import autograd as _autograd
from .nn import functional as F
from .ops import movement as _mv
from .tensor import Tensor

# the same signature at both levels: the functions themselves
conv1d, conv2d, conv3d = F.conv1d, F.conv2d, F.conv3d
conv_transpose1d, conv_transpose2d = F.conv_transpose1d, F.conv_transpose2d
conv_transpose3d = F.conv_transpose3d
adaptive_avg_pool1d = F.adaptive_avg_pool1d
pixel_shuffle, pixel_unshuffle, channel_shuffle = F.pixel_shuffle, F.pixel_unshuffle, F.channel_shuffle
cosine_similarity, pairwise_distance, bilinear = F.cosine_similarity, F.pairwise_distance, F.bilinear
prelu, hardshrink = F.prelu, F.hardshrink

_REDUCTION = {0: "none", 1: "mean", 2: "sum"}
# PyTorch documents ``reduction=Mean`` for its top-level losses, but its argument parser
# reads that default as 0: called without ``reduction`` they return the unreduced loss
# (checked on torch 2.13). Programs rely on what they get, so the default here is 0 too.


def _reduction(r):
    """PyTorch's ``at::Reduction`` enum (0 none, 1 mean, 2 sum) as F's string."""
    if isinstance(r, str):
        return r
    if r not in _REDUCTION:
        raise ValueError(f"{r} is not a valid value for reduction")
    return _REDUCTION[r]


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    """The convolution (``transposed``: its transpose) over the 1-3 spatial dims of
    ``input``, every option given (PyTorch's native entry point)."""
    nd = input.ndim - 2
    if nd not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a 3-D, 4-D or 5-D input (batch, channels, "
                           f"spatial dims), but got input of size {list(input.shape)}")
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[nd - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    fn = (F.conv1d, F.conv2d, F.conv3d)[nd - 1]
    return fn(input, weight, bias, stride, padding, dilation, groups)


def conv_tbc(input, weight, bias, pad=0):
    """1-D convolution over time-major input: ``input (T, B, C_in)``, ``weight (K, C_in,
    C_out)``, ``bias (C_out,)``, ``pad`` zeros on each side of T; returns ``(T', B, C_out)``."""
    y = F.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return y.permute(2, 0, 1)


def norm_except_dim(v, pow=2, dim=0):
    """The ``pow``-norm of ``v`` over every dim but ``dim`` (kept as size 1 elsewhere), or
    over all of ``v`` for ``dim=-1`` (weight normalisation's helper)."""
    if dim == -1:
        return v.norm(pow)
    keep = dim % v.ndim
    return v.norm(pow, dim=[d for d in range(v.ndim) if d != keep], keepdim=True)


def index_put_(input, indices, values, accumulate=False):
    """In-place :func:`index_put` (recorded for autograd); returns ``input``."""
    return input.index_put_(indices, values, accumulate)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """``F.avg_pool1d`` (an empty ``stride`` means ``kernel_size``)."""
    return F.avg_pool1d(input, kernel_size, stride or None, padding, ceil_mode,
                        count_include_pad)


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``F.max_pool1d`` without indices (an empty ``stride`` means ``kernel_size``)."""
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode=False):
    """``(output, indices)`` of ``F.max_pool1d``."""
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode,
                        return_indices=True)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``F.max_pool2d`` without indices."""
    return F.max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """``F.max_pool3d`` without indices."""
    return F.max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def adaptive_max_pool1d(input, output_size):
    """``(output, indices)`` of ``F.adaptive_max_pool1d`` (PyTorch's top-level form returns
    both)."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def constant_pad_nd(input, pad, value=0):
    """``F.pad(input, pad, value=value)`` (negative pads crop)."""
    return F.pad(input, pad, "constant", value)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled):
    """``F.batch_norm`` with PyTorch's native argument order (all required)."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                        eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled):
    """``F.instance_norm`` with PyTorch's native argument order (all required)."""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                           momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    """``F.layer_norm`` (``cudnn_enable`` is accepted and has no effect)."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    """``F.group_norm`` (``cudnn_enabled`` is accepted and has no effect)."""
    return F.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``F.rms_norm``."""
    return F.rms_norm(input, normalized_shape, weight, eps)


def dropout(input, p, train):
    """``F.dropout(input, p, training=train)``."""
    return F.dropout(input, p, train)


def dropout_(input, p, train):
    """In-place :func:`dropout`; returns ``input``."""
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout(input, p, train):
    """``F.alpha_dropout(input, p, training=train)``."""
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):
    """In-place :func:`alpha_dropout`; returns ``input``."""
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input, p, train):
    """``F.feature_alpha_dropout(input, p, training=train)``."""
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input, p, train):
    """In-place :func:`feature_alpha_dropout`; returns ``input``."""
    return F.feature_alpha_dropout(input, p, train, inplace=True)


def _feature_mask(input, p, train):
    if not train or p == 0:
        return None
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return F.dropout(input.new_ones(shape), p, True)


def feature_dropout(input, p, train):
    """Zero whole channels (dim 1 of ``(N, C, *)``) with probability ``p``, scaling the
    rest by ``1 / (1 - p)``."""
    mask = _feature_mask(input, p, train)
    return input.clone() if mask is None else input * mask


def feature_dropout_(input, p, train):
    """In-place :func:`feature_dropout`; returns ``input``."""
    mask = _feature_mask(input, p, train)
    return input if mask is None else input.mul_(mask)


def rrelu(input, lower=0.125, upper=1.0 / 3.0, training=False, generator=None):
    """``F.rrelu`` (``generator`` accepted; the global generator draws the slopes)."""
    return F.rrelu(input, lower, upper, training)


def rrelu_(input, lower=0.125, upper=1.0 / 3.0, training=False, generator=None):
    """In-place :func:`rrelu`; returns ``input``."""
    return F.rrelu_(input, lower, upper, training)


def threshold(input, threshold, value):
    """``value`` where ``input <= threshold``, else ``input``."""
    return F.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """In-place :func:`threshold`; returns ``input``."""
    return F.threshold_(input, threshold, value)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` at ``indices`` (PyTorch's native order: weight first;
    ``padding_idx=-1`` means none)."""
    pad = None if padding_idx is None or padding_idx < 0 else padding_idx
    return F.embedding(indices, weight, pad, scale_grad_by_freq=scale_grad_by_freq,
                       sparse=sparse)


def embedding_renorm_(input, indices, max_norm, norm_type):
    """Rescale in place (without recording) the rows of ``input`` at ``indices`` whose
    ``norm_type``-norm exceeds ``max_norm`` to norm ``max_norm``; returns ``input``."""
    with _autograd.no_grad():
        rows = indices.reshape(-1).unique()
        sel = input[rows]
        norms = sel.norm(p=norm_type, dim=1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).clamp(max=1.0)
        input[rows] = sel * scale
    return input


def kl_div(input, target, reduction=0, *, log_target=False):
    """``F.kl_div`` with the reduction as PyTorch's int enum (0 none, 1 mean, 2 sum); the
    mean is over every element, without F's warning about ``batchmean``."""
    how = _reduction(reduction)
    loss = F.kl_div(input, target, reduction="none" if how == "mean" else how,
                    log_target=log_target)
    return loss.mean() if how == "mean" else loss


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    """``F.hinge_embedding_loss`` with an int ``reduction``."""
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """``F.margin_ranking_loss`` with an int ``reduction``."""
    return F.margin_ranking_loss(input1, input2, target, margin,
                                 reduction=_reduction(reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    """``F.cosine_embedding_loss`` with an int ``reduction``."""
    return F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False,
                        reduction=0):
    """``F.triplet_margin_loss`` with an int ``reduction``."""
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """``F.poisson_nll_loss`` with every option required and an int ``reduction``."""
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction(reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None,
                                     reduction=0):
    """``F.binary_cross_entropy_with_logits`` (``pos_weight`` fourth, int ``reduction``)."""
    return F.binary_cross_entropy_with_logits(input, target, weight,
                                              reduction=_reduction(reduction),
                                              pos_weight=pos_weight)


if hasattr(F, "ctc_loss"):
    def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0,
                 zero_infinity=False):
        """``F.ctc_loss`` with an int ``reduction``."""
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                          _reduction(reduction), zero_infinity)

if hasattr(F, "pdist"):
    pdist = F.pdist


def _gates(input, hx, w_ih, w_hh, b_ih, b_hh):
    g = input.matmul(w_ih.t()) + hx.matmul(w_hh.t())
    if b_ih is not None:
        g = g + b_ih
    if b_hh is not None:
        g = g + b_hh
    return g


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step: ``tanh(input @ w_ih.T + b_ih + hx @ w_hh.T + b_hh)``."""
    return _gates(input, hx, w_ih, w_hh, b_ih, b_hh).tanh()


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step with ReLU."""
    return _gates(input, hx, w_ih, w_hh, b_ih, b_hh).relu()


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step; ``hx = (h, c)``; returns ``(h', c')`` (gates i, f, g, o)."""
    h, c = hx
    i, f, g, o = _mv.chunk(_gates(input, h, w_ih, w_hh, b_ih, b_hh), 4, -1)
    c1 = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c1.tanh(), c1


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step (gates r, z, n; ``n = tanh(x_n + r * (h_n + b_hn))``)."""
    gi = input.matmul(w_ih.t()) if b_ih is None else input.matmul(w_ih.t()) + b_ih
    gh = hx.matmul(w_hh.t()) if b_hh is None else hx.matmul(w_hh.t()) + b_hh
    ir, iz, in_ = _mv.chunk(gi, 3, -1)
    hr, hz, hn = _mv.chunk(gh, 3, -1)
    r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
    n = (in_ + r * hn).tanh()
    return (1 - z) * n + z * hx


def _sequence(cell, input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
              batch_first, name):
    """Run ``cell`` over time, layer after layer (and backwards for the second direction):
    PyTorch's flat ``params`` hold ``w_ih, w_hh[, b_ih, b_hh]`` per layer and direction."""
    if isinstance(hx, Tensor) and name == "lstm" or not isinstance(input, Tensor) or \
            input.ndim != 3 or isinstance(hx, Tensor) and hx.ndim == 1:
        raise NotImplementedError(
            f"torch.{name}: only the dense form (a 3-D input, not a packed sequence's data "
            f"and batch sizes) is supported; nn.{name.upper()} takes packed sequences")
    lstm = name == "lstm"
    x = input.transpose(0, 1) if batch_first else input
    dirs, per = (2 if bidirectional else 1), (4 if has_biases else 2)
    if len(params) != num_layers * dirs * per:
        raise RuntimeError(f"{name}: expected {num_layers * dirs * per} parameter tensors, got "
                           f"{len(params)} (projections are not supported)")
    h0, c0 = (hx[0], hx[1]) if lstm else (hx, None)
    steps, hs, cs = x.shape[0], [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = (layer * dirs + d) * per
            w = params[k:k + per] if has_biases else (*params[k:k + 2], None, None)
            h = h0[layer * dirs + d]
            c = c0[layer * dirs + d] if lstm else None
            ys = [None] * steps
            for t in (range(steps) if d == 0 else reversed(range(steps))):
                if lstm:
                    h, c = cell(x[t], (h, c), *w)
                else:
                    h = cell(x[t], h, *w)
                ys[t] = h
            outs.append(_mv.stack(ys, 0))
            hs.append(h)
            cs.append(c)
        x = outs[0] if dirs == 1 else _mv.cat(outs, -1)
        if dropout and train and layer < num_layers - 1:
            x = F.dropout(x, dropout, True)
    out = x.transpose(0, 1) if batch_first else x
    return (out, _mv.stack(hs, 0), _mv.stack(cs, 0)) if lstm else (out, _mv.stack(hs, 0))


def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    """A multi-layer LSTM over a dense ``(T, B, I)`` input (``batch_first``: ``(B, T, I)``)
    from flat parameters; ``hx = (h0, c0)``. Returns ``(output, h_n, c_n)``."""
    return _sequence(lstm_cell, input, hx, params, has_biases, num_layers, dropout, train,
                     bidirectional, batch_first, "lstm")


def gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
        batch_first):
    """A multi-layer GRU from flat parameters. Returns ``(output, h_n)``."""
    return _sequence(gru_cell, input, hx, params, has_biases, num_layers, dropout, train,
                     bidirectional, batch_first, "gru")


def rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """A multi-layer Elman RNN (tanh) from flat parameters. Returns ``(output, h_n)``."""
    return _sequence(rnn_tanh_cell, input, hx, params, has_biases, num_layers, dropout, train,
                     bidirectional, batch_first, "rnn_tanh")


def rnn_relu(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """A multi-layer Elman RNN (ReLU) from flat parameters. Returns ``(output, h_n)``."""
    return _sequence(rnn_relu_cell, input, hx, params, has_biases, num_layers, dropout, train,
                     bidirectional, batch_first, "rnn_relu")


__all__ = [
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "alpha_dropout", "alpha_dropout_",
    "avg_pool1d", "batch_norm", "bilinear", "binary_cross_entropy_with_logits",
    "channel_shuffle", "constant_pad_nd", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
    "conv_tbc", "conv_transpose2d", "conv_transpose3d", "convolution", "cosine_embedding_loss",
    "cosine_similarity", "dropout", "dropout_", "embedding", "embedding_renorm_",
    "feature_alpha_dropout", "feature_alpha_dropout_", "feature_dropout", "feature_dropout_",
    "group_norm", "gru", "gru_cell", "hardshrink", "hinge_embedding_loss", "index_put_",
    "instance_norm", "norm_except_dim",
    "kl_div", "layer_norm", "lstm", "lstm_cell", "margin_ranking_loss", "max_pool1d",
    "max_pool1d_with_indices", "max_pool2d", "max_pool3d", "pairwise_distance", "pixel_shuffle",
    "pixel_unshuffle", "poisson_nll_loss", "prelu", "rms_norm", "rnn_relu",
    "rnn_relu_cell", "rnn_tanh", "rnn_tanh_cell", "rrelu", "rrelu_", "threshold",
    "threshold_", "triplet_margin_loss",
] + [n for n in ("ctc_loss", "pdist") if n in globals()]
