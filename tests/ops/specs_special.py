"""Specs for minigrad/ops/special_math.py and minigrad/ops/integrate.py: inverse hyperbolic
functions, copysign, logaddexp(2), logcumsumexp, std_mean/var_mean, trapezoid/trapz/
cumulative_trapezoid, cdist. Shifts, pow at its edges and errors: tests/ops/test_special.py."""
import numpy as np
from scipy.integrate import cumulative_trapezoid as _sp_cumtrapz
from scipy.integrate import trapezoid as _sp_trapz

import minigrad as mg
from minigrad import ops

from .specs import OpSpec, away_from

B2 = [((3, 4), (3, 4)), ((2, 1, 4), (3, 1)), ((), (2,))]
U = [((3, 4),), ((),)]


def _t(name, *args, **kw):
    def f(*ts):
        import torch

        return getattr(torch, name)(*ts, *args, **kw)

    return f


def _np_lcse(a, axis):
    return a.copy() if a.ndim == 0 else np.logaddexp.accumulate(a, axis=axis)


def _np_cdist(a, b, p):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == np.inf:
        return d.max(-1)
    return (d ** p).sum(-1) ** (1.0 / p)


def _stack_pair(fn):
    return lambda a: mg.stack(list(fn(a)))


SPECS = [
    OpSpec("asinh", lambda a: a.asinh(), np.arcsinh, U, torch_fn=_t("asinh")),
    OpSpec("acosh", lambda a: ops.acosh(a), np.arccosh, U, domain=(1.1, 3.0),
           torch_fn=_t("acosh")),
    OpSpec("atanh", lambda a: a.atanh(), np.arctanh, U, domain=(-0.9, 0.9),
           torch_fn=_t("atanh")),
    OpSpec("copysign", lambda a, b: ops.copysign(a, b), np.copysign, B2,
           domain=[away_from([0.0]), away_from([0.0])], broadcast=True,
           torch_fn=_t("copysign")),
    OpSpec("copysign", lambda a: a.copysign(-1.0), lambda a: np.copysign(a, -1.0), U,
           domain=away_from([0.0]), id="copysign_scalar"),
    OpSpec("logaddexp", lambda a, b: ops.logaddexp(a, b), np.logaddexp, B2, broadcast=True,
           torch_fn=_t("logaddexp")),
    OpSpec("logaddexp2", lambda a, b: a.logaddexp2(b), np.logaddexp2, B2, broadcast=True,
           torch_fn=_t("logaddexp2")),
    OpSpec("logcumsumexp", lambda a: ops.logcumsumexp(a, 1), lambda a: _np_lcse(a, 1),
           [((3, 4),), ((2, 5, 3),)], torch_fn=_t("logcumsumexp", 1)),
    OpSpec("logcumsumexp", lambda a: a.logcumsumexp(-1), lambda a: _np_lcse(a, -1),
           [((6,),), ((),)], domain=(-30.0, 30.0), id="logcumsumexp_wide",
           torch_fn=_t("logcumsumexp", -1)),
    OpSpec("std_mean", _stack_pair(lambda a: ops.std_mean(a, 1, keepdim=True)),
           lambda a: np.stack([a.std(1, ddof=1, keepdims=True), a.mean(1, keepdims=True)]),
           [((3, 4),)], torch_fn=lambda a: __import__("torch").stack(
               __import__("torch").std_mean(a, 1, keepdim=True))),
    OpSpec("var_mean", _stack_pair(lambda a: ops.var_mean(a, (0, -1), correction=0)),
           lambda a: np.stack([a.var((0, 2)), a.mean((0, 2))]), [((2, 3, 4),)],
           torch_fn=lambda a: __import__("torch").stack(
               __import__("torch").var_mean(a, (0, -1), correction=0))),
    OpSpec("trapezoid", lambda a: ops.trapezoid(a), lambda a: _sp_trapz(a, axis=-1),
           [((3, 5),), ((4,),)], torch_fn=_t("trapezoid")),
    OpSpec("trapezoid", lambda a, x: ops.trapezoid(a, x, dim=0),
           lambda a, x: _sp_trapz(a, x, axis=0), [((4, 3), (4, 3))], id="trapezoid_x",
           torch_fn=lambda a, x: __import__("torch").trapezoid(a, x, dim=0)),
    OpSpec("trapz", lambda a: ops.trapz(a, dx=0.5), lambda a: _sp_trapz(a, dx=0.5),
           [((2, 5),)], torch_fn=_t("trapz", dx=0.5)),
    OpSpec("cumulative_trapezoid", lambda a, x: ops.cumulative_trapezoid(a, x),
           lambda a, x: _sp_cumtrapz(a, x, axis=-1), [((3, 5), (5,))],
           torch_fn=_t("cumulative_trapezoid")),
    OpSpec("cdist", lambda a, b: ops.cdist(a, b), lambda a, b: _np_cdist(a, b, 2),
           [((3, 4), (5, 4)), ((2, 3, 4), (5, 4))], torch_fn=_t("cdist")),
    OpSpec("cdist", lambda a, b: ops.cdist(a, b, 1.0), lambda a, b: _np_cdist(a, b, 1),
           [((3, 4), (2, 4))], domain=away_from([0.0]), id="cdist_p1", twice=False,
           torch_fn=_t("cdist", 1.0)),
    OpSpec("cdist", lambda a, b: ops.cdist(a, b, 3.0), lambda a, b: _np_cdist(a, b, 3),
           [((3, 4), (2, 4))], id="cdist_p3", torch_fn=_t("cdist", 3.0)),
    OpSpec("cdist", lambda a, b: ops.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
           lambda a, b: _np_cdist(a, b, 2), [((3, 4), (5, 4))], id="cdist_mm",
           torch_fn=_t("cdist", compute_mode="use_mm_for_euclid_dist")),
]

NOT_DIFFERENTIABLE = {
    "bitwise_left_shift": "integer op",
    "bitwise_right_shift": "integer op",
}
