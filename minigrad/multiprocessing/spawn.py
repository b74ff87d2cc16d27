"""``spawn``/``start_processes``: run ``fn(i, *args)`` in ``nprocs`` processes and surface
the first failure in the parent, as ``torch.multiprocessing.spawn``."""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import signal
import traceback


class ProcessException(Exception):
    """A process started by ``spawn`` failed; ``error_index`` is its ``i``, ``error_pid``
    its process id."""

    __slots__ = ["error_index", "error_pid"]

    def __init__(self, msg: str, error_index: int, error_pid: int):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.error_pid = error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """The process's function raised; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """The process exited with a non-zero code or was killed by a signal."""

    __slots__ = ["exit_code", "signal_name"]

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int,
                 signal_name: str | None = None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return (type(self), (self.msg, self.error_index, self.error_pid, self.exit_code,
                             self.signal_name))


def _run(fn, i, args, errors):
    """The child's entry point: ``fn(i, *args)``; a raised exception's traceback goes to the
    parent through ``errors`` and the child exits with code 1."""
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # the parent is shutting the job down
    except Exception:  # noqa: BLE001 - any failure of fn goes to the parent, as PyTorch's
        errors.put((i, traceback.format_exc()))
        raise SystemExit(1)


class ProcessContext:
    """The processes of one ``spawn`` call; ``join()`` waits for them."""

    def __init__(self, processes, errors):
        self.processes = processes
        self.error_queue = errors
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self):
        return [p.pid for p in self.processes]

    def join(self, timeout: float | None = None, grace_period: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (None: until one ends) for processes to end.

        Returns True once every process has ended with exit code 0, False while some are
        still running. When one fails, the others are terminated (after ``grace_period``
        seconds, if given) and ``ProcessRaisedException`` (its traceback) or
        ``ProcessExitedException`` (its exit code or signal) is raised.
        """
        if not self.sentinels:
            return True
        failed = None
        for s in multiprocessing.connection.wait(list(self.sentinels), timeout=timeout):
            i = self.sentinels.pop(s)
            self.processes[i].join()
            if self.processes[i].exitcode != 0:
                failed = i
                break
        if failed is None:
            return not self.sentinels
        self._stop_others(grace_period)
        proc = self.processes[failed]
        tracebacks = {}
        while not self.error_queue.empty():
            i, tb = self.error_queue.get()
            tracebacks[i] = tb
        if failed in tracebacks:
            raise ProcessRaisedException(
                f"\n\n-- Process {failed} terminated with the following error:\n"
                f"{tracebacks[failed]}", failed, proc.pid)
        code = proc.exitcode
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"<Unknown signal {-code}>"
            raise ProcessExitedException(f"process {failed} terminated with signal {name}",
                                         failed, proc.pid, code, name)
        raise ProcessExitedException(f"process {failed} terminated with exit code {code}",
                                     failed, proc.pid, code)

    def _stop_others(self, grace_period):
        if grace_period is not None:
            multiprocessing.connection.wait([p.sentinel for p in self.processes],
                                            timeout=grace_period)
        for p in self.processes:
            if p.is_alive():
                p.terminate()
        for p in self.processes:
            p.join(30 if grace_period is None else grace_period)
            if p.is_alive():
                p.kill()
                p.join()


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Start ``nprocs`` processes running ``fn(i, *args)`` (``i`` = 0 .. nprocs-1) with the
    given start method; with ``join`` wait for all and raise the first failure, else return
    the ``ProcessContext``. Under ``spawn``, ``fn`` and ``args`` must pickle."""
    ctx = multiprocessing.get_context(start_method)
    errors = ctx.SimpleQueue()
    procs = []
    for i in range(nprocs):
        p = ctx.Process(target=_run, args=(fn, i, args, errors), daemon=daemon)
        p.start()
        procs.append(p)
    context = ProcessContext(procs, errors)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """``start_processes`` with the ``spawn`` start method (PyTorch warns for others and
    so does this)."""
    if start_method != "spawn":
        import warnings

        warnings.warn(f"This method only supports start_method=spawn (got: {start_method}).\n"
                      "To use a different start_method use:\n\t\t"
                      " torch.multiprocessing.start_processes(...)", FutureWarning, stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
