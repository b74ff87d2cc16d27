"""Run a script under ``mpiexec -n N`` from pytest (skipped without mpi4py/mpiexec)."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "scripts"


def mpiexec() -> str:
    """The mpiexec next to this Python (pip's mpich) or on PATH; skip the test if none."""
    pytest.importorskip("mpi4py")
    here = Path(sys.executable).parent / "mpiexec"
    exe = str(here) if here.exists() else shutil.which("mpiexec")
    if exe is None:
        pytest.skip("mpiexec not found (pip install mpich)")
    return exe


def _open_mpi(exe: str) -> bool:
    """Whether ``exe`` is Open MPI's launcher (the GPU machine's) rather than MPICH's."""
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "Open MPI" in out.stdout + out.stderr or "OpenRTE" in out.stdout + out.stderr


def launch_flags(exe: str) -> list:
    """Flags the launcher needs here: Open MPI refuses root without --allow-run-as-root and
    more ranks than cores without --oversubscribe; MPICH needs neither."""
    if not _open_mpi(exe):
        return []
    return ["--oversubscribe"] + (["--allow-run-as-root"] if os.geteuid() == 0 else [])


def env_flag(exe: str, name: str, value: str) -> list:
    """Set an environment variable for one rank group: MPICH ``-env K V``, Open MPI ``-x K=V``."""
    return ["-x", f"{name}={value}"] if _open_mpi(exe) else ["-env", name, value]


def run(script: str, n: int, *args: str, timeout: float = 120, env: dict | None = None):
    """Run tests/distributed/scripts/<script> on ``n`` ranks; return (returncode, output)."""
    e = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1",
             OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    e.update(env or {})
    exe = mpiexec()
    cmd = [exe, *launch_flags(exe), "-n", str(n), sys.executable, str(SCRIPTS / script), *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e, cwd=ROOT)
    return p.returncode, p.stdout + p.stderr


def passed(out: str, n: int, names) -> None:
    """Every rank printed ``OK <name>`` for every name."""
    for name in names:
        got = len(re.findall(rf"OK {re.escape(name)}(?![a-z_])", out))
        assert got == n, f"'{name}' passed on {got} of {n} ranks; output:\n{out[-6000:]}"
