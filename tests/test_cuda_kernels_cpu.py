"""The fused CUDA kernels' own source text, compiled as C++ and run on the CPU.

A GPU is rarely at hand, so each kernel of ``minigrad/cuda_kernels.py`` is also built here
with g++: an ElementwiseKernel's operation runs in a plain loop over ``i`` (arrays passed
flat and already broadcast, as CuPy would index them), and the raw cross-entropy kernel
runs one "block" per row with a single "thread" (its loops then cover the whole row and
the shared-memory reductions have nothing to combine). The results are compared with the
ufunc chains the kernels replace (the CPU code paths of the same ops) or with NumPy. This
checks the kernels' arithmetic and indexing; what only a GPU shows (the CUDA compiler,
the parallel reduction, CuPy's argument handling) is checked by tests/test_cuda_kernels.py.
"""
import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile

import numpy as np
import pytest

from minigrad import cuda_kernels as ck

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")

_PRELUDE = r"""
#include <cmath>
#include <cstring>
#include <algorithm>
using std::exp; using std::log; using std::tanh; using std::sqrt; using std::max;
#define __device__
#define __forceinline__ inline
#define __global__
#define __shared__ static
#define __syncthreads()
static float __int_as_float(unsigned v) { float f; std::memcpy(&f, &v, 4); return f; }
static double __longlong_as_double(unsigned long long v) { double d; std::memcpy(&d, &v, 8); return d; }
struct minigrad_dim { long long x; };
static minigrad_dim blockIdx, threadIdx = {0}, blockDim = {1};
"""
_CTYPE = {"float64": "double", "float32": "float", "int64": "long long", "int32": "int",
          "uint8": "unsigned char"}
_CACHE = os.path.join(tempfile.gettempdir(), "minigrad-kernels-cpu")


def _build(src, tag):
    os.makedirs(_CACHE, exist_ok=True)
    h = hashlib.sha1(src.encode()).hexdigest()[:16]
    so = os.path.join(_CACHE, f"{tag}-{h}.so")
    if not os.path.exists(so):  # built once per source text; pid-named temporaries for xdist
        cpp, tmp = f"{so}.{os.getpid()}.cpp", f"{so}.{os.getpid()}.tmp"
        with open(cpp, "w") as f:
            f.write(src)
        subprocess.run(["g++", "-O1", "-shared", "-fPIC", "-o", tmp, cpp], check=True)
        os.replace(tmp, so)
    return ctypes.CDLL(so)


def _params(spec_params):
    out = []
    for p in spec_params.split(","):
        toks = p.split()
        raw = toks[0] == "raw"
        ty, name = toks[-2:]
        out.append((raw, ty, name))
    return out


def elementwise(name, T, I="uint8", arrays=None):
    """A callable ``f(*args)`` running kernel ``name`` (an ElementwiseKernel spec) for element
    type T on NumPy arrays; outputs are written in place, as with CuPy. ``arrays`` flags which
    explicitly typed inputs (``int64 t``) are arrays; placeholder-typed ones always are."""
    spec = ck._SPECS[name]
    ins, outs = _params(spec["in_params"]), _params(spec["out_params"])
    types = {"T": _CTYPE[T], "I": _CTYPE[I]}
    arrays = arrays or [False] * len(ins)
    kinds = [(raw, ty, k >= len(ins) or ty in types or arrays[k])
             for k, (raw, ty, _) in enumerate(ins + outs)]
    sig, body = [], []
    for k, ((raw, ty, nm), (_, _, is_arr)) in enumerate(zip(ins + outs, kinds)):
        cty = types.get(ty) or _CTYPE[ty]
        if raw:
            sig.append(f"{cty}* {nm}")
        elif is_arr:  # flat, broadcast to the loop size
            sig.append(f"{cty}* _p_{nm}")
            body.append(f"{cty} &{nm} = _p_{nm}[i];" if k >= len(ins)
                        else f"const {cty} {nm} = _p_{nm}[i];")
        else:
            sig.append(f"{cty} {nm}")
    src = (_PRELUDE + spec.get("preamble", "") + f"typedef {types['T']} T;\ntypedef {types['I']} I;\n"
           f'extern "C" void run(long long n_, {", ".join(sig)}) {{\n'
           f"  for (long long i = 0; i < n_; ++i) {{\n" + "\n".join(body) + spec["operation"]
           + "\n  }\n}\n")
    fn = _build(src, name).run

    def call(*args):
        shape = np.broadcast_shapes(*[np.shape(a) for (raw, _, is_arr), a in zip(kinds, args)
                                      if is_arr and not raw])
        cargs, keep, back = [], [], []
        for k, ((raw, ty, is_arr), a) in enumerate(zip(kinds, args)):
            if raw or is_arr:
                dt = np.dtype({"T": T, "I": I}.get(ty, ty))
                flat = np.array(a if raw else np.broadcast_to(a, shape), dtype=dt, order="C")
                keep.append(flat)
                cargs.append(flat.ctypes.data_as(ctypes.c_void_p))
                if k >= len(ins):
                    back.append((a, flat))
            elif ty.startswith("float"):
                cargs.append(ctypes.c_double(a))
            else:
                cargs.append(ctypes.c_longlong(a))
        fn(ctypes.c_longlong(int(np.prod(shape))), *cargs)
        for a, flat in back:  # outputs are written in place, as CuPy does
            a[...] = flat
    return call


def ce_forward(x, t, ignore):
    """The raw cross-entropy kernel, one row ("block") at a time with one "thread"."""
    spec = ck._SPECS["ce_fwd_" + ("float" if x.dtype == np.float32 else "double")]
    kern = getattr(_build(_PRELUDE + spec[1], spec[2]), spec[2])
    x, t = np.ascontiguousarray(x), np.ascontiguousarray(t, dtype=np.int64)
    n, c = x.shape
    loss, lse = np.empty(n, x.dtype), np.empty(n, x.dtype)
    for r in range(n):  # blockIdx.x stays 0: each call gets pointers to its own row
        kern(*(a[r:].ctypes.data_as(ctypes.c_void_p) for a in (x, t, loss, lse)),
             ctypes.c_longlong(c), ctypes.c_longlong(ignore))
    return loss, lse


def _kernel_for_numpy(name, *arrays):
    """Stands in for ``cuda_kernels.get`` on NumPy arrays: the same kernel, built for the CPU."""
    if not all(isinstance(a, np.ndarray) and a.dtype.char in "fd" for a in arrays):
        return None
    if isinstance(ck._SPECS[name], tuple):  # the raw cross-entropy kernel
        def raw(grid, block, args):
            x, t, loss, lse, _, ignore = args
            loss[...], lse[...] = ce_forward(x, t, int(ignore))
        return raw
    spec_params = _params(ck._SPECS[name]["in_params"]) + _params(ck._SPECS[name]["out_params"])

    def call(*args):
        dts = {ty: np.asarray(a).dtype.name for (_, ty, _), a in zip(spec_params, args)
               if ty in ("T", "I")}
        arrays = [isinstance(a, np.ndarray) for a in args]
        return elementwise(name, dts["T"], dts.get("I", "uint8"), arrays)(*args)
    return call


@pytest.fixture
def kernels_on_cpu(monkeypatch):
    """Inside the test, ops take their fused-kernel code paths on NumPy arrays."""
    def use(on):
        monkeypatch.setattr(ck, "get", _kernel_for_numpy if on else (lambda *a: None))
    return use


def _both(kernels_on_cpu, fn):
    import minigrad as mg

    out = []
    for on in (True, False):
        kernels_on_cpu(on)
        mg.manual_seed(0)
        out.append(fn())
    return out


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-12), ("float32", 1e-5)])
@pytest.mark.parametrize("case", ["lstm", "adam", "adam_amsgrad_wd", "adamw", "ce", "conv_pool",
                                  "conv_pool_overlap", "conv_pool_ceil"])
def test_fused_code_paths_match_ufunc_chains(case, dtype, rtol, kernels_on_cpu):
    import minigrad as mg
    from minigrad import nn, optim
    F = nn.functional
    dt = getattr(mg, dtype)

    def run():
        if case == "lstm":
            lstm = nn.LSTM(5, 4, num_layers=2, bidirectional=True).to(dtype=dt)
            x = mg.randn(6, 3, 5, dtype=dt, requires_grad=True)
            h0 = mg.randn(4, 3, 4, dtype=dt, requires_grad=True)
            c0 = mg.randn(4, 3, 4, dtype=dt, requires_grad=True)
            y, (h, c) = lstm(x, (h0, c0))
            (y.square().sum() + (h * c).sum()).backward()
            res = [y, h, c, x.grad, h0.grad, c0.grad] + [p.grad for p in lstm.parameters()]
        elif case.startswith("adam"):
            p = mg.randn(50, dtype=dt, requires_grad=True)
            kw = {"adam": {}, "adam_amsgrad_wd": {"amsgrad": True, "weight_decay": 0.1,
                                                  "maximize": True},
                  "adamw": {"weight_decay": 0.1, "decoupled_weight_decay": True}}[case]
            opt = optim.Adam([p], lr=1e-2, **kw)
            for _ in range(4):
                opt.zero_grad()
                (p.square() * mg.arange(50, dtype=dt)).sum().backward()
                opt.step()
            res = [p, opt.state[p]["exp_avg"], opt.state[p]["exp_avg_sq"]]
        elif case == "ce":
            x = (mg.randn(9, 13, dtype=dt) * 20).requires_grad_()
            y = mg.randint(0, 13, (9,))
            y[::4] = -100
            loss = F.cross_entropy(x, y, reduction="none")
            (loss * mg.arange(9, dtype=dt)).sum().backward()
            res = [loss, x.grad]
        else:
            conv_kw, pool_kw = {
                "conv_pool": ({}, {"kernel_size": 2}),
                "conv_pool_overlap": ({"stride": 2, "padding": 1, "dilation": 2},
                                      {"kernel_size": 3, "stride": 1, "padding": 1}),
                "conv_pool_ceil": ({"padding": (2, 1), "groups": 2},
                                   {"kernel_size": (2, 3), "stride": 2, "ceil_mode": True}),
            }[case]
            x = mg.randn(2, 4, 11, 9, dtype=dt, requires_grad=True)
            w = mg.randn(6, 4 // conv_kw.get("groups", 1), 3, 2, dtype=dt, requires_grad=True)
            y = F.max_pool2d(F.conv2d(x, w, **conv_kw), **pool_kw)
            (y * mg.randn(*y.shape, dtype=dt)).sum().backward()
            res = [y, x.grad, w.grad]
        return [t.detach().numpy().copy() for t in res]

    fused, plain = _both(kernels_on_cpu, run)
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


def test_the_cpu_build_runs_the_kernel_text_itself(kernels_on_cpu):
    """Guard against a vacuous comparison: a kernel built here sees a change to its source."""
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    loss, lse = ce_forward(x, np.array([2, -100]), -100)
    np.testing.assert_allclose(lse, np.log(np.exp(x).sum(1)))
    np.testing.assert_allclose(loss, [lse[0] - 2, 0])
    out = np.zeros((3, 4, 4, 2))  # col2im of an all-ones 2x2 column, stride 1: window counts
    elementwise("col2im", "float64")(np.ones((3, 2, 2, 3, 3, 2)), 3, 4, 4, 2, 2, 2, 1, 1, 0, 0,
                                     1, 1, 3, 3, out)
    np.testing.assert_array_equal(out[0, :, :, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2],
                                                    [1, 2, 2, 1]])
