"""Distributed benchmarks: all-reduce bandwidth against raw mpi4py, and DDP MLP throughput.

    python benchmarks/distributed_bench.py                 # both parts, CPU, MPI (~1 min)
    python benchmarks/distributed_bench.py --part allreduce --reps 9
    python benchmarks/distributed_bench.py --backend nccl  # GPUs: NCCL vs raw cupy.cuda.nccl
    python benchmarks/distributed_bench.py --json out.json

1. ``allreduce``: ``dist.all_reduce`` of float32 buffers from 1 KiB to 64 MiB on 2 ranks
   against the raw call on the same buffer (``comm.Allreduce(MPI.IN_PLACE, a, MPI.SUM)``,
   or ``NcclCommunicator.allReduce`` for nccl), alternating the two in blocks; the median
   block gives time per call and algorithmic bandwidth (bytes / time). Measured with the
   argument check on (the default) and off (``MINIGRAD_DISTRIBUTED_CHECKS=0``).
2. ``ddp``: an MLP (batch 256, 784-1024-1024-10, ReLU, cross-entropy, Adam) trained by one
   process of one thread on the whole batch, and by DDP on 2 processes of one thread each
   on half the batch each; samples/s and the ratio. Overlap: backward under ``no_sync``
   (no communication), a blocking all-reduce of the same buckets, and backward under DDP
   give ``hidden = (t_nosync + t_comm - t_ddp) / t_comm``; the reducer also reports the
   communication still pending when backward ends (``exposed``).
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
    out = {"world": world, "step_s": _median(times), "samples_per_s": batch / _median(times),
           "cpu_step_s": cpu_step.item()}
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
    ap.add_argument("--part", choices=["allreduce", "ddp", "all"], default="all")
    ap.add_argument("--backend", choices=["mpi", "nccl"], default="mpi")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--bucket-cap-mb", type=float, default=None,
                    help="DDP bucket size (default: PyTorch's, 1 MiB first bucket then 25 MiB)")
    ap.add_argument("--bucket-view", action="store_true",
                    help="DDP(gradient_as_bucket_view=True)")
    ap.add_argument("--json")
    ap.add_argument("--worker", choices=["allreduce", "ddp"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return (worker_allreduce if args.worker == "allreduce" else worker_ddp)(args)
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
        one = _launch(1, ["--worker", "ddp", *common])
        two = _launch(2, ["--worker", "ddp", *common])
        result["ddp"] = {"one_process": one, "two_processes": two,
                         "speedup": two["samples_per_s"] / one["samples_per_s"],
                         "speedup_cpu_time": one["cpu_step_s"] / two["cpu_step_s"]}
        print("\nDDP mlp (batch 256, 784-1024-1024-10, Adam), 1 thread per process")
        print(f"  1 process : {one['samples_per_s']:8.0f} samples/s ({one['step_s'] * 1e3:.1f} "
              "ms/step)")
        print(f"  2 processes: {two['samples_per_s']:8.0f} samples/s ({two['step_s'] * 1e3:.1f} "
              f"ms/step)  speedup {result['ddp']['speedup']:.2f}x (target >= 1.7x)")
        print(f"  by CPU time per step (busiest rank): {one['cpu_step_s'] * 1e3:.1f} ms vs "
              f"{two['cpu_step_s'] * 1e3:.1f} ms, speedup {result['ddp']['speedup_cpu_time']:.2f}x")
        print(f"  backward alone {two['backward_nosync_s'] * 1e3:.1f} ms, with DDP "
              f"{two['backward_ddp_s'] * 1e3:.1f} ms; blocking all-reduce of the "
              f"{two['buckets']} bucket(s) {two['comm_blocking_s'] * 1e3:.1f} ms; hidden "
              f"{100 * two['hidden_fraction']:.0f}%; still pending at the end of backward "
              f"{two['exposed_wait_s'] * 1e3:.1f} ms")
    result["loadavg_end"] = [round(v, 2) for v in os.getloadavg()]
    print(f"\nload average: start {result['loadavg_start']}, end {result['loadavg_end']} "
          f"({result['cpus']} CPUs)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
