"""Lazy access to the communication runtimes (mpi4py, CuPy's NCCL) and the job watchdog.

Nothing here is imported by ``import minigrad``: mpi4py initialises MPI when its ``MPI``
module is imported, so that happens in ``init_process_group`` only.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
import traceback

_EXTRA_HINT = (
    'install the runtime with: pip install "minigrad[distributed]" '
    "(that is: pip install mpich mpi4py)"
)


def mpi_available() -> bool:
    """Whether mpi4py can be imported (checked without initialising MPI)."""
    return importlib.util.find_spec("mpi4py") is not None


def load_mpi():
    """The ``mpi4py.MPI`` module, or an ImportError naming the ``distributed`` extra."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(
            f"minigrad.distributed needs mpi4py and an MPI library ({e}); {_EXTRA_HINT}"
        ) from e
    return MPI


class Watchdog:
    """Bounds how long one rank waits in a collective, and ends the job when a rank fails.

    Blocking calls run between ``start(name)`` and ``stop()``; a daemon thread checks the
    deadline and, past it, prints which call hung on which rank and ends the whole job
    (another rank has probably died, exited early or called a different collective).
    An uncaught exception on any rank also ends the job, so the other ranks never wait
    forever for a rank that is gone.

    The failing rank writes its message to stderr and leaves with ``os._exit(1)``, not
    ``MPI_Abort``: the launcher reads a process's stdout/stderr pipes to their end before it
    reports the exit, then ends the other ranks because one exited non-zero (MPICH's
    mpiexec and Open MPI's mpirun both do by default). ``MPI_Abort`` instead makes mpiexec
    kill the job at once, which raced with forwarding the message just written: about one
    run in ten lost it. Ranks the launcher does not end (e.g. ``-disable-auto-cleanup``)
    still leave through their own timeout.
    """

    def __init__(self, rank: int, timeout_s: float):
        self.rank, self.timeout_s = rank, timeout_s
        self._what = None
        self._deadline = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="minigrad-dist-watchdog",
                                        daemon=True)
        self._thread.start()
        self._prev_hook = sys.excepthook
        sys.excepthook = self._excepthook

    def start(self, what: str):
        self._deadline = time.monotonic() + self.timeout_s
        self._what = what

    def stop(self):
        self._what = None

    def close(self):
        self._stop.set()
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._prev_hook

    def _run(self):
        interval = min(1.0, max(0.05, self.timeout_s / 20))
        while not self._stop.wait(interval):
            what = self._what
            if what is not None and time.monotonic() > self._deadline:
                self._fail(
                    f"[rank {self.rank}] minigrad.distributed: {what} did not complete within "
                    f"timeout={self.timeout_s:g} s. Another rank has probably failed, exited or "
                    "called a different collective (or with a different shape). "
                    "Aborting the job."
                )

    def _excepthook(self, etype, value, tb):
        text = "".join(traceback.format_exception(etype, value, tb))
        self._fail(
            f"[rank {self.rank}] minigrad.distributed: uncaught exception, aborting the job "
            f"so that the other ranks do not wait for this one:\n{text}"
        )

    def _fail(self, message: str):
        with self._lock:
            sys.stderr.write(message.rstrip("\n") + "\n")
            sys.stderr.flush()
            os._exit(1)
