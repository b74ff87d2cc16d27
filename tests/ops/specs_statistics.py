"""Specs for order statistics, NaN-aware reductions and finite differences
(minigrad/ops/statistics.py, differences.py). Counting ops (histograms.py) and the integer
outputs (indices, count_nonzero) are compared with PyTorch in tests/ops/test_statistics.py."""
import numpy as np

import minigrad as mg
from minigrad import ops

from .specs import OpSpec, distinct


def _t(name, *args, pick=None, **kw):
    def f(*ts):
        import torch

        out = getattr(torch, name)(*ts, *args, **kw)
        return getattr(out, pick) if pick else out

    return f


def with_nans(rng, shape):
    """Uniform values with about a quarter NaN (never all of a 1-element input)."""
    a = rng.uniform(-2, 2, size=shape)
    if a.size > 1:
        a[rng.uniform(size=shape) < 0.25] = np.nan
    return a


def _np_lower_median(a, axis):
    s = np.sort(a, axis=axis)
    return np.take(s, (a.shape[axis] - 1) // 2, axis=axis)


def _np_kth(a, k, axis):
    return np.take(np.sort(a, axis=axis), k - 1, axis=axis)


def _np_quantile(a, q, axis=None, keepdims=False, method="linear"):
    return np.quantile(a, q, axis=axis, keepdims=keepdims, method=method)


def _np_gradient(a, *args, axis=None, edge_order=1):
    g = np.gradient(a, *args, axis=axis, edge_order=edge_order)
    return tuple(g) if isinstance(g, list) else g


D = distinct()
M2, M3, S0 = [((3, 4),)], [((2, 3, 4),)], [((),)]
Q = mg.tensor([0.0, 0.3, 0.5, 1.0], dtype=mg.float64)
QT = np.array([0.0, 0.3, 0.5, 1.0])

SPECS = [
    OpSpec("median", lambda a: ops.median(a), lambda a: _np_lower_median(a.reshape(-1), 0),
           M2 + M3 + S0, domain=D, torch_fn=_t("median")),
    OpSpec("median", lambda a: ops.median(a, 1).values, lambda a: _np_lower_median(a, 1),
           M2 + M3, domain=D, id="median_dim", torch_fn=_t("median", 1, pick="values")),
    OpSpec("median", lambda a: a.median(-1, keepdim=True).values,
           lambda a: _np_lower_median(a, -1)[..., None], M3, domain=D,
           id="median_neg_dim_keepdim", torch_fn=_t("median", -1, keepdim=True, pick="values")),
    OpSpec("median", lambda a: a.median(0).values, lambda a: a.copy(), S0, domain=D,
           id="median_0d_dim"),
    OpSpec("nanmedian", lambda a: ops.nanmedian(a), lambda a: _np_lower_median(
        a.reshape(-1)[~np.isnan(a.reshape(-1))], 0), M2 + M3, domain=with_nans,
           torch_fn=_t("nanmedian")),
    OpSpec("nanmedian", lambda a: a.nanmedian(0).values, None, M2 + M3, domain=with_nans,
           id="nanmedian_dim", torch_fn=_t("nanmedian", 0, pick="values")),
    OpSpec("kthvalue", lambda a: ops.kthvalue(a, 2).values, lambda a: _np_kth(a, 2, -1),
           M2 + M3, domain=D, torch_fn=_t("kthvalue", 2, pick="values")),
    OpSpec("kthvalue", lambda a: a.kthvalue(3, 0, keepdim=True).values,
           lambda a: _np_kth(a, 3, 0)[None], M2, domain=D, id="kthvalue_dim0_keepdim",
           torch_fn=_t("kthvalue", 3, 0, keepdim=True, pick="values")),
    OpSpec("mode", lambda a: ops.mode(a).values, lambda a: a.min(-1), M2 + M3, domain=D,
           torch_fn=_t("mode", pick="values")),
    OpSpec("mode", lambda a: ops.mode(mg.cat([a, a[:, :1]], 1), 1).values,
           lambda a: a[:, 0], M2, domain=D, id="mode_repeated",
           torch_fn=lambda a: __import__("torch").mode(
               __import__("torch").cat([a, a[:, :1]], 1), 1).values),
    OpSpec("quantile", lambda a: ops.quantile(a, 0.3), lambda a: _np_quantile(a, 0.3),
           M2 + M3 + S0, torch_fn=_t("quantile", 0.3)),
    OpSpec("quantile", lambda a: ops.quantile(a, Q.to(a.dtype), dim=1, keepdim=True),
           lambda a: _np_quantile(a, QT, axis=1, keepdims=True), M2 + M3,
           id="quantile_q_dim_keepdim",
           torch_fn=lambda a: __import__("torch").quantile(
               a, __import__("torch").tensor(QT), dim=1, keepdim=True)),
    *[OpSpec("quantile", lambda a, m=m: a.quantile(0.4, dim=-1, interpolation=m),
             lambda a, m=m: _np_quantile(a, 0.4, axis=-1, method=m), M2, domain=D,
             id=f"quantile_{m}", torch_fn=_t("quantile", 0.4, dim=-1, interpolation=m))
      for m in ("lower", "higher", "midpoint", "nearest")],
    OpSpec("nanquantile", lambda a: ops.nanquantile(a, Q.to(a.dtype), dim=0),
           lambda a: np.nanquantile(a, QT, axis=0), [((5, 3),)],
           domain=lambda rng, s: np.where(np.arange(15).reshape(s) % 4 == 1, np.nan,
                                          rng.uniform(-2, 2, s)),
           torch_fn=lambda a: __import__("torch").nanquantile(a, __import__("torch").tensor(QT),
                                                              dim=0)),
    OpSpec("nansum", lambda a: ops.nansum(a), np.nansum, M2 + M3 + S0, domain=with_nans,
           torch_fn=_t("nansum")),
    OpSpec("nansum", lambda a: a.nansum((0, -1), keepdim=True),
           lambda a: np.nansum(a, (0, -1), keepdims=True), M3, domain=with_nans,
           id="nansum_dims_keepdim", torch_fn=_t("nansum", (0, -1), keepdim=True)),
    OpSpec("nanmean", lambda a: ops.nanmean(a, 1),
           lambda a: np.nanmean(a, 1), [((3, 6),)],
           domain=lambda rng, s: np.where(np.arange(18).reshape(s) % 5 == 2, np.nan,
                                          rng.uniform(-2, 2, s)),
           torch_fn=_t("nanmean", 1)),
    OpSpec("nanmean", lambda a: a.nanmean(), np.mean, M2 + S0, id="nanmean_all",
           torch_fn=_t("nanmean")),
    OpSpec("aminmax", lambda a: tuple(ops.aminmax(a)), lambda a: (a.min(), a.max()),
           M2 + S0, domain=D, torch_fn=lambda a: tuple(__import__("torch").aminmax(a))),
    OpSpec("aminmax", lambda a: tuple(a.aminmax(dim=-2, keepdim=True)),
           lambda a: (a.min(-2, keepdims=True), a.max(-2, keepdims=True)), M3, domain=D,
           id="aminmax_dim", torch_fn=lambda a: tuple(__import__("torch").aminmax(
               a, dim=-2, keepdim=True))),
    OpSpec("diff", lambda a: ops.diff(a), lambda a: np.diff(a), M2 + M3,
           torch_fn=_t("diff")),
    OpSpec("diff", lambda a, p, q: ops.diff(a, 2, 0, prepend=p, append=q),
           lambda a, p, q: np.diff(a, 2, 0, prepend=p, append=q),
           [((3, 4), (1, 4), (2, 4))], id="diff_n2_prepend_append",
           torch_fn=lambda a, p, q: __import__("torch").diff(a, 2, 0, prepend=p, append=q)),
    OpSpec("gradient", lambda a: ops.gradient(a), lambda a: _np_gradient(a), M2 + M3,
           torch_fn=lambda a: __import__("torch").gradient(a)),
    OpSpec("gradient", lambda a: ops.gradient(a, spacing=[0.5, 2.0], dim=(0, -1),
                                              edge_order=2),
           lambda a: _np_gradient(a, 0.5, 2.0, axis=(0, -1), edge_order=2), M2 + [((3, 2, 4),)],
           id="gradient_spacing_edge2",
           torch_fn=lambda a: __import__("torch").gradient(a, spacing=[0.5, 2.0],
                                                           dim=(0, -1), edge_order=2)),
    *[OpSpec("gradient", lambda a, e=e: ops.gradient(
        a, spacing=(mg.tensor([0.0, 0.5, 1.7, 2.0], dtype=mg.float64),), dim=1, edge_order=e),
             lambda a, e=e: _np_gradient(a, np.array([0.0, 0.5, 1.7, 2.0]), axis=1,
                                         edge_order=e), M2, id=f"gradient_coords_edge{e}",
             torch_fn=lambda a, e=e: __import__("torch").gradient(
                 a, spacing=(__import__("torch").tensor([0.0, 0.5, 1.7, 2.0],
                                                        dtype=a.dtype),), dim=1, edge_order=e))
      for e in (1, 2)],
]

NOT_DIFFERENTIABLE = {
    "count_nonzero": "integer counts",
    "bincount": "integer counts (weighted: piecewise constant in the data)",
    "histc": "counts",
    "histogram": "counts",
    "histogramdd": "counts",
}
