"""Where fusing elementwise chains pays: NumPy's ops one by one vs a fused kernel.

Prints, per chain and array size (float32, one thread), the microseconds of NumPy's
ufuncs (as a replay runs them, with their temporaries), of minigrad.compile's fused
kernel (a Numba-made ufunc, ``minigrad/compile/fuse.py``) and of numexpr's evaluation of
the same expression (precompiled). ``fuse.MIN_ELEMENTS`` and the choice of library were
set from this table. Needs numba and numexpr.

    python benchmarks/fusion_threshold.py
"""
from __future__ import annotations

import os
import sys
import timeit

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

from minigrad.compile import fuse  # noqa: E402

S = np.float32(0.001)
# name: (NumPy ops, fused scalar body over a0.., numexpr expression, number of inputs)
CHAINS = {
    "add, maximum (bias + ReLU)": (
        lambda a, b, c: np.maximum(np.add(a, b), 0),
        "    t0 = a0 + a1\n    t1 = t0 if (t0 > np.float32(0) or t0 != t0) else np.float32(0)\n",
        "where(a + b > 0, a + b, 0)", 2),
    "greater, multiply (ReLU mask)": (
        lambda a, b, c: np.multiply(a, np.greater(b, 0)),
        "    t0 = a1 > np.float32(0)\n    t1 = a0 * np.float32(t0)\n", "a * (b > 0)", 2),
    "multiply, subtract (SGD)": (
        lambda a, b, c: np.subtract(a, np.multiply(b, S)),
        "    t0 = a1 * np.float32(0.001)\n    t1 = a0 - t0\n", "a - b * s", 2),
    "six arithmetic ops": (
        lambda a, b, c: np.add(np.multiply(np.add(np.multiply(a, S), b), np.subtract(c, a)),
                               np.multiply(b, b)),
        "    t0 = (a0 * np.float32(0.001) + a1) * (a2 - a0)\n    t1 = t0 + a1 * a1\n",
        "(a * s + b) * (c - a) + b * b", 3),
    "tanh(add) (transcendental)": (
        lambda a, b, c: np.tanh(np.add(a, b)), "    t1 = np.tanh(a0 + a1)\n", "tanh(a + b)", 2),
}
SIZES = (256, 1024, 4096, 16384, 65536, 262144, 1 << 20)


def _time(f):
    n = max(1, int(2e-3 / max(1e-7, min(timeit.repeat(f, number=1, repeat=3)))))
    return min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6


def main():
    if not fuse.available():
        sys.exit("needs numba (pip install numba)")
    try:
        import numexpr
        from numexpr.necompiler import NumExpr
        numexpr.set_num_threads(1)
    except ImportError:
        NumExpr = None
    f32 = np.dtype(np.float32)
    print("chain | " + " | ".join(str(n) for n in SIZES) + "   (us: numpy / fused / numexpr)")
    for name, (ref, body, expr, k) in CHAINS.items():
        kern = fuse._kernel(body, [f"a{i}" for i in range(k)], "t1", (f32,) * k, f32)
        ne = None
        if NumExpr is not None:
            names = [v for v in "abcs" if v in expr.replace("tanh", "")]
            ne = (NumExpr(expr, signature=[(v, float) for v in names]), names)
        cells = []
        for n in SIZES:
            r = np.random.default_rng(0)
            env = {v: r.standard_normal(n).astype(np.float32) for v in "abc"}
            env["s"] = S
            a, b, c = env["a"], env["b"], env["c"]
            tn = _time(lambda: ref(a, b, c))
            args = (a, b, c)[:k]
            tf = _time(lambda: kern(*args))
            cell = f"{tn:.1f} / {tf:.1f}"
            if ne is not None:
                nargs = [env[v] for v in ne[1]]
                cell += f" / {_time(lambda: ne[0](*nargs)):.1f}"
            cells.append(cell)
        print(name + " | " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
