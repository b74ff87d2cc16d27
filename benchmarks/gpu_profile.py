"""Where a GPU step's time goes: kernel launches and GPU busy time, minigrad vs PyTorch CUDA.

    python benchmarks/gpu_profile.py [--json out.json] [-w mlp lstm ...]

For each workload of ``benchmarks/workloads.py`` on CUDA, both libraries run the same step;
PyTorch's profiler (CUPTI, which sees every kernel in the process, CuPy's included)
records a few steps. Reported per step: wall time, GPU busy time (the sum of kernel
durations), the number of kernels, and host time per kernel launch. A step whose GPU
busy time is a small part of its wall time is bound by the host (Python and launch
overhead), not by the GPU. Needs CuPy, a GPU and a CUDA build of PyTorch.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def _profile(fn, sync, steps=5):
    import torch
    from torch.profiler import ProfilerActivity, profile

    for _ in range(3):
        fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    sync()
    wall = (time.perf_counter() - t0) / steps
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for _ in range(steps):
            fn()
        sync()
    busy = 0.0
    kernels = 0
    for e in prof.events():
        if getattr(e, "device_type", None) == torch.autograd.DeviceType.CUDA:
            busy += getattr(e, "device_time", None) or getattr(e, "cuda_time", 0) or 0
            kernels += 1
    return {"wall_ms": wall * 1e3, "gpu_busy_ms": busy / 1e3 / steps, "kernels": kernels / steps,
            "host_us_per_kernel": wall * 1e6 / max(1, kernels / steps)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-w", "--workloads", nargs="+", default=["two_layer", "mlp", "lenet", "lstm"])
    p.add_argument("--json")
    p.add_argument("--cprofile", default="lstm", help="workload whose minigrad step is cProfiled")
    args = p.parse_args()
    import torch

    import minigrad
    from benchmarks import workloads

    if not (minigrad.cuda.is_available() and torch.cuda.is_available()):
        print("gpu_profile: needs CuPy and a CUDA build of PyTorch on a GPU")
        return
    workloads.DEVICE = "cuda"
    fws = {"minigrad": minigrad, "torch": torch}
    syncs = {"minigrad": minigrad.cuda.synchronize, "torch": torch.cuda.synchronize}
    out = {}
    for wl in args.workloads:
        for case, (libs, per) in workloads.cases(wl, "full", fws).items():
            if "step" not in case:
                continue
            row = {}
            for lib in ("minigrad", "torch"):
                try:
                    row[lib] = _profile(libs[lib], syncs[lib])
                except Exception as e:  # noqa: BLE001 - report and go on with the others
                    row[lib] = {"error": f"{type(e).__name__}: {e}"}
            out[case] = row
            print(case, json.dumps(row), flush=True)
            if wl == args.cprofile:
                pr = cProfile.Profile()
                pr.enable()
                for _ in range(5):
                    libs["minigrad"]()
                syncs["minigrad"]()
                pr.disable()
                s = io.StringIO()
                pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(18)
                out[case]["minigrad_cprofile_top"] = s.getvalue()
                print(s.getvalue())
    print("\n| case | lib | wall ms | GPU busy ms | kernels/step | host us/kernel |")
    print("|---|---|---|---|---|---|")
    for case, row in out.items():
        for lib in ("minigrad", "torch"):
            r = row[lib]
            if "error" in r:
                print(f"| {case} | {lib} | {r['error']} |")
                continue
            print(f"| {case} | {lib} | {r['wall_ms']:.3f} | {r['gpu_busy_ms']:.3f} | "
                  f"{r['kernels']:.0f} | {r['host_us_per_kernel']:.1f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
