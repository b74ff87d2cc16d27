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

# -inf and nan for T (NVRTC compiles without the C headers: no INFINITY or NAN macros)
_NEG_INF = r"""
template <typename T> __device__ __forceinline__ T minigrad_neg_inf();
template <> __device__ __forceinline__ float minigrad_neg_inf<float>() {
    return __int_as_float(0xff800000);
}
template <> __device__ __forceinline__ double minigrad_neg_inf<double>() {
    return __longlong_as_double(0xfff0000000000000ULL);
}
template <typename T> __device__ __forceinline__ T minigrad_nan() {
    return minigrad_neg_inf<T>() - minigrad_neg_inf<T>();
}
"""

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

# Softmax cross-entropy over rows of a C-contiguous (N, C) x with int64 targets: one block
# per row reduces the max and the sum of exponentials in shared memory, and writes the
# row's log-sum-exp (kept for backward) and loss lse - x[t] (0 where t == ignore, nan
# where t is out of range: targets are not checked on the GPU, as that would synchronise).
_CE_FWD = r"""
extern "C" __global__ void minigrad_ce_fwd_T(const T* x, const long long* t, T* loss, T* lse,
                                             long long C, long long ignore) {
    __shared__ T sh[256];
    const T* row = x + (long long)blockIdx.x * C;
    T m = minigrad_neg_inf<T>();
    for (long long c = threadIdx.x; c < C; c += blockDim.x) m = row[c] > m ? row[c] : m;
    sh[threadIdx.x] = m;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s && sh[threadIdx.x + s] > sh[threadIdx.x]) sh[threadIdx.x] = sh[threadIdx.x + s];
        __syncthreads();
    }
    m = sh[0];
    __syncthreads();
    T acc = 0;
    for (long long c = threadIdx.x; c < C; c += blockDim.x) acc += exp(row[c] - m);
    sh[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        T l = m + log(sh[0]);
        long long y = t[blockIdx.x];
        lse[blockIdx.x] = l;
        // an out-of-range target gives nan, never a read outside the row
        loss[blockIdx.x] = (y == ignore) ? (T)0 : (y < 0 || y >= C) ? minigrad_nan<T>()
                                                                     : l - row[y];
    }
}
"""

# Its backward: gx = gy * (softmax(x) - onehot(t)) per row (0 where t == ignore); gy, t and
# lse come in as (N, 1) columns broadcast over the classes, ``i % C`` is the class.
_CE_BWD = dict(
    in_params="T x, T gy, int64 t, T lse, int64 C, int64 ignore",
    out_params="T gx",
    operation="""
        long long c = i % C;
        gx = (t == ignore) ? (T)0 : (T)(gy * (exp(x - lse) - (c == t ? (T)1 : (T)0)));
    """,
    name="minigrad_ce_bwd")

# col2im, the adjoint of im2col, as a gather (no atomics): out is (C, H, W, N) batch-last,
# gcol the contiguous (C, kh, kw, Ho, Wo, N) column gradient; each output pixel sums the
# columns whose window position lands on it.
_COL2IM = dict(
    in_params="raw T gcol, int64 C, int64 H, int64 W, int64 N, int64 kh, int64 kw, int64 sh, "
              "int64 sw, int64 pt, int64 pl, int64 dh, int64 dw, int64 Ho, int64 Wo",
    out_params="T out",
    operation="""
        long long b = i % N, w = (i / N) % W, h = (i / (N * W)) % H, c = i / (N * W * H);
        T acc = 0;
        for (long long ki = 0; ki < kh; ++ki) {
            long long hh = h + pt - ki * dh;
            if (hh < 0 || hh % sh) continue;
            long long ho = hh / sh;
            if (ho >= Ho) continue;
            for (long long kj = 0; kj < kw; ++kj) {
                long long ww = w + pl - kj * dw;
                if (ww < 0 || ww % sw) continue;
                long long wo = ww / sw;
                if (wo >= Wo) continue;
                acc += gcol[((((c * kh + ki) * kw + kj) * Ho + ho) * Wo + wo) * N + b];
            }
        }
        out = acc;
    """,
    name="minigrad_col2im")

# Max pooling over a contiguous (N, C, H, W) x into y (N, C, Ho, Wo) and the window offset
# of the first maximum (strict '>', as the CPU path; a NaN wins and freezes the offset).
_MAXPOOL_FWD = dict(
    in_params="raw T x, int64 H, int64 W, int64 kh, int64 kw, int64 sh, int64 sw, int64 ph, "
              "int64 pw, int64 dh, int64 dw, int64 Ho, int64 Wo",
    out_params="T y, I idx",
    operation="""
        long long wo = i % Wo, ho = (i / Wo) % Ho, nc = i / (Wo * Ho);
        const T* plane = &x[nc * H * W];
        T best = minigrad_neg_inf<T>();
        long long bk = 0;
        bool seen_nan = false;
        for (long long ki = 0; ki < kh; ++ki) {
            long long h = ho * sh + ki * dh - ph;
            for (long long kj = 0; kj < kw; ++kj) {
                long long w = wo * sw + kj * dw - pw;
                T v = (h >= 0 && h < H && w >= 0 && w < W) ? plane[h * W + w]
                                                           : minigrad_neg_inf<T>();
                long long k = ki * kw + kj;
                if (k == 0) { best = v; seen_nan = v != v; continue; }
                if (seen_nan) continue;
                if (v > best) { best = v; bk = k; }
                if (v != v) { best = v; seen_nan = true; }
            }
        }
        y = best;
        idx = bk;
    """,
    name="minigrad_maxpool_fwd", preamble=_NEG_INF)

# Its adjoint: gx (N, C, H, W) gathers, for each input position, the gradients of the
# windows whose recorded maximum is that position (handles overlapping windows).
_MAXPOOL_BWD = dict(
    in_params="raw T g, raw I idx, int64 H, int64 W, int64 kh, int64 kw, int64 sh, int64 sw, "
              "int64 ph, int64 pw, int64 dh, int64 dw, int64 Ho, int64 Wo",
    out_params="T gx",
    operation="""
        long long w = i % W, h = (i / W) % H, nc = i / (W * H);
        T acc = 0;
        for (long long ki = 0; ki < kh; ++ki) {
            long long hh = h + ph - ki * dh;
            if (hh < 0 || hh % sh) continue;
            long long ho = hh / sh;
            if (ho >= Ho) continue;
            for (long long kj = 0; kj < kw; ++kj) {
                long long ww = w + pw - kj * dw;
                if (ww < 0 || ww % sw) continue;
                long long wo = ww / sw;
                if (wo >= Wo) continue;
                long long o = (nc * Ho + ho) * Wo + wo;
                if ((long long)idx[o] == ki * kw + kj) acc += g[o];
            }
        }
        gx = acc;
    """,
    name="minigrad_maxpool_bwd")


def _raw(code, ctype, name):
    """A RawKernel spec for one element type: ``T`` is a typedef, the name gets the type."""
    typed = name.replace("_T", "_" + ctype)
    return ("raw", f"typedef {ctype} T;\n" + _NEG_INF + code.replace(name, typed), typed)


_SPECS = {"adam": _ADAM, "adam_amsgrad": _ADAM_AMSGRAD, "lstm_fwd": _LSTM_FWD,
          "lstm_bwd": _LSTM_BWD, "ce_bwd": _CE_BWD, "col2im": _COL2IM,
          "maxpool_fwd": _MAXPOOL_FWD, "maxpool_bwd": _MAXPOOL_BWD,
          "ce_fwd_float": _raw(_CE_FWD, "float", "minigrad_ce_fwd_T"),
          "ce_fwd_double": _raw(_CE_FWD, "double", "minigrad_ce_fwd_T")}


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
    k = _kernels.get((cp, name))  # per CuPy module: the tests swap in a stand-in
    if k is None:
        spec = _SPECS[name]
        try:
            k = cp.RawKernel(spec[1], spec[2]) if isinstance(spec, tuple) else \
                cp.ElementwiseKernel(**spec)
        except NotImplementedError:  # the CPU stand-in (tests/fake_cupy.py) compiles nothing
            return None
        _kernels[cp, name] = k
    return k
