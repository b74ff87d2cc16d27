"""Fused CUDA kernels (CuPy ``ElementwiseKernel``) for hot elementwise chains on the GPU.

On a GPU a chain of small ufunc calls costs one kernel launch each (~10 us of host time in
CuPy), so launch overhead, not bandwidth, bounds steps such as the Adam update or an LSTM
cell. Each kernel here does one such chain in a single launch. They are built lazily, from
the CuPy that ``backend`` loaded (this module never imports CuPy itself), and used only for
float32/float64 CuPy arrays; ``MINIGRAD_CUDA_FUSED=0`` turns them all off (the ops then run
their ufunc chains, as on the CPU), which is how the tests compare the two.
"""
from __future__ import annotations

import os

from . import backend

_kernels: dict = {}

_ADAM = dict(
    in_params="T g, float64 shrink, float64 wd, float64 gsign, float64 b1, float64 b2, "
              "float64 eps_hat, float64 step",
    out_params="T x, T m, T v",
    operation="""
        double p = (double)x * shrink;
        double d = gsign * (double)g + wd * p;
        double mm = b1 * (double)m + (1.0 - b1) * d;
        double vv = b2 * (double)v + (1.0 - b2) * d * d;
        m = mm;
        v = vv;
        x = p + step * mm / (sqrt(vv) + eps_hat);
    """,
    name="minigrad_adam")

_ADAM_AMSGRAD = dict(
    in_params=_ADAM["in_params"],
    out_params="T x, T m, T v, T vmax",
    operation="""
        double p = (double)x * shrink;
        double d = gsign * (double)g + wd * p;
        double mm = b1 * (double)m + (1.0 - b1) * d;
        double vv = b2 * (double)v + (1.0 - b2) * d * d;
        double vm = max((double)vmax, vv);
        m = mm;
        v = vv;
        vmax = vm;
        x = p + step * mm / (sqrt(vm) + eps_hat);
    """,
    name="minigrad_adam_amsgrad")

# LSTM cell, PyTorch's gate order [i, f, g, o]; a* hold h @ W_hh^T on entry and the
# activated gates on exit; x* are the input projections of this step.
_LSTM_FWD = dict(
    in_params="T xi, T xf, T xg, T xo, T c_prev",
    out_params="T ai, T af, T ag, T ao, T c, T tc, T h",
    operation="""
        T i_ = 1 / (1 + exp(-(ai + xi)));
        T f_ = 1 / (1 + exp(-(af + xf)));
        T g_ = tanh(ag + xg);
        T o_ = 1 / (1 + exp(-(ao + xo)));
        T c_ = f_ * c_prev + i_ * g_;
        T t_ = tanh(c_);
        ai = i_; af = f_; ag = g_; ao = o_;
        c = c_; tc = t_; h = o_ * t_;
    """,
    name="minigrad_lstm_fwd")

# One step of LSTM backprop through time: from the activated gates s*, tanh(c_t), c_{t-1},
# the output gradients (gy_h, gy_c) and the carried gh, gc, the pre-activation gradients
# d* and the new carried gc (gh is then d @ W_hh, one GEMM by the caller). (``i`` and ``n``
# are reserved names inside CuPy kernels.)
_LSTM_BWD = dict(
    in_params="T si, T sf, T sg, T so, T tc, T c_prev, T gyh, T gyc, T gh",
    out_params="T di, T df, T dg, T do_, T gc",
    operation="""
        T ght = gyh + gh;
        T gct = ght * so * (1 - tc * tc) + gyc + gc;
        di = gct * sg * si * (1 - si);
        df = gct * c_prev * sf * (1 - sf);
        dg = gct * si * (1 - sg * sg);
        do_ = ght * tc * so * (1 - so);
        gc = gct * sf;
    """,
    name="minigrad_lstm_bwd")

_SPECS = {"adam": _ADAM, "adam_amsgrad": _ADAM_AMSGRAD, "lstm_fwd": _LSTM_FWD,
          "lstm_bwd": _LSTM_BWD}


def enabled() -> bool:
    """Whether fused kernels may be used (``MINIGRAD_CUDA_FUSED=0`` turns them off)."""
    return os.environ.get("MINIGRAD_CUDA_FUSED", "1") != "0"


def get(name: str, *arrays):
    """The fused kernel ``name`` when every array is a float32/float64 CuPy array, else None.

    None means: run the ordinary ufunc chain (NumPy arrays, other dtypes, no real CuPy,
    or fused kernels turned off).
    """
    cp = backend._cupy
    if cp is None or not enabled() or not hasattr(cp, "ElementwiseKernel"):
        return None
    for a in arrays:
        if type(a) is not cp.ndarray or a.dtype.char not in "fd":
            return None
    k = _kernels.get(name)
    if k is None:
        try:
            k = cp.ElementwiseKernel(**_SPECS[name])
        except NotImplementedError:  # the CPU stand-in (tests/fake_cupy.py) compiles nothing
            return None
        _kernels[name] = k
    return k
