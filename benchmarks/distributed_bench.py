"""Distributed benchmarks: all-reduce bandwidth against raw mpi4py, and DDP MLP throughput.

    python benchmarks/distributed_bench.py                 # both parts, CPU, MPI (~1 min)
    python benchmarks/distributed_bench.py --part allreduce --reps 9
    python benchmarks/distributed_bench.py --backend nccl  # GPUs: NCCL vs raw cupy.cuda.nccl
    python benchmarks/distributed_bench.py --part ddp --rounds 3 --bucket-view --zero-view
    python benchmarks/distributed_bench.py --part bound    # one process: the speedup's bound
    python benchmarks/distributed_bench.py --json out.json

1. ``allreduce``: ``dist.all_reduce`` of float32 buffers from 1 KiB to 64 MiB on 2 ranks
   against the raw call on the same buffer (``comm.Allreduce(MPI.IN_PLACE, a, MPI.SUM)``,
   or ``NcclCommunicator.allReduce`` for nccl), alternating the two in blocks; the median
   block gives time per call and algorithmic bandwidth (bytes / time). Measured with the
   argument check on (the default) and off (``MINIGRAD_DISTRIBUTED_CHECKS=0``).
2. ``ddp``: an MLP (batch 256, 784-1024-1024-10, ReLU, cross-entropy, Adam) trained by one
   process of one thread on the whole batch, by DDP on 2 processes of one thread each
   on half the batch each, and by DDP with ``ZeroRedundancyOptimizer(Adam)`` (each rank
   updates half the parameters, then an all-gather); samples/s and the ratios, and where
   a step's time goes (forward+backward with the all-reduce wait at its end, optimizer,
   all-gather). Overlap: backward under ``no_sync``
   (no communication), a blocking all-reduce of the same buckets, and backward under DDP
   give ``hidden = (t_nosync + t_comm - t_ddp) / t_comm``; the reducer also reports the
   communication still pending when backward ends (``exposed``).
3. ``bound``: one process, CPU time: forward+backward at batch 256 and 128, Adam over all
   parameters and over the busiest ZeRO shard; the speedup DDP and DDP+ZeRO would reach
   with free, hidden communication.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = [1 << k for k in range(10, 27, 2)]  # 1 KiB .. 64 MiB


def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


# ---- workers (run under mpiexec) -----------------------------------------------------------

def worker_allreduce(args):
    import numpy as np

    import minigrad as mg
    import minigrad.distributed as dist

    dist.init_process_group(args.backend)
    rank = dist.get_rank()
    pg = dist.process_group._State.world
    rows = []
    for nbytes in SIZES:
        n = nbytes // 4
        if args.backend == "nccl":
            t = mg.ones(n, device="cuda")
            a = t.array
            nc = pg.impl
            raw = lambda: nc.comm.allReduce(a.data.ptr, a.data.ptr, n, nc.nccl.NCCL_FLOAT32,  # noqa: E731
                                           nc.nccl.NCCL_SUM, nc._stream())
            sync = lambda: a.device.synchronize()  # noqa: E731
        else:
            from mpi4py import MPI

            a = np.ones(n, np.float32)
            t = mg.from_numpy(a)  # shares a: both time the same buffer
            comm = MPI.COMM_WORLD
            raw = lambda: comm.Allreduce(MPI.IN_PLACE, a, MPI.SUM)  # noqa: E731
            sync = lambda: None  # noqa: E731
        ours = lambda: dist.all_reduce(t)  # noqa: E731
        inner = max(1, min(2000, (4 << 20) // nbytes))
        res = {"raw": [], "checked": [], "unchecked": []}
        for rep in range(args.reps):
            order = ["raw", "checked", "unchecked"]
            if rep % 2:
                order.reverse()
            for name in order:
                os.environ["MINIGRAD_DISTRIBUTED_CHECKS"] = "0" if name == "unchecked" else "1"
                fn = raw if name == "raw" else ours
                fn()
                sync()
                dist.barrier()
                t0 = time.perf_counter()
                for _ in range(inner):
                    fn()
                sync()
                res[name].append((time.perf_counter() - t0) / inner)
                a[...] = 1  # keep the values finite
        med = {k: _median(v) for k, v in res.items()}
        rows.append({"bytes": nbytes, **{f"{k}_s": v for k, v in med.items()},
                     "ratio_checked": med["raw"] / med["checked"],
                     "ratio_unchecked": med["raw"] / med["unchecked"]})
    if rank == 0:
        print("RESULT " + json.dumps(rows), flush=True)


def _mlp(mg):
    nn = mg.nn
    return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                         nn.Linear(1024, 10))


def worker_ddp(args):
    import numpy as np

    import minigrad as mg
    import minigrad.distributed as dist
    from minigrad.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group(args.backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    dev = "cuda" if args.backend == "nccl" else "cpu"
    mg.manual_seed(0)
    model = _mlp(mg).to(dev)
    batch = 256
    rng = np.random.default_rng(0)
    x_all = mg.tensor(rng.standard_normal((batch, 784)).astype(np.float32), device=dev)
    y_all = mg.tensor(rng.integers(0, 10, batch), device=dev)
    per = batch // world
    x, y = x_all[rank * per:(rank + 1) * per], y_all[rank * per:(rank + 1) * per]
    net = DDP(model, bucket_cap_mb=args.bucket_cap_mb,
              gradient_as_bucket_view=args.bucket_view) if world > 1 else model
    if args.zero and world > 1:
        from minigrad.distributed.optim import ZeroRedundancyOptimizer

        opt = ZeroRedundancyOptimizer(net.parameters(), mg.optim.Adam, lr=1e-3,
                                      parameters_as_bucket_view=args.zero_view)
    else:
        opt = mg.optim.Adam(net.parameters(), lr=1e-3)
    lossf = mg.nn.CrossEntropyLoss()

    def sync():
        if dev == "cuda":
            x.array.device.synchronize()

    def step():
        opt.zero_grad()
        lossf(net(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    sync()
    times, cpu = [], []
    for _ in range(args.steps):
        dist.barrier()
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        sync()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # CPU seconds per step of the busiest rank: what a step would take with a core per
    # process and nobody else on the machine (MPI's busy waiting counts as busy)
    cpu_step = mg.tensor([_median(cpu)], dtype=mg.float64)
    dist.all_reduce(cpu_step, op=dist.ReduceOp.MAX)
    # the fastest step: on a loaded machine, the closest to a step no rank waited for a core
    fastest = mg.tensor([min(times)], dtype=mg.float64)
    dist.all_reduce(fastest, op=dist.ReduceOp.MAX)
    out = {"world": world, "step_s": _median(times), "samples_per_s": batch / _median(times),
           "cpu_step_s": cpu_step.item(), "fastest_step_s": fastest.item()}
    # where a step's time goes: forward+backward (with DDP: including the wait for the
    # gradient all-reduce at its end), the optimizer (with ZeRO: the local shard's step),
    # and with ZeRO the parameter all-gather
    # (wall and CPU seconds of each phase, medians; the CPU clock leaves out the time this
    # process waited for a core on a loaded machine, not MPI's busy-polling)
    local = opt.optim if hasattr(opt, "optim") else opt
    phases = {k: [] for k in ("fwd_bwd", "optimizer", "allgather")}
    cpus = {k: [] for k in phases}
    t_wait = []
    for _ in range(args.steps):
        opt.zero_grad()
        dist.barrier()
        marks = [(time.perf_counter(), time.process_time())]
        lossf(net(x), y).backward()
        sync()
        marks.append((time.perf_counter(), time.process_time()))
        local.step()
        sync()
        marks.append((time.perf_counter(), time.process_time()))
        if local is not opt:
            opt._sync_params()
            sync()
        marks.append((time.perf_counter(), time.process_time()))
        for k, a, b in zip(phases, marks, marks[1:]):
            phases[k].append(b[0] - a[0])
            cpus[k].append(b[1] - a[1])
        if world > 1:
            t_wait.append(net.reducer.last_wait_s)
    for k in phases:
        out[f"{k}_s"] = _median(phases[k])
        out[f"{k}_cpu_s"] = _median(cpus[k])
    out["allreduce_wait_s"] = _median(t_wait or [0.0])
    if world > 1:  # overlap of communication with backward
        t_nosync, t_ddp, exposed = [], [], []
        red = net.reducer
        for _ in range(args.steps):
            opt.zero_grad()
            with net.no_sync():
                loss = lossf(net(x), y)
                dist.barrier()
                t0 = time.perf_counter()
                loss.backward()
                sync()
                t_nosync.append(time.perf_counter() - t0)
            opt.zero_grad()
            loss = lossf(net(x), y)
            dist.barrier()
            t0 = time.perf_counter()
            loss.backward()
            sync()
            t_ddp.append(time.perf_counter() - t0)
            exposed.append(red.last_wait_s)
        bufs = [b.buffer for b in red.buckets]
        t_comm = []
        for _ in range(args.steps):
            dist.barrier()
            t0 = time.perf_counter()
            for b in bufs:
                red.impl.allreduce(b, "sum", False)
            sync()
            t_comm.append(time.perf_counter() - t0)
        tn, td, tc = _median(t_nosync), _median(t_ddp), _median(t_comm)
        out.update(backward_nosync_s=tn, backward_ddp_s=td, comm_blocking_s=tc,
                   buckets=len(bufs), hidden_fraction=(tn + tc - td) / tc,
                   exposed_wait_s=_median(exposed))
    if rank == 0:
        print("RESULT " + json.dumps(out), flush=True)


def worker_bound(args):
    """One process, one thread, no MPI: the pieces of a step that bound the DDP speedup,
    by CPU time (robust to a loaded machine), interleaved, medians: forward+backward at
    the whole batch and at one rank's half, the full Adam update, the Adam update of the
    busiest rank's ZeRO shard (the same partition code), and one copy of the parameters'
    bytes (the order of the communication's memory traffic)."""
    import types

    import numpy as np

    import minigrad as mg
    from minigrad.distributed.optim import ZeroRedundancyOptimizer

    mg.manual_seed(0)
    model = _mlp(mg)
    params = list(model.parameters())
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((256, 784)).astype(np.float32))
    y = mg.tensor(rng.integers(0, 10, 256))
    lossf = mg.nn.CrossEntropyLoss()
    stub = types.SimpleNamespace(world_size=2, param_groups=[{"params": params}],
                                 _partition_cache=None)
    shards = ZeroRedundancyOptimizer._partition_parameters(stub)
    sizes = [sum(p.numel() for p in groups[0]["params"]) for groups in shards]
    busiest = shards[sizes.index(max(sizes))][0]["params"]
    full, shard = mg.optim.Adam(params, lr=1e-3), mg.optim.Adam(busiest, lr=1e-3)
    flat = np.zeros(sum(sizes), np.float32)
    copy_to = np.empty_like(flat)

    def fb(n):
        def run():
            model.zero_grad()
            lossf(model(x[:n]), y[:n]).backward()
        return run

    cases = {"fwd_bwd_256": fb(256), "fwd_bwd_128": fb(128), "adam_full": full.step,
             "adam_busiest_shard": shard.step, "copy_params": lambda: np.copyto(copy_to, flat)}
    fb(256)()
    for f in cases.values():
        f()
    res = {k: [] for k in cases}
    for rep in range(args.steps):
        for k, f in (cases.items() if rep % 2 else reversed(cases.items())):
            if k.startswith("adam"):
                fb(256)()  # fresh gradients
            c0 = time.process_time()
            f()
            res[k].append(time.process_time() - c0)
    out = {f"{k}_cpu_s": _median(v) for k, v in res.items()}
    out["shard_fraction"] = max(sizes) / sum(sizes)
    print("RESULT " + json.dumps(out), flush=True)


# ---- driver ---------------------------------------------------------------------------------

def _mpiexec():
    here = Path(sys.executable).parent / "mpiexec"
    return str(here) if here.exists() else "mpiexec"


def _launch(n, argv):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", MINIGRAD_NUM_THREADS="1",
               # Open MPI (the GPU machine's) refuses root without these; MPICH ignores them
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = [_mpiexec(), "-n", str(n), sys.executable, __file__, *argv]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"benchmark worker failed:\n{p.stdout}\n{p.stderr}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["allreduce", "ddp", "bound", "all"], default="all")
    ap.add_argument("--backend", choices=["mpi", "nccl"], default="mpi")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--bucket-cap-mb", type=float, default=None,
                    help="DDP bucket size (default: PyTorch's, 1 MiB first bucket then 25 MiB)")
    ap.add_argument("--bucket-view", action="store_true",
                    help="DDP(gradient_as_bucket_view=True)")
    ap.add_argument("--zero-view", action="store_true",
                    help="ZeroRedundancyOptimizer(parameters_as_bucket_view=True) in the "
                         "DDP+ZeRO row")
    ap.add_argument("--rounds", type=int, default=1,
                    help="launch the 1-process, DDP and DDP+ZeRO jobs this many times, in "
                         "turn, and keep each one's median round")
    ap.add_argument("--zero", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json")
    ap.add_argument("--worker", choices=["allreduce", "ddp", "bound"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return {"allreduce": worker_allreduce, "ddp": worker_ddp,
                "bound": worker_bound}[args.worker](args)
    common = ["--backend", args.backend, "--reps", str(args.reps), "--steps", str(args.steps)]
    if args.bucket_cap_mb is not None:
        common += ["--bucket-cap-mb", str(args.bucket_cap_mb)]
    if args.bucket_view:
        common.append("--bucket-view")
    result = {"date": time.strftime("%Y-%m-%d %H:%M"), "backend": args.backend,
              "cpus": os.cpu_count(), "loadavg_start": [round(v, 2) for v in os.getloadavg()]}
    if args.part in ("allreduce", "all"):
        rows = _launch(2, ["--worker", "allreduce", *common])
        result["allreduce"] = rows
        print(f"all_reduce, 2 ranks, float32 ({args.backend}); time per call and bandwidth")
        print(f"{'size':>8} {'raw':>10} {'minigrad':>10} {'unchecked':>10} {'raw GB/s':>9} "
              f"{'ratio':>6} {'ratio unchecked':>15}")
        for r in rows:
            b = r["bytes"]
            size = f"{b >> 20} MiB" if b >= 1 << 20 else f"{b >> 10} KiB"
            print(f"{size:>8} {r['raw_s'] * 1e6:>8.1f}us {r['checked_s'] * 1e6:>8.1f}us "
                  f"{r['unchecked_s'] * 1e6:>8.1f}us {b / r['raw_s'] / 1e9:>9.2f} "
                  f"{r['ratio_checked']:>6.2f} {r['ratio_unchecked']:>15.2f}")
    if args.part in ("ddp", "all"):
        zero_flags = ["--zero"] + (["--zero-view"] if args.zero_view else [])
        runs = {"one": [], "two": [], "zero": []}
        for _ in range(args.rounds):  # in turn, so that a change of load hits all three
            runs["one"].append(_launch(1, ["--worker", "ddp", *common]))
            runs["two"].append(_launch(2, ["--worker", "ddp", *common]))
            runs["zero"].append(_launch(2, ["--worker", "ddp", *common, *zero_flags]))
        one, two, zero = (sorted(r, key=lambda o: o["step_s"])[len(r) // 2]
                          for r in runs.values())
        result["ddp"] = {"one_process": one, "two_processes": two,
                         "speedup": two["samples_per_s"] / one["samples_per_s"],
                         "speedup_cpu_time": one["cpu_step_s"] / two["cpu_step_s"],
                         "two_processes_zero": zero,
                         "speedup_zero": zero["samples_per_s"] / one["samples_per_s"],
                         "speedup_zero_cpu_time": one["cpu_step_s"] / zero["cpu_step_s"],
                         "rounds": args.rounds}
        print("\nDDP mlp (batch 256, 784-1024-1024-10, Adam), 1 thread per process")
        print(f"  1 process : {one['samples_per_s']:8.0f} samples/s ({one['step_s'] * 1e3:.1f} "
              "ms/step)")
        print(f"  2 processes: {two['samples_per_s']:8.0f} samples/s ({two['step_s'] * 1e3:.1f} "
              f"ms/step)  speedup {result['ddp']['speedup']:.2f}x (target >= 1.7x)")
        print(f"  by CPU time per step (busiest rank): {one['cpu_step_s'] * 1e3:.1f} ms vs "
              f"{two['cpu_step_s'] * 1e3:.1f} ms, speedup {result['ddp']['speedup_cpu_time']:.2f}x")
        print(f"  fastest step: {one['fastest_step_s'] * 1e3:.1f} ms vs "
              f"{two['fastest_step_s'] * 1e3:.1f} ms, "
              f"{one['fastest_step_s'] / two['fastest_step_s']:.2f}x")
        print(f"  backward alone {two['backward_nosync_s'] * 1e3:.1f} ms, with DDP "
              f"{two['backward_ddp_s'] * 1e3:.1f} ms; blocking all-reduce of the "
              f"{two['buckets']} bucket(s) {two['comm_blocking_s'] * 1e3:.1f} ms; hidden "
              f"{100 * two['hidden_fraction']:.0f}%; still pending at the end of backward "
              f"{two['exposed_wait_s'] * 1e3:.1f} ms")
        print(f"  2 processes, DDP + ZeroRedundancyOptimizer(Adam): {zero['samples_per_s']:8.0f} "
              f"samples/s ({zero['step_s'] * 1e3:.1f} ms/step)  speedup "
              f"{result['ddp']['speedup_zero']:.2f}x; by CPU time "
              f"{result['ddp']['speedup_zero_cpu_time']:.2f}x; fastest step "
              f"{zero['fastest_step_s'] * 1e3:.1f} ms, "
              f"{one['fastest_step_s'] / zero['fastest_step_s']:.2f}x")
        print("  where a step goes, ms wall / CPU: fwd+bwd (all-reduce wait at its end) | "
              "optimizer | all-gather")
        for name, r in (("1 process", one), ("DDP", two), ("DDP+ZeRO", zero)):
            print(f"    {name:>10}: {r['fwd_bwd_s'] * 1e3:5.1f} / {r['fwd_bwd_cpu_s'] * 1e3:5.1f}"
                  f" ({r['allreduce_wait_s'] * 1e3:4.1f}) | {r['optimizer_s'] * 1e3:5.1f} / "
                  f"{r['optimizer_cpu_s'] * 1e3:5.1f} | {r['allgather_s'] * 1e3:5.1f} / "
                  f"{r['allgather_cpu_s'] * 1e3:5.1f}")
    if args.part in ("bound", "all"):
        b = _launch(1, ["--worker", "bound", *common])
        result["bound"] = b
        ms = {k[:-6]: v * 1e3 for k, v in b.items() if k.endswith("_cpu_s")}
        one = ms["fwd_bwd_256"] + ms["adam_full"]
        ddp = ms["fwd_bwd_128"] + ms["adam_full"]
        zero = ms["fwd_bwd_128"] + ms["adam_busiest_shard"]
        b.update(bound_ddp=one / ddp, bound_zero=one / zero)
        print("\nThe speedup's bound, from one process at 1 thread (CPU ms, medians):")
        print(f"  fwd+bwd batch 256 {ms['fwd_bwd_256']:.1f}, batch 128 {ms['fwd_bwd_128']:.1f}; "
              f"Adam all parameters {ms['adam_full']:.1f}, the busiest ZeRO shard "
              f"({100 * b['shard_fraction']:.0f}% of them) {ms['adam_busiest_shard']:.1f}; "
              f"one copy of the parameters' bytes {ms['copy_params']:.2f}")
        print(f"  with communication free and hidden: DDP <= {one:.1f} / {ddp:.1f} = "
              f"{b['bound_ddp']:.2f}x, DDP+ZeRO <= {one:.1f} / {zero:.1f} = "
              f"{b['bound_zero']:.2f}x")
    result["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    print(f"\nload average: start {result['loadavg_start']}, end {result['loadavg_end']} "
          f"({result['cpus']} CPUs)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
