"""Specs for convolution, pooling and resampling (minigrad/ops/conv.py, minigrad/ops/pool.py).

The NumPy references below are deliberately naive (a loop over output positions) so they
share nothing with the strided-view kernels under test. Layers, errors and more PyTorch
comparisons are in tests/nn/test_conv.py.
"""
import math

import numpy as np

from minigrad import ops

from .specs import OpSpec, distinct


# ---- NumPy references ------------------------------------------------------------------------
def _pair(v, n=2):
    return (v,) * n if isinstance(v, int) else tuple(v)


def _ref_conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    s, d = _pair(stride), _pair(dilation)
    k = w.shape[2:]
    if padding == "same":
        tot = [dd * (kk - 1) for dd, kk in zip(d, k)]
        pads = [(t // 2, t - t // 2) for t in tot]
    else:
        pads = [(p, p) for p in _pair(padding)]
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(pads))
    ho = (xp.shape[2] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    wo = (xp.shape[3] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    O, Cg = w.shape[:2]
    Og = O // groups
    y = np.zeros((x.shape[0], O, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * s[0]:i * s[0] + d[0] * (k[0] - 1) + 1:d[0],
                       j * s[1]:j * s[1] + d[1] * (k[1] - 1) + 1:d[1]]
            for g in range(groups):
                y[:, g * Og:(g + 1) * Og, i, j] = np.einsum(
                    "nckl,ockl->no", patch[:, g * Cg:(g + 1) * Cg], w[g * Og:(g + 1) * Og])
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def _ref_conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1,
                          dilation=1):
    s, p, op, d = _pair(stride), _pair(padding), _pair(output_padding), _pair(dilation)
    N, Ci, H, W = x.shape
    k = w.shape[2:]
    Cog = w.shape[1]
    Cig = Ci // groups
    full = [(n - 1) * ss + dd * (kk - 1) + 1 + o for n, ss, dd, kk, o in zip((H, W), s, d, k, op)]
    z = np.zeros((N, Cog * groups, full[0], full[1]))
    for i in range(H):
        for j in range(W):
            for g in range(groups):
                z[:, g * Cog:(g + 1) * Cog, i * s[0]:i * s[0] + d[0] * (k[0] - 1) + 1:d[0],
                  j * s[1]:j * s[1] + d[1] * (k[1] - 1) + 1:d[1]] += np.einsum(
                    "nc,cokl->nokl", x[:, g * Cig:(g + 1) * Cig, i, j], w[g * Cig:(g + 1) * Cig])
    out = [f - 2 * pp for f, pp in zip(full, p)]
    z = z[:, :, p[0]:p[0] + out[0], p[1]:p[1] + out[1]]
    return z if b is None else z + b.reshape(1, -1, 1, 1)


def _ref_1d(ref2d, **kw):
    """A 1-D reference through the 2-D one (unit height)."""
    def f(x, w, b=None, **_):
        kw2 = {k: ((1 if k != "padding" else 0, v) if isinstance(v, int) else v)
               for k, v in kw.items() if k != "groups"}
        if kw.get("padding") == "same":
            kw2["padding"] = "same"
        y = ref2d(x[:, :, None], w[:, :, None], b, groups=kw.get("groups", 1), **kw2)
        return y[:, :, 0]
    return f


def _pool_out(n, k, s, p, d, ceil):
    num = n + 2 * p - d * (k - 1) - 1
    o = (num + (s - 1 if ceil else 0)) // s + 1
    return o - 1 if ceil and (o - 1) * s >= n + p else o


def _ref_max_pool2d(x, k, s=None, p=0, d=1, ceil=False):
    k, p, d = _pair(k), _pair(p), _pair(d)
    s = k if s is None else _pair(s)
    H, W = x.shape[2:]
    ho, wo = (_pool_out(n, *a, ceil) for n, a in zip((H, W), zip(k, s, p, d)))
    y = np.empty(x.shape[:2] + (ho, wo))
    for i in range(ho):
        for j in range(wo):
            rows = [r for r in range(i * s[0] - p[0], i * s[0] - p[0] + d[0] * (k[0] - 1) + 1, d[0])
                    if 0 <= r < H]
            cols = [c for c in range(j * s[1] - p[1], j * s[1] - p[1] + d[1] * (k[1] - 1) + 1, d[1])
                    if 0 <= c < W]
            y[:, :, i, j] = x[:, :, rows][:, :, :, cols].max(axis=(2, 3))
    return y


def _ref_avg_pool2d(x, k, s=None, p=0, ceil=False, count_include_pad=True, divisor=None):
    k, p = _pair(k), _pair(p)
    s = k if s is None else _pair(s)
    H, W = x.shape[2:]
    ho, wo = (_pool_out(n, kk, ss, pp, 1, ceil) for n, kk, ss, pp in zip((H, W), k, s, p))
    y = np.empty(x.shape[:2] + (ho, wo))
    for i in range(ho):
        for j in range(wo):
            r0, c0 = i * s[0] - p[0], j * s[1] - p[1]
            r1, c1 = min(r0 + k[0], H + p[0]), min(c0 + k[1], W + p[1])
            area = (r1 - r0) * (c1 - c0)
            r0, c0, r1, c1 = max(r0, 0), max(c0, 0), min(r1, H), min(c1, W)
            total = x[:, :, r0:r1, c0:c1].sum(axis=(2, 3))
            n = divisor or (area if count_include_pad else (r1 - r0) * (c1 - c0))
            y[:, :, i, j] = total / n
    return y


def _ref_adaptive(x, out):
    H, W = x.shape[-2:]
    y = np.empty(x.shape[:-2] + out)
    for i in range(out[0]):
        for j in range(out[1]):
            r0, r1 = i * H // out[0], math.ceil((i + 1) * H / out[0])
            c0, c1 = j * W // out[1], math.ceil((j + 1) * W / out[1])
            y[..., i, j] = x[..., r0:r1, c0:c1].mean(axis=(-2, -1))
    return y


def _ref_bilinear_axis(x, n_out, axis, align_corners, scale=None):
    n_in = x.shape[axis]
    out = []
    for o in range(n_out):
        if align_corners:
            src = o * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            r = 1 / scale if scale else n_in / n_out
            src = max((o + 0.5) * r - 0.5, 0.0)
        i0 = min(math.floor(src), n_in - 1)
        i1 = min(i0 + 1, n_in - 1)
        lam = src - i0
        out.append((1 - lam) * np.take(x, i0, axis) + lam * np.take(x, i1, axis))
    return np.stack(out, axis)


def _ref_nearest_axis(x, n_out, axis):
    n_in = x.shape[axis]
    return np.take(x, [min(o * n_in // n_out, n_in - 1) for o in range(n_out)], axis)


def _torch(name, **kw):
    def f(*ts):
        import torch.nn.functional as F

        return getattr(F, name)(*ts, **kw)
    return f


def _conv(name, shapes, ref, bias=True, id=None, **kw):
    fn = getattr(ops, name)
    if bias:
        return OpSpec(name, lambda x, w, b: fn(x, w, b, **kw), lambda x, w, b: ref(x, w, b, **kw),
                      shapes, torch_fn=_torch(name, **kw), id=id)
    return OpSpec(name, lambda x, w: fn(x, w, **kw), lambda x, w: ref(x, w, **kw), shapes,
                  torch_fn=_torch(name, **kw), id=id)


def _pool(name, ref, shapes, id, domain=(-2.0, 2.0), **kw):
    fn = getattr(ops, name)
    return OpSpec(name, lambda x: fn(x, **kw), ref, shapes, domain=domain,
                  torch_fn=_torch(name, **kw), id=id)


def _unbatched_conv(x, w, b):
    return _ref_conv2d(x[None], w, b, padding=1)[0]


SPECS = [
    _conv("conv2d", [((2, 3, 4, 5), (4, 3, 3, 2), (4,))], _ref_conv2d, id="conv2d_plain"),
    _conv("conv2d", [((1, 4, 5, 6), (6, 2, 3, 2), (6,))], _ref_conv2d, id="conv2d_groups",
          stride=2, padding=1, dilation=(1, 2), groups=2),
    _conv("conv2d", [((1, 2, 5, 4), (3, 2, 2, 3))], _ref_conv2d, bias=False,
          id="conv2d_same", padding="same", dilation=(2, 1)),
    _conv("conv2d", [((2, 4, 5, 6), (4, 1, 3, 3))], _ref_conv2d, bias=False,
          id="conv2d_depthwise", stride=(2, 3), padding=(0, 2), groups=4),
    OpSpec("conv2d", lambda x, w, b: ops.conv2d(x, w, b, padding=1), _unbatched_conv,
           [((2, 4, 3), (3, 2, 3, 3), (3,))], id="conv2d_unbatched"),
    _conv("conv1d", [((2, 3, 7), (4, 3, 3), (4,))], _ref_1d(_ref_conv2d, stride=2, padding=1),
          stride=2, padding=1, id="conv1d"),
    OpSpec("conv1d", lambda x, w: ops.conv1d(x, w, padding="same", dilation=2, groups=2),
           _ref_1d(_ref_conv2d, padding="same", dilation=2, groups=2),
           [((2, 4, 6), (2, 2, 4))], torch_fn=_torch("conv1d", padding="same", dilation=2,
                                                      groups=2), id="conv1d_same"),
    _conv("conv_transpose2d", [((2, 4, 3, 4), (4, 3, 3, 2), (3,))], _ref_conv_transpose2d,
          stride=2, padding=1, output_padding=1, id="conv_transpose2d"),
    _conv("conv_transpose2d", [((2, 4, 3, 3), (4, 1, 2, 3))], _ref_conv_transpose2d,
          bias=False, stride=(1, 2), padding=(0, 1), output_padding=(0, 1), groups=2,
          dilation=(2, 1), id="conv_transpose2d_groups"),
    OpSpec("conv_transpose1d", lambda x, w, b: ops.conv_transpose1d(x, w, b, stride=3, padding=1,
                                                                     output_padding=2),
           lambda x, w, b: _ref_conv_transpose2d(x[:, :, None], w[:, :, None], b, stride=(1, 3),
                                                 padding=(0, 1), output_padding=(0, 2))[:, :, 0],
           [((2, 4, 4), (4, 3, 3), (3,))],
           torch_fn=_torch("conv_transpose1d", stride=3, padding=1, output_padding=2)),
    _pool("max_pool2d", lambda x: _ref_max_pool2d(x, 2), [((2, 3, 4, 5),)], "max_pool2d",
          distinct(), kernel_size=2),
    _pool("max_pool2d", lambda x: _ref_max_pool2d(x, 3, 2, 1, 1, True), [((2, 2, 6, 7),)],
          "max_pool2d_pad_ceil", distinct(), kernel_size=3, stride=2, padding=1, ceil_mode=True),
    _pool("max_pool2d", lambda x: _ref_max_pool2d(x, (2, 3), 1, (1, 0), (2, 1)),
          [((1, 2, 5, 6),)], "max_pool2d_dilated_overlap", distinct(), kernel_size=(2, 3),
          stride=1, padding=(1, 0), dilation=(2, 1)),
    _pool("max_pool1d", lambda x: _ref_max_pool2d(x[:, :, None], (1, 3), (1, 2), (0, 1))[:, :, 0],
          [((2, 3, 8),)], "max_pool1d", distinct(),
          kernel_size=3, stride=2, padding=1),
    _pool("avg_pool2d", lambda x: _ref_avg_pool2d(x, 2), [((2, 3, 4, 5),)], "avg_pool2d",
          kernel_size=2),
    _pool("avg_pool2d", lambda x: _ref_avg_pool2d(x, 3, 2, 1, True, False), [((2, 2, 6, 5),)],
          "avg_pool2d_nopad_count", kernel_size=3, stride=2, padding=1, ceil_mode=True,
          count_include_pad=False),
    _pool("avg_pool2d", lambda x: _ref_avg_pool2d(x, (3, 2), (2, 1), (1, 1), True),
          [((1, 2, 6, 4),)], "avg_pool2d_ceil", kernel_size=(3, 2), stride=(2, 1),
          padding=(1, 1), ceil_mode=True),
    _pool("avg_pool2d", lambda x: _ref_avg_pool2d(x, 2, 1, 0, divisor=3), [((1, 2, 3, 4),)],
          "avg_pool2d_divisor", kernel_size=2, stride=1, divisor_override=3),
    _pool("avg_pool1d", lambda x: _ref_avg_pool2d(x[:, :, None], (1, 3), (1, 2), (0, 1))[:, :, 0],
          [((2, 3, 7),)], "avg_pool1d", kernel_size=3, stride=2, padding=1),
    _pool("adaptive_avg_pool2d", lambda x: _ref_adaptive(x, (3, 4)), [((1, 2, 7, 6),)],
          "adaptive_avg_pool2d_uneven", output_size=(3, 4)),
    _pool("adaptive_avg_pool2d", lambda x: _ref_adaptive(x, (4, 3)), [((2, 2, 4, 6),)],
          "adaptive_avg_pool2d_divisible", output_size=(None, 3)),
    _pool("adaptive_avg_pool2d", lambda x: _ref_adaptive(x, (1, 1)),
          [((2, 3, 3, 4),), ((3, 3, 2),)],
          "adaptive_avg_pool2d_global", output_size=1),
    _pool("adaptive_avg_pool1d", lambda x: _ref_adaptive(x[:, :, None], (1, 3))[:, :, 0],
          [((2, 3, 7),)], "adaptive_avg_pool1d", output_size=3),
    _pool("interpolate", lambda x: _ref_nearest_axis(_ref_nearest_axis(x, 6, 2), 8, 3),
          [((2, 2, 3, 4),)], "interpolate_nearest_x2", scale_factor=2),
    _pool("interpolate", lambda x: _ref_nearest_axis(_ref_nearest_axis(x, 5, 2), 3, 3),
          [((2, 2, 3, 4),)], "interpolate_nearest_size", size=(5, 3)),
    _pool("interpolate", lambda x: _ref_bilinear_axis(_ref_bilinear_axis(x, 5, 2, False), 7, 3,
                                                      False),
          [((2, 2, 3, 4),)], "interpolate_bilinear", size=(5, 7), mode="bilinear"),
    _pool("interpolate", lambda x: _ref_bilinear_axis(_ref_bilinear_axis(x, 6, 2, True), 2, 3,
                                                      True),
          [((1, 2, 3, 4),)], "interpolate_bilinear_corners", size=(6, 2), mode="bilinear",
          align_corners=True),
    _pool("interpolate", lambda x: _ref_bilinear_axis(x, 10, 2, False, scale=2.5),
          [((2, 2, 4),)], "interpolate_linear_scale", scale_factor=2.5, mode="linear"),
]

NOT_DIFFERENTIABLE: dict = {}
