"""minigrad.distributed and DistributedDataParallel in real MPI jobs (mpiexec -n 2 / -n 3).

Each launch costs about a second, so each script batches many checks and prints
``OK <check>`` per rank; these tests skip when mpi4py or mpiexec is missing.
"""
import re
import subprocess
import sys
import time

import pytest

from .launch import ROOT, SCRIPTS, env_flag, launch_flags, mpiexec, passed, run

COLLECTIVES = ["all_reduce", "reduce", "broadcast", "gather", "scatter", "all_gather",
               "all_gather_into_tensor", "reduce_scatter_tensor", "send_recv",
               "objects_groups", "mismatch", "arguments", "destroy"]


def test_collectives_two_ranks():
    rc, out = run("collectives.py", 2)
    assert rc == 0, out[-6000:]
    passed(out, 2, COLLECTIVES)


def test_collectives_three_ranks():
    rc, out = run("collectives.py", 3, "--quick")
    assert rc == 0, out[-6000:]
    passed(out, 3, COLLECTIVES)


def test_ddp_matches_single_process(tmp_path):
    rc, out = run("ddp.py", 2, str(tmp_path))
    assert rc == 0, out[-6000:]
    passed(out, 2, ["equivalence", "checkpoint", "no_sync", "bucket_view", "find_unused",
                    "sync_batchnorm",
                    "buffers_shapes"])


ZERO = ["equivalence", "equivalence_view", "partition", "state_dict", "errors"]


def test_zero_redundancy_optimizer_two_ranks():
    rc, out = run("zero.py", 2)
    assert rc == 0, out[-6000:]
    passed(out, 2, ZERO)


def test_zero_redundancy_optimizer_three_ranks():
    rc, out = run("zero.py", 3)  # uneven shards, a rank whose shard skips a group
    assert rc == 0, out[-6000:]
    passed(out, 3, ZERO)


def _after_start(mode):
    """Run fault.py; (returncode, output, seconds from the ranks' start to the job's end).
    Start-up (imports, MPI init) is left out, since it is what a loaded machine slows most;
    the script prints its start on the system-wide monotonic clock, as time.monotonic here."""
    rc, out = run("fault.py", 2, mode, timeout=180)
    end = time.monotonic()
    started = [float(t) for t in re.findall(r"OK started \d at ([0-9.]+)", out)]
    assert started, out[-6000:]
    return rc, out, end - max(started)


@pytest.fixture(scope="module")
def clean_exit_s():
    """The baseline: seconds from start to the end of the same job when no rank fails."""
    rc, out, dt = _after_start("ok")
    assert rc == 0, out[-6000:]
    passed(out, 2, ["done"])
    return dt


FAULT_TIMEOUT_S = 2  # fault.py's init_process_group timeout


def test_a_rank_that_raises_ends_the_job(clean_exit_s):
    rc, out, dt = _after_start("raise")
    assert rc != 0
    # no hang: the job ends within the collective timeout plus a few clean teardowns
    assert dt < FAULT_TIMEOUT_S + 5 * clean_exit_s + 5, (dt, clean_exit_s)
    assert "[rank 1] minigrad.distributed: uncaught exception" in out and "boom on rank 1" in out
    assert "UNREACHABLE" not in out


def test_a_rank_that_leaves_times_out_the_others(clean_exit_s):
    rc, out, dt = _after_start("exit")
    assert rc != 0
    assert dt < FAULT_TIMEOUT_S + 5 * clean_exit_s + 5, (dt, clean_exit_s)
    assert "[rank 0] minigrad.distributed: all_reduce did not complete within timeout=2 s" in out, \
        out[-3000:]
    assert "UNREACHABLE" not in out


def test_launcher_env_renumbers_ranks():
    exe, py, script = mpiexec(), sys.executable, str(SCRIPTS / "env_ranks.py")
    cmd = [exe, *launch_flags(exe), "-n", "1", *env_flag(exe, "RANK", "1"), py, script, ":",
           "-n", "1", *env_flag(exe, "RANK", "0"), py, script]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT,
                       env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 0, p.stdout + p.stderr
    passed(p.stdout, 2, ["env_ranks"])


def test_one_process_without_mpiexec():
    pytest.importorskip("mpi4py")
    p = subprocess.run([sys.executable, str(SCRIPTS / "env_ranks.py"), "single"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT,
                       env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 0, p.stdout + p.stderr
    passed(p.stdout, 1, ["single"])


def test_nccl_backend_on_the_cupy_stand_in():
    rc, out = run("nccl_fake.py", 2)
    assert rc == 0, out[-6000:]
    passed(out, 2, ["all_reduce", "collectives", "ddp", "zero"])


def test_ddp_digits_example(tmp_path):
    pytest.importorskip("sklearn")
    exe = mpiexec()
    env = {**__import__("os").environ, "PYTHONPATH": str(ROOT), "DIGITS_EPOCHS": "1",
           "DIGITS_OUT": str(tmp_path), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    p = subprocess.run([exe, *launch_flags(exe), "-n", "2", sys.executable,
                        str(ROOT / "examples/ddp_digits.py")],
                       capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    acc = float(p.stdout.split("final test accuracy: ")[1].split()[0])
    assert acc > 0.5, p.stdout  # one epoch (chance is 0.1); benchmarks/README.md has 15
    assert (tmp_path / "ddp_digits.mgz").is_file()


def test_distributed_bench_ddp_smoke(tmp_path):
    """The DDP part of the benchmark runs its three jobs (one process, DDP, DDP+ZeRO) and
    writes every phase; timing is never asserted."""
    import json

    mpiexec()  # skips without MPI
    out = tmp_path / "r.json"
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks/distributed_bench.py"), "--part",
                        "ddp", "--steps", "1", "--json", str(out)],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert p.returncode == 0, p.stdout + p.stderr
    r = json.loads(out.read_text())["ddp"]
    zero = r["two_processes_zero"]
    assert zero["world"] == 2 and r["speedup_zero"] > 0
    assert all(zero[k] > 0 for k in ("fwd_bwd_s", "optimizer_s", "allgather_s",
                                     "allgather_cpu_s"))
