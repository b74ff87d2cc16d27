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


def run(script: str, n: int, *args: str, timeout: float = 120, env: dict | None = None):
    """Run tests/distributed/scripts/<script> on ``n`` ranks; return (returncode, output)."""
    e = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1",
             OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    e.update(env or {})
    cmd = [mpiexec(), "-n", str(n), sys.executable, str(SCRIPTS / script), *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e, cwd=ROOT)
    return p.returncode, p.stdout + p.stderr


def passed(out: str, n: int, names) -> None:
    """Every rank printed ``OK <name>`` for every name."""
    for name in names:
        got = len(re.findall(rf"OK {re.escape(name)}(?![a-z_])", out))
        assert got == n, f"'{name}' passed on {got} of {n} ranks; output:\n{out[-6000:]}"
