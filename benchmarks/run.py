"""Benchmark driver: minigrad vs hand-written NumPy vs PyTorch CPU, as ratios.

    python benchmarks/run.py                      # all workloads, 1 and 2 threads
    python benchmarks/run.py --smoke              # tiny sizes, few repetitions (CI)
    python benchmarks/run.py -w mlp lenet -t 1    # a subset
    python benchmarks/run.py --json out.json      # also write the raw numbers
    python benchmarks/run.py --device cuda        # GPU: minigrad (CuPy) vs PyTorch CUDA

With ``--device cuda`` data and models live on the GPU, the NumPy floor and the memory
workload are left out, and every timed block is bracketed by a device synchronize (GPU
work is asynchronous). It exits with a message when CuPy sees no GPU.

The ``compiled`` column is a second, independent minigrad copy of each case wrapped in
``minigrad.compile`` (issue 13); a case that does not compile falls back to eager and is
shown as such (``--no-compiled`` leaves the column out). ``torch.compile`` is not timed.

Each thread count runs in its own worker process (BLAS/OpenMP pools are sized at
import), where every library runs the same workload on the same data and initial
weights. Libraries alternate in blocks after a warm-up; at 2+ threads a 0.3 s pause
separates libraries (an idle OpenBLAS/OpenMP pool spins ~0.1 s and steals a core).
Reported times are medians over the blocks.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKLOADS = ["small_ops", "two_layer", "mlp", "lenet", "lstm", "gpt", "lstm_lm"]


def _thread_env(n):
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "MINIGRAD_NUM_THREADS"):
        env[k] = str(n)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


_clock = time.perf_counter  # --cpu-time: time.process_time (1 thread, loaded machines)


def _time_block(fn, inner, sync=None):
    if sync is not None:
        sync()
    t0 = _clock()
    for _ in range(inner):
        fn()
    if sync is not None:
        sync()  # kernels run asynchronously: wait for them before stopping the clock
    return (_clock() - t0) / inner


def worker(args):
    global _clock
    if args.cpu_time:
        _clock = time.process_time
    sys.path.insert(0, ROOT)
    import minigrad

    fws = {"minigrad": minigrad}
    if not args.no_torch:
        try:
            import torch

            torch.set_num_threads(args.threads)
            fws["torch"] = torch
        except ImportError:
            pass
    from benchmarks import workloads

    if not args.no_compiled:  # a second, independent minigrad model per case, compiled
        fws["compiled"] = minigrad

    syncs = {}  # lib -> device synchronize (cuda only)
    if args.device == "cuda":
        workloads.DEVICE = "cuda"
        syncs["minigrad"] = minigrad.cuda.synchronize
        if "torch" in fws and fws["torch"].cuda.is_available():
            syncs["torch"] = fws["torch"].cuda.synchronize
        elif "torch" in fws:
            print("torch: no CUDA build/GPU, left out", file=sys.stderr)
            del fws["torch"]
    size = "smoke" if args.smoke else "full"
    reps = 3 if args.smoke else args.reps
    results = {}
    fallbacks = []
    for wl in args.workloads:
        for case, (libs, per) in workloads.cases(wl, size, fws).items():
            if "compiled" in libs:
                libs["compiled"] = minigrad.compile(libs["compiled"])
                syncs["compiled"] = syncs.get("minigrad")
            if args.device == "cuda":  # the NumPy floor is a CPU reference
                libs = {n: f for n, f in libs.items() if n in syncs}
            names = list(libs)
            # warm-up, and pick an inner count giving blocks of >= ~50 ms
            inner = {}
            for n in names:
                for _ in range(2):
                    libs[n]()
                # a compiled case's third call is its first replay, which builds its fused
                # kernels (Numba, ~1 s): time the fourth, or blocks would be one call long
                dt = min(_time_block(libs[n], 1, syncs.get(n)) for _ in range(2))
                inner[n] = 1 if args.smoke else max(1, int(0.05 / max(dt, 1e-6)))
            if "compiled" in libs and libs["compiled"].code is None:  # it fell back to eager
                print(f"[{args.threads} thr] {case}: compiled fell back to eager, left out",
                      file=sys.stderr, flush=True)
                fallbacks.append(case)
                names.remove("compiled")
            samples = {n: [] for n in names}
            for r in range(reps):
                order = names if r % 2 == 0 else names[::-1]
                for n in order:
                    if args.threads > 1:
                        time.sleep(0.3)
                    samples[n].append(_time_block(libs[n], inner[n], syncs.get(n)) / per)
            results[case] = {n: statistics.median(v) for n, v in samples.items()}
            print(f"[{args.threads} thr] {case}: " + ", ".join(
                f"{n} {v * 1e3:.3f} ms" for n, v in results[case].items()), file=sys.stderr, flush=True)
    if fallbacks:
        results["_compile_fallbacks"] = fallbacks
    json.dump(results, sys.stdout)


def memory_worker(lib, steps, smoke):
    """Peak RSS and tracemalloc growth over ``steps`` mlp steps for one library."""
    import tracemalloc

    sys.path.insert(0, ROOT)
    if lib == "torch":
        import torch as fw
    else:
        import minigrad as fw
    from benchmarks import workloads

    d = workloads.data_mlp(workloads.SIZES["smoke" if smoke else "full"]["mlp"])
    step, _, _ = workloads.fw_mlp(fw, d)
    tracemalloc.start()
    at10 = None
    for i in range(steps):
        step()
        if i == 9:
            at10 = tracemalloc.get_traced_memory()[0]
    end = tracemalloc.get_traced_memory()[0]
    peak_rss = _vm("VmHWM")
    json.dump({"traced_growth_bytes": end - at10, "peak_rss_bytes": peak_rss}, sys.stdout)


def _vm(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return -1


def _fmt_ms(v):
    return f"{v * 1e3:.3f}" if v >= 1e-4 else f"{v * 1e6:.2f}us"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-w", "--workloads", nargs="+", default=WORKLOADS + ["memory"])
    p.add_argument("-t", "--threads", nargs="+", type=int, default=None,
                   help="CPU thread counts (default 1 2; 1 with --device cuda)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--no-compiled", action="store_true", help="leave out minigrad.compile rows")
    p.add_argument("--cpu-time", action="store_true",
                   help="time with the process CPU clock instead of the wall clock: steadier on a "
                        "loaded machine, but only comparable at 1 thread (it sums all threads)")
    p.add_argument("--json")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--memory-worker", help=argparse.SUPPRESS)
    p.add_argument("--steps", type=int, default=200, help="memory: mlp steps")
    args = p.parse_args()
    args.threads = args.threads or ([1] if args.device == "cuda" else [1, 2])
    if args.worker:
        args.threads = args.threads[0]
        return worker(args)
    if args.memory_worker:
        return memory_worker(args.memory_worker, args.steps, args.smoke)

    if args.device == "cuda":
        sys.path.insert(0, ROOT)
        import minigrad
        from minigrad import backend

        if not minigrad.cuda.is_available():
            print(f"--device cuda: skipped, minigrad sees no GPU ({backend._cupy_error}). It needs "
                  'an NVIDIA GPU and CuPy: pip install "minigrad[cuda12]"')
            return
        if "memory" in args.workloads:
            print("memory: CPU only (peak RSS), left out with --device cuda", file=sys.stderr)
    timed = [w for w in args.workloads if w != "memory"]
    all_results = {"machine": _machine(args.device), "device": args.device, "threads": {}}
    for n in args.threads:
        if not timed:
            break
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "-t", str(n), "--reps", str(args.reps),
               "--device", args.device, "-w", *timed] + (["--smoke"] if args.smoke else []) + (["--no-torch"] if args.no_torch else []) + (
                   ["--no-compiled"] if args.no_compiled else []) + (
                   ["--cpu-time"] if args.cpu_time else [])
        out = subprocess.run(cmd, env=_thread_env(n), stdout=subprocess.PIPE, check=True, text=True).stdout
        all_results["threads"][str(n)] = json.loads(out)
    if "memory" in args.workloads and args.device == "cpu":
        mem = {}
        steps = 20 if args.smoke else args.steps
        for lib in ["minigrad"] + ([] if args.no_torch or not _has_torch() else ["torch"]):
            cmd = [sys.executable, os.path.abspath(__file__), "--memory-worker", lib, "--steps", str(steps)] + (
                ["--smoke"] if args.smoke else [])
            out = subprocess.run(cmd, env=_thread_env(1), stdout=subprocess.PIPE, check=True, text=True).stdout
            mem[lib] = json.loads(out)
        all_results["memory"] = mem
    all_results["machine"]["loadavg_end"] = _loadavg()
    all_results["clock"] = "process_time" if args.cpu_time else "perf_counter"
    all_results["targets"] = _targets(all_results)
    print(_table(all_results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(all_results, f, indent=2)


def _has_torch():
    try:
        import importlib.util

        return importlib.util.find_spec("torch") is not None
    except Exception:
        return False


def _machine(device="cpu"):
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%d"), "loadavg_start": _loadavg()}
    try:
        import numpy

        info["numpy"] = numpy.__version__
    except ImportError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        pass
    if device == "cuda":
        import minigrad
        from minigrad import backend

        info["gpu"] = minigrad.cuda.get_device_name(0)
        info["cupy"] = backend._cupy.__version__
        try:
            import torch

            info["torch_cuda"] = torch.version.cuda
        except ImportError:
            pass
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return info


def _loadavg():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


# issues 6 and 12: (case, reference library, {threads: max ratio minigrad / reference})
TARGETS = [
    ("small_ops (per op)", "torch", {"1": 0.5, "2": 0.5}),
    ("two_layer step", "torch", {"1": 1.0, "2": 1.15}),
    ("mlp step", "torch", {"1": 1.1, "2": 1.2}),
    ("mlp adam update", "torch", {"1": 1.0, "2": 1.0}),
    ("lenet step", "torch", {"1": 1.5, "2": 2.0}),
    ("lstm step", "torch", {"1": 1.2, "2": 1.4}),  # issue 6: 1.5 / 1.5
    ("gpt step", "torch", {"1": 1.3, "2": 1.5}),
    ("lstm_lm step", "torch", {"1": 1.2, "2": 1.4}),
    ("two_layer step", "numpy", {"1": 1.05, "2": 1.05}),
    ("mlp fwd+bwd", "numpy", {"1": 1.05, "2": 1.05}),
]
# issue 13: minigrad.compile (the "compiled" column) / the reference
COMPILED_TARGETS = [
    ("small_ops (per op)", "torch", {"1": 0.3, "2": 0.3}),
    ("two_layer step", "torch", {"1": 0.9, "2": 1.0}),
    ("mlp step", "torch", {"1": 0.9, "2": 1.0}),
    ("mlp adam update", "torch", {"1": 0.8, "2": 0.8}),
    ("lenet step", "torch", {"1": 0.9, "2": 1.2}),
    ("lstm step", "torch", {"1": 1.0, "2": 1.0}),
    ("gpt step", "torch", {"1": 1.0, "2": 1.0}),
    ("two_layer step", "numpy", {"1": 1.0, "2": 1.0}),
    ("mlp fwd+bwd", "numpy", {"1": 1.0, "2": 1.0}),
]
GPU_TARGETS = [  # issue 17: minigrad / PyTorch CUDA on the same GPU
    ("mlp step", "torch", {"1": 1.3}),
    ("lenet step", "torch", {"1": 2.0}),
    ("lstm step", "torch", {"1": 2.0}),
    ("two_layer step", "torch", {"1": 1.5}),
]


def _targets(res):
    """Each target that the run measured: the ratio, the bound and whether it is met."""
    out = []
    cpu = res.get("device") != "cuda"
    table = [(c, "minigrad", r, b) for c, r, b in (TARGETS if cpu else GPU_TARGETS)]
    table += [(c, "compiled", r, b) for c, r, b in (COMPILED_TARGETS if cpu else [])]
    for case, lib, ref, bounds in table:
        for n, bound in bounds.items():
            v = res["threads"].get(n, {}).get(case, {})
            if v.get(lib) and v.get(ref):
                r = v[lib] / v[ref]
                out.append({"case": case, "lib": lib, "vs": ref, "threads": int(n),
                            "ratio": round(r, 3), "target": bound, "met": r <= bound})
    mem = res.get("memory", {})
    if "minigrad" in mem:
        g = mem["minigrad"]["traced_growth_bytes"] / 2**20
        out.append({"case": "memory growth (MiB)", "vs": "-", "threads": 1, "ratio": round(g, 3),
                    "target": 1.0, "met": g < 1.0})
        if "torch" in mem:
            r = mem["minigrad"]["peak_rss_bytes"] / mem["torch"]["peak_rss_bytes"]
            out.append({"case": "peak RSS", "vs": "torch", "threads": 1, "ratio": round(r, 3),
                        "target": 1.0, "met": r <= 1.0})
    return out


def _table(res):
    lines = []
    for n, cases in res["threads"].items():
        where = f" on {res['machine'].get('gpu', 'cuda')}" if res.get("device") == "cuda" else ""
        lines.append(f"\n### {n} thread{'s' if n != '1' else ''}{where}\n")
        lines.append("| case | numpy (ms) | minigrad (ms) | compiled (ms) | torch (ms) | minigrad/numpy | "
                     "minigrad/torch | compiled/numpy | compiled/torch |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        fell = cases.get("_compile_fallbacks", [])
        for case, v in cases.items():
            if case.startswith("_"):
                continue
            mg, npv, th, co = v.get("minigrad"), v.get("numpy"), v.get("torch"), v.get("compiled")
            lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                case, _fmt_ms(npv) if npv else "-", _fmt_ms(mg) if mg else "-",
                _fmt_ms(co) if co else ("eager (fell back)" if case in fell else "-"),
                _fmt_ms(th) if th else "-",
                f"{mg / npv:.2f}" if mg and npv else "-", f"{mg / th:.2f}" if mg and th else "-",
                f"{co / npv:.2f}" if co and npv else "-", f"{co / th:.2f}" if co and th else "-"))
    if "memory" in res:
        lines.append("\n### memory (mlp steps)\n")
        lines.append("| library | tracemalloc growth step 10 -> end | peak RSS |")
        lines.append("|---|---|---|")
        for lib, m in res["memory"].items():
            lines.append(f"| {lib} | {m['traced_growth_bytes'] / 2**20:.3f} MiB | {m['peak_rss_bytes'] / 2**20:.1f} MiB |")
    if res.get("targets"):
        lines.append("\n### targets (issue{})\n".format(" 17" if res.get("device") == "cuda" else "s 6, 12 and 13"))
        lines.append("| case | minigrad | vs | threads | ratio | target | met |")
        lines.append("|---|---|---|---|---|---|---|")
        for t in res["targets"]:
            lines.append(f"| {t['case']} | {t.get('lib', 'minigrad')} | {t['vs']} | {t['threads']} | "
                         f"{t['ratio']:.2f} | <= {t['target']} | {'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
