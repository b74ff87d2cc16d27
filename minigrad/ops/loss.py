"""Fused, numerically stable loss primitives: softmax cross-entropy over class indices and
binary cross-entropy on logits.

Both work from logits with the log-sum-exp / softplus tricks, so logits of +/-1e4 give a
finite loss and finite gradients. Their backward is built from minigrad ops (softmax,
sigmoid, ...), so they are twice differentiable. Class weights, ``weight`` and
``pos_weight`` are constants (no gradient flows to them, as in PyTorch).
"""
from __future__ import annotations

import numpy as np

from .. import _threads, backend, cuda_kernels
from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..tensor import Tensor
from ._util import float_of

_REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction):
    """ValueError for anything but 'none', 'mean' or 'sum'."""
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{reduction!r} is not a valid value for reduction; valid values are 'none', "
            "'mean', 'sum'"
        )


# With a thread pool, cross-entropy on this many logits or more runs on blocks of rows of
# about ``_threads.PARALLEL_BLOCK`` elements spread over the pool (the pool's measured
# break-even: 64K elements per ufunc call). On one thread blocks measured no faster than
# whole-array passes ((700, 2000) logits: 2.04-2.32 ms against 1.97-2.06 ms forward, CPU
# time), so one thread keeps the whole-array code.
_BLOCKED_MIN = 1 << 17


def _blocked(a):
    return (type(a) is np.ndarray and a.ndim == 2 and a.flags.c_contiguous
            and a.size >= _BLOCKED_MIN and _threads.get_num_threads() > 1)


def _row_blocks(n, c):
    """(lo, hi) row ranges of about ``_threads.PARALLEL_BLOCK`` elements each."""
    step = max(1, _threads.PARALLEL_BLOCK // max(c, 1))
    return [(lo, min(lo + step, n)) for lo in range(0, n, step)]


class CrossEntropy(Function):
    """l = m * ((1-e) * w[y] * -logp[y] + e/C * sum_c w_c * -logp_c), logp = log_softmax(x, 1),
    m = (y != ignore_index); gx = gy * (a * softmax(x, 1) - B) with constants
    a = m * ((1-e) * w[y] + e/C * sum(w)) and B = m * ((1-e) * w[y] * onehot(y) + e/C * w).

    Forward is five passes over x (max, shift, exp, sum, normalise: the saved softmax);
    the plain backward is one pass (``a * p``) and a scatter at the targets, never a dense
    one-hot. Under create_graph the same formula is built from differentiable ops."""

    def forward(self, x, y, *w, ignore_index=-100, label_smoothing=0.0):
        xp = self.xp
        self.ignore_index, self.eps = ignore_index, label_smoothing
        self.fused = None
        if x.ndim == 2 and not w and not label_smoothing and y.dtype == np.int64 and x.size:
            self.fused = cuda_kernels.get("ce_fwd_" + ("float" if x.dtype == np.float32 else
                                                       "double"), x)
        if self.fused is not None:  # on a GPU: one kernel (one block per row)
            x, y = xp.ascontiguousarray(x), xp.ascontiguousarray(y)
            loss, lse = xp.empty(x.shape[0], x.dtype), xp.empty(x.shape[0], x.dtype)
            threads = 32
            while threads < x.shape[1] and threads < 256:
                threads *= 2
            self.fused((x.shape[0],), (threads,),
                       (x, y, loss, lse, np.int64(x.shape[1]), np.int64(ignore_index)))
            self.save_for_backward(x, y, None, lse)  # the row log-sum-exp, not the softmax
            return loss
        if not w and not label_smoothing and _blocked(x):
            return self._forward_blocked(x, y)
        z = x - x.max(axis=1, keepdims=True)  # shift by the max: exp never overflows
        p = xp.exp(z)
        s = p.sum(axis=1, keepdims=True)
        log_s = xp.log(s)
        valid = y != ignore_index
        ys = xp.where(valid, y, 0)[:, None]
        nll = (log_s - xp.take_along_axis(z, ys, axis=1))[:, 0]  # -logp[y]
        w = w[0] if w else None
        if w is not None:
            nll = nll * w[ys[:, 0]]
        if label_smoothing:
            c = x.shape[1]
            wb = None if w is None else w.reshape((1, -1) + (1,) * (x.ndim - 2))
            logp = z - log_s
            smooth = -(logp if w is None else logp * wb).sum(axis=1)
            nll = (1 - label_smoothing) * nll + (label_smoothing / c) * smooth
        loss = xp.where(valid, nll, 0).astype(x.dtype, copy=False)
        p /= s  # the softmax, for backward
        self.save_for_backward(x, y, w, p)
        return loss

    def _forward_blocked(self, x, y):
        """The same five passes (bitwise the same numbers) on blocks of rows spread over the
        thread pool; only the softmax is allocated (no shifted copy)."""
        n, c = x.shape
        p = np.empty_like(x)
        valid = y != self.ignore_index
        ys = np.where(valid, y, 0)
        nll = np.empty(n, x.dtype)

        def rows(r):
            lo, hi = r
            xb, pb = x[lo:hi], p[lo:hi]
            m = xb.max(axis=1, keepdims=True)
            np.subtract(xb, m, out=pb)
            zy = pb[np.arange(hi - lo), ys[lo:hi]]
            np.exp(pb, out=pb)
            sb = pb.sum(axis=1, keepdims=True)
            np.subtract(np.log(sb[:, 0]), zy, out=nll[lo:hi])  # -logp[y]
            pb /= sb

        _threads.parallel_for(rows, _row_blocks(n, c), x.size)
        loss = np.where(valid, nll, 0).astype(x.dtype, copy=False)
        self.save_for_backward(x, y, None, p)
        return loss

    def backward(self, gy):
        x, y, w, p = self.saved_tensors
        xp, eps = x.xp, self.eps
        c = x.shape[1]
        yd = y.array
        valid = yd != self.ignore_index
        ys = xp.where(valid, yd, 0)[:, None]
        dt = x.array.dtype
        wy = None if w is None else w.array[ys[:, 0]]
        if _State.enabled:  # create_graph: softmax must be a differentiable function of x
            return self._backward_graph(gy, x, w, valid, ys, wy, c, dt)
        if self.fused is not None:  # p holds the rows' log-sum-exp: gx in one kernel
            gx = xp.empty_like(x.array)
            cuda_kernels.get("ce_bwd", gx)(x.array, gy.array[:, None], yd[:, None],
                                           p.array[:, None], c, self.ignore_index, gx)
            return Tensor._wrap(gx), None
        # a * p - B, scaled by gy, on arrays: gx = (gy a) p - (gy m e/C) w, then subtract
        # gy m (1-e) w[y] at the targets
        g = gy.array * valid
        hit = g if wy is None else g * wy  # gy m w[y]
        scale = (1 - eps) * hit
        if eps:
            scale = scale + (eps / c) * (g * (c if w is None else w.array.sum()))
        pa, scale = p.array, scale[:, None].astype(dt, copy=False)
        if _blocked(pa):  # in blocks of rows, over the thread pool
            gx = xp.empty_like(pa)

            def rows(r):
                xp.multiply(pa[r[0]:r[1]], scale[r[0]:r[1]], out=gx[r[0]:r[1]])

            _threads.parallel_for(rows, _row_blocks(*pa.shape), pa.size)
        else:
            gx = pa * scale
        if eps:
            wb = 1 if w is None else w.array.reshape((1, -1) + (1,) * (x.ndim - 2))
            gx -= ((eps / c) * g)[:, None].astype(dt, copy=False) * wb
        at = xp.take_along_axis(gx, ys, axis=1)
        at -= ((1 - eps) * hit)[:, None].astype(dt, copy=False)
        xp.put_along_axis(gx, ys, at, axis=1)
        gx = Tensor._wrap(gx)
        return (gx, None) if w is None else (gx, None, None)

    def _backward_graph(self, gy, x, w, valid, ys, wy, c, dt):
        xp, eps = x.xp, self.eps
        wy = xp.ones(ys.shape[:1] + ys.shape[2:], dt) if wy is None else wy
        wsum = c if w is None else w.array.sum()
        a = xp.where(valid, (1 - eps) * wy + (eps / c) * wsum, 0).astype(dt, copy=False)
        b = one_hot(ys[:, 0], c, ((1 - eps) * wy).astype(dt, copy=False))
        if eps:
            wb = 1 if w is None else w.array.reshape((1, -1) + (1,) * (x.ndim - 2))
            b += (eps / c) * wb
        b *= valid[:, None]
        p = x.softmax(1)
        g = gy.unsqueeze(1)
        gx = g * Tensor._wrap(a[:, None]) * p - g * Tensor._wrap(b)
        return (gx, None) if w is None else (gx, None, None)


class BCEWithLogits(Function):
    """l = w * ((1 - t) * x + (1 + (pw - 1) * t) * softplus(-x));
    gx = gy * w * ((1 - t) - (1 + (pw - 1) * t) * sigmoid(-x)),
    gt = gy * w * (-x + (pw - 1) * softplus(-x))"""

    def forward(self, x, t, *wp, has_weight=False, has_pos_weight=False):
        xp = self.xp
        self.has_weight, self.has_pos_weight = has_weight, has_pos_weight
        w = wp[0] if has_weight else None
        pw = wp[-1] if has_pos_weight else None
        sp = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)  # softplus(-x), no overflow
        loss = (1 - t) * x + (sp if pw is None else (1 + (pw - 1) * t) * sp)
        if w is not None:
            loss = loss * w
        self.save_for_backward(x, t, *wp)
        return loss

    def backward(self, gy):
        x, t, *wp = self.saved_tensors
        w = wp[0] if self.has_weight else None
        pw = wp[-1] if self.has_pos_weight else None
        nx, nt = self.needs_input_grad[:2]
        if w is not None:
            gy = gy * w
        gx = gt = None
        if nx:
            sn = (-x).sigmoid()
            gx = gy * ((1 - t) - (sn if pw is None else (1 + (pw - 1) * t) * sn))
        if nt:
            gt = -gy * x if pw is None else gy * ((pw - 1) * _softplus(-x) - x)
        return (gx, gt) + (None,) * len(wp)


def one_hot(y, c, scale):
    """Array of shape (N, C, d1, ...): ``scale`` (shaped like ``y``) at class ``y``, else 0."""
    xp = backend.get_array_module(scale)
    classes = xp.arange(c).reshape((1, c) + (1,) * (y.ndim - 1))
    return (classes == y[:, None]) * scale[:, None]


def _softplus(x):
    """log(1 + exp(x)) = relu(x) + log(1 + exp(-|x|)) from differentiable ops, stable."""
    return x.relu() + (1 + (-(x.relu() + (-x).relu())).exp()).log()


def _shape(s):
    return tuple(s)


def check_class_targets(input, target, weight, ignore_index, fn_name):
    """Validate class-index targets for ``input`` (C), (N, C) or (N, C, d1, ...).

    Returns ``(x, y)``: the input as a float Tensor with a batch dim (an unbatched input
    gets one), and the targets as an int64 array of shape (N, d1, ...).
    """
    if target.array.dtype.kind not in "iu":
        raise RuntimeError(
            f"{fn_name}: expected target of dtype int64 (Long) holding class indices, but got "
            f"{target.dtype} (for class probabilities the target must have the input's shape "
            f"{_shape(input.shape)}; got {_shape(target.shape)})"
        )
    x = float_of(input)
    if x.ndim == 0:
        raise RuntimeError(f"{fn_name}: input must have at least 1 dimension (the classes), got a "
                           "0-d tensor")
    expected = () if x.ndim == 1 else (x.shape[0],) + tuple(x.shape[2:])
    if tuple(target.shape) != expected:
        raise ValueError(
            f"{fn_name}: expected target of shape {expected} for input of shape "
            f"{_shape(input.shape)}, but got target of shape {_shape(target.shape)}"
        )
    if x.ndim == 1:
        x = x.unsqueeze(0)
    c = x.shape[1]
    y = target.array.astype("int64", copy=False).reshape((x.shape[0],) + tuple(x.shape[2:]))
    # On the GPU this check would synchronise every step, so there (as with PyTorch's
    # asynchronous device asserts) targets are not validated eagerly.
    bad = (y != ignore_index) & ((y < 0) | (y >= c)) if type(y) is np.ndarray else None
    if bad is not None and bad.any():
        v = int(y[bad].ravel()[0])
        raise IndexError(f"{fn_name}: target {v} is out of bounds for {c} classes (valid: "
                         f"0..{c - 1} or ignore_index={ignore_index})")
    if weight is not None and tuple(weight.shape) != (c,):
        raise RuntimeError(f"{fn_name}: weight should have shape ({c},) (one per class) for input "
                           f"of shape {_shape(input.shape)}, but got {_shape(weight.shape)}")
    return x, y


def target_weights(y, weight, ignore_index, like):
    """Per-target weight array: weight[y] (1 without weights), 0 where y == ignore_index."""
    xp, dt = like.xp, like.array.dtype
    valid = y != ignore_index
    if weight is None:
        return valid.astype(dt)
    wy = weight.array.astype(dt, copy=False)[xp.where(valid, y, 0)]
    return xp.where(valid, wy, 0).astype(dt, copy=False)


def weighted_mean(loss, wy):
    """loss.sum() / wy.sum(); nan with zero gradients when every target is ignored (as PyTorch)."""
    total = wy.sum()
    xp = loss.xp
    if type(wy) is np.ndarray:  # plain NumPy: reading total is free
        if not total:
            return loss.sum() + float("nan")
        return loss.sum() / Tensor._wrap(xp.asanyarray(total))
    # on the GPU (or a recorder's arrays), without reading ``total`` back: divide by 1 and
    # add nan instead
    empty = total == 0
    dt = loss.array.dtype
    denom = Tensor._wrap(xp.where(empty, 1, total).astype(dt, copy=False))
    return loss.sum() / denom + Tensor._wrap(xp.where(empty, xp.nan, 0).astype(dt, copy=False))


def cross_entropy_loss(input, target, weight=None, ignore_index=-100, reduction="mean",
                       label_smoothing=0.0):
    """Softmax cross-entropy of logits ``input`` against class indices ``target``, fused.

    Args:
        input: logits of shape (C), (N, C) or (N, C, d1, d2, ...).
        target: int64 class indices of shape (), (N) or (N, d1, d2, ...).
        weight: optional (C,) class weights.
        ignore_index: targets equal to it contribute neither loss nor gradient.
        reduction: 'none' | 'mean' (divides by the summed weights of non-ignored targets,
            as PyTorch) | 'sum'.
        label_smoothing: in [0, 1]; mixes the target with the uniform distribution.
    """
    check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    x, y = check_class_targets(input, target, weight, ignore_index, "cross_entropy")
    unbatched = input.ndim == 1
    args = (x, Tensor._wrap(y))
    if weight is not None:
        args += (Tensor._wrap(weight.array.astype(x.array.dtype, copy=False)),)
    loss = CrossEntropy.apply(*args, ignore_index=ignore_index,
                              label_smoothing=float(label_smoothing))
    if reduction == "none":
        return loss[0] if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    return weighted_mean(loss, target_weights(y, weight, ignore_index, x))


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """Binary cross-entropy of logits ``input`` against targets in [0, 1], fused and stable.

    Args:
        input: logits, any shape.
        target: same shape as ``input``.
        weight: optional rescaling weight, broadcastable to ``input``.
        reduction: 'none' | 'mean' | 'sum'.
        pos_weight: optional weight of positive examples, broadcastable to ``input`` (usually
            one per class along the last dim).
    """
    check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({_shape(target.shape)}) must be the same as input size "
                         f"({_shape(input.shape)})")
    x = float_of(input)
    dt = x.array.dtype
    t = target if target.array.dtype == dt else target.to(Tensor._dtype_of(dt))
    args = [x, t]
    for name, v in (("weight", weight), ("pos_weight", pos_weight)):
        if v is None:
            continue
        try:
            np.broadcast_shapes(tuple(v.shape), tuple(x.shape))
        except ValueError:
            raise RuntimeError(f"binary_cross_entropy_with_logits: {name} of shape "
                               f"{_shape(v.shape)} does not broadcast to input of shape "
                               f"{_shape(x.shape)}") from None
        args.append(Tensor._wrap(v.array.astype(dt, copy=False)))
    loss = BCEWithLogits.apply(*args, has_weight=weight is not None,
                               has_pos_weight=pos_weight is not None)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / loss.numel()


__all__ = ["cross_entropy_loss", "binary_cross_entropy_with_logits"]
