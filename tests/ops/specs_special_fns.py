"""Specs for minigrad/ops/special_fns.py and math_extra.py (gamma family, erfinv, Bessel
i0/i1, zeta, normal CDF family, xlogy, hypot, logit, sinc, fmax/fmin, ...). Accuracy over
wide ranges, poles and edges: tests/ops/test_special_fns.py."""
import numpy as np
import scipy.special as sp

from minigrad import ops
from minigrad import special as msp

from .specs import OpSpec, away_from

B2 = [((3, 4), (3, 4)), ((2, 1, 4), (3, 1)), ((), (2,))]
U = [((3, 4),), ((),)]


def _t(name, *args, **kw):
    def f(*ts):
        import torch

        obj = torch
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj(*ts, *args, **kw)

    return f


def _mvlgamma(a, p):
    return sum(sp.gammaln(a - i / 2) for i in range(p)) + p * (p - 1) / 4 * np.log(np.pi)


SPECS = [
    OpSpec("lgamma", lambda a: a.lgamma(), sp.gammaln, U, domain=(0.1, 6.0),
           torch_fn=_t("lgamma")),
    OpSpec("lgamma", lambda a: ops.lgamma(a), lambda a: sp.gammaln(a), [((5,),)],
           domain=(-2.9, -2.1), id="lgamma_negative", torch_fn=_t("lgamma")),
    # digamma's gradient is trigamma, which PyTorch evaluates to about 5e-10 (measured
    # against mpmath; minigrad's is within 1e-15): hence torch_rtol
    OpSpec("digamma", lambda a: a.digamma(), sp.digamma, U, domain=(0.1, 6.0),
           torch_fn=_t("digamma"), torch_rtol=1e-9),
    OpSpec("digamma", lambda a: ops.digamma(a), sp.digamma, [((5,),)], domain=(-1.9, -1.1),
           id="digamma_negative", torch_fn=_t("digamma"), torch_rtol=1e-9),
    OpSpec("polygamma", lambda a: ops.polygamma(1, a), lambda a: sp.polygamma(1, a), U,
           domain=(0.2, 5.0), torch_fn=lambda a: __import__("torch").polygamma(1, a),
           torch_rtol=1e-9),  # PyTorch's trigamma: see digamma
    OpSpec("polygamma", lambda a: a.polygamma(3), lambda a: sp.polygamma(3, a), [((4,),)],
           domain=(0.5, 4.0), id="polygamma_3", torch_fn=lambda a: a.polygamma(3)),
    OpSpec("polygamma", lambda a: ops.polygamma(2, a), lambda a: sp.polygamma(2, a),
           [((4,),)], domain=(-0.9, -0.1), id="polygamma_negative",
           torch_fn=lambda a: __import__("torch").polygamma(2, a)),
    OpSpec("mvlgamma", lambda a: a.mvlgamma(3), lambda a: _mvlgamma(a, 3), U,
           domain=(1.2, 4.0), torch_fn=_t("mvlgamma", p=3)),
    OpSpec("erfinv", lambda a: a.erfinv(), sp.erfinv, U, domain=(-0.95, 0.95),
           torch_fn=_t("erfinv")),
    OpSpec("i0", lambda a: a.i0(), sp.i0, U, domain=(-4.0, 4.0), torch_fn=_t("i0")),
    OpSpec("i0e", lambda a: msp.i0e(a), sp.i0e, U, domain=away_from([0.0], -4.0, 4.0),
           torch_fn=_t("special.i0e")),
    OpSpec("i1", lambda a: msp.i1(a), sp.i1, U, domain=(-4.0, 4.0),
           torch_fn=_t("special.i1")),
    OpSpec("i1e", lambda a: msp.i1e(a), sp.i1e, U, domain=away_from([0.0], -4.0, 4.0),
           torch_fn=_t("special.i1e")),
    OpSpec("zeta", lambda a, b: msp.zeta(a, b), sp.zeta, [((3, 4), (3, 4)), ((2, 3), (3,))],
           domain=[(1.5, 4.0), (0.5, 3.0)], grad_inputs=(1,), torch_fn=_t("special.zeta")),
    OpSpec("igamma", lambda a, x: ops.igamma(a, x), sp.gammainc, [((3, 4), (3, 4)), ((), (3,))],
           domain=[(0.5, 4.0), (0.2, 5.0)], grad_inputs=(1,), torch_fn=_t("igamma")),
    OpSpec("igammac", lambda a, x: a.igammac(x), sp.gammaincc, [((3, 4), (4,))],
           domain=[(0.5, 4.0), (0.2, 5.0)], grad_inputs=(1,), torch_fn=_t("igammac")),
    OpSpec("erfcx", lambda a: msp.erfcx(a), sp.erfcx, U, domain=(-2.0, 5.0),
           torch_fn=_t("special.erfcx")),
    OpSpec("ndtr", lambda a: msp.ndtr(a), sp.ndtr, U, domain=(-3.0, 3.0),
           torch_fn=_t("special.ndtr")),
    OpSpec("log_ndtr", lambda a: msp.log_ndtr(a), sp.log_ndtr, U, domain=(-12.0, 4.0),
           torch_fn=_t("special.log_ndtr")),
    OpSpec("ndtri", lambda a: msp.ndtri(a), sp.ndtri, U, domain=(0.02, 0.98),
           torch_fn=_t("special.ndtri")),
    OpSpec("entr", lambda a: msp.entr(a), sp.entr, U, domain=(0.1, 3.0),
           torch_fn=_t("special.entr")),
    OpSpec("xlogy", lambda a, b: ops.xlogy(a, b), sp.xlogy, B2, domain=[(-2.0, 2.0),
           (0.1, 3.0)], broadcast=True, torch_fn=_t("xlogy")),
    OpSpec("xlog1py", lambda a, b: msp.xlog1py(a, b), sp.xlog1py, [((3, 4), (4,))],
           domain=[(-2.0, 2.0), (-0.9, 3.0)], torch_fn=_t("special.xlog1py")),
    OpSpec("hypot", lambda a, b: a.hypot(b), np.hypot, B2,
           domain=[away_from([0.0]), away_from([0.0])], broadcast=True,
           torch_fn=_t("hypot")),
    OpSpec("logit", lambda a: a.logit(), sp.logit, U, domain=(0.05, 0.95),
           torch_fn=_t("logit")),
    OpSpec("logit", lambda a: ops.logit(a, eps=0.2), lambda a: sp.logit(np.clip(a, 0.2, 0.8)),
           [((4, 5),)], domain=away_from([0.2, 0.8], 0.0, 1.0, 0.02), id="logit_eps",
           torch_fn=_t("logit", eps=0.2)),
    OpSpec("sinc", lambda a: a.sinc(), np.sinc, U, domain=away_from([0.0]),
           torch_fn=_t("sinc")),
    OpSpec("fmax", lambda a, b: ops.fmax(a, b), np.fmax, B2, broadcast=True,
           torch_fn=_t("fmax")),
    OpSpec("fmin", lambda a, b: a.fmin(b), np.fmin, B2, broadcast=True, torch_fn=_t("fmin")),
    # (the result is always float64; cast back so the table's float32 pass applies; the
    # dtype itself is checked in test_special_fns.py)
    OpSpec("float_power", lambda a, b: ops.float_power(a, b).to(a.dtype), np.power,
           [((3, 4), (3, 4)), ((2, 3), ())], domain=[(0.5, 2.0), (-2.0, 2.0)],
           torch_fn=lambda a, b: __import__("torch").float_power(a, b).to(a.dtype)),
    OpSpec("float_power", lambda a: a.float_power(2.5).to(a.dtype), lambda a: a ** 2.5,
           [((3,),)],
           domain=(0.5, 2.0), id="float_power_scalar", torch_fn=lambda a: a.float_power(2.5).to(a.dtype)),
    # non-negative exponents: PyTorch 2.13's ldexp gradient computes 2 ** other in integer
    # arithmetic, 0 for negative exponents (forward values there: test_special_fns.py)
    OpSpec("ldexp", lambda a, b: ops.ldexp(a, b), lambda a, b: np.ldexp(a, b),
           [((3, 4), (3, 4)), ((2, 3), (3,))], int_inputs={1: (0, 4)},
           torch_fn=_t("ldexp")),
    OpSpec("frexp", lambda a: ops.frexp(a).mantissa, lambda a: np.frexp(a)[0], U,
           domain=away_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0], gap=0.02),
           torch_fn=lambda a: a.frexp().mantissa),
    OpSpec("nan_to_num", lambda a: a.nan_to_num(), np.nan_to_num, U,
           torch_fn=_t("nan_to_num")),
    OpSpec("rsub", lambda a, b: ops.rsub(a, b, alpha=0.5), lambda a, b: b - 0.5 * a, B2,
           broadcast=True, torch_fn=_t("rsub", alpha=0.5)),
    OpSpec("deg2rad", lambda a: ops.deg2rad(a), np.deg2rad, U, torch_fn=_t("deg2rad")),
    OpSpec("rad2deg", lambda a: a.rad2deg(), np.rad2deg, U, torch_fn=_t("rad2deg")),
]

NOT_DIFFERENTIABLE = {
    n: "no gradient in PyTorch either (a step, a bit pattern or integers); values and errors "
       "vs PyTorch in tests/ops/test_special_fns.py"
    for n in ("heaviside", "nextafter", "gcd", "lcm", "signbit", "isneginf", "isposinf")
}
NOT_DIFFERENTIABLE.update({
    n: "a random sampler (no gradient); moments checked in tests/ops/test_random_fill.py"
    for n in ("poisson", "binomial")})
