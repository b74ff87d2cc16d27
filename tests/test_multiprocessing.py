"""minigrad.multiprocessing: tensors in shared memory across processes, spawn's error
reporting, and the torch alias in spawned children."""
import multiprocessing
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minigrad
import minigrad.multiprocessing as mp
from minigrad import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_no_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                              reason="no fork start method on this platform")
# JAX (imported by the DLPack tests of the same session) warns from an at-fork hook that
# forking a process with its threads may deadlock; these children never touch JAX.
_jax_fork_warning = pytest.mark.filterwarnings(
    "ignore:Exception ignored in.*_at_fork:pytest.PytestUnraisableExceptionWarning")


def needs_fork(fn):
    return _no_fork(_jax_fork_warning(fn))


def test_share_memory_keeps_values_dtype_and_identity():
    t = minigrad.tensor(np.arange(6, dtype=np.int32).reshape(2, 3))
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and t.dtype == minigrad.int32
    np.testing.assert_array_equal(t.numpy(), np.arange(6, dtype=np.int32).reshape(2, 3))
    assert minigrad.zeros(0).share_memory_().is_shared()  # an empty tensor shares too

    m = nn.Linear(3, 2)
    w = m.weight
    before = w.detach().clone()
    assert m.share_memory() is m
    assert m.weight is w and isinstance(m.weight, nn.Parameter) and w.requires_grad
    assert all(p.is_shared() for p in m.parameters())
    assert minigrad.equal(w.detach(), before)


def test_a_view_cannot_be_moved_into_shared_memory():
    x = minigrad.zeros(4, 4)
    with pytest.raises(RuntimeError, match="view"):
        x[1].share_memory_()


def _child_fills(t, value):
    t.fill_(value)


@needs_fork
def test_a_forked_child_writes_into_a_shared_tensor():
    ctx = mp.get_context("fork")
    shared = minigrad.zeros(3).share_memory_()
    private = minigrad.zeros(3)
    for t in (shared, private):
        p = ctx.Process(target=_child_fills, args=(t, 7.0))
        p.start()
        p.join()
        assert p.exitcode == 0
    assert shared.tolist() == [7.0] * 3
    assert private.tolist() == [0.0] * 3  # copy-on-write: only shared memory is shared


def _child_scales_from_queue(q, done):
    t = q.get()
    t.mul_(10)
    done.put(type(t).__name__)


@needs_fork
@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_a_shared_tensor_sent_through_a_queue_is_the_same_memory(method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method")
    ctx = mp.get_context(method)
    q, done = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=_child_scales_from_queue, args=(q, done))
    p.start()
    base = minigrad.arange(8.0).share_memory_()
    view = base[2:6]  # a view of a shared tensor: offset and strides travel with it
    q.put(view)
    assert done.get(timeout=60) == "Tensor"
    p.join()
    assert base.tolist() == [0.0, 1.0, 20.0, 30.0, 40.0, 50.0, 6.0, 7.0]


def _fails(i, kind):
    if i == 1 and kind == "raise":
        raise ValueError("process one fails")
    if i == 1 and kind == "exit":
        os._exit(3)


@needs_fork
def test_spawn_reports_the_first_failure():
    with pytest.raises(mp.ProcessRaisedException) as e:
        mp.start_processes(_fails, args=("raise",), nprocs=2, start_method="fork")
    assert e.value.error_index == 1 and "ValueError: process one fails" in str(e.value)
    with pytest.raises(mp.ProcessExitedException) as e:
        mp.start_processes(_fails, args=("exit",), nprocs=2, start_method="fork")
    assert e.value.error_index == 1 and e.value.exit_code == 3
    assert "exit code 3" in str(e.value)
    ctx = mp.start_processes(_fails, args=("none",), nprocs=2, join=False,
                             start_method="fork")
    while not ctx.join():
        pass
    assert all(p.exitcode == 0 for p in ctx.processes)


def test_sharing_strategies():
    assert mp.get_sharing_strategy() == "file_descriptor"
    mp.set_sharing_strategy("file_system")
    try:
        assert mp.get_sharing_strategy() == "file_system"
    finally:
        mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(ValueError, match="not supported"):
        mp.set_sharing_strategy("carrier_pigeon")
    assert minigrad.multiprocessing is mp  # torch.multiprocessing after `import torch`


def test_spawned_children_of_a_torch_program_get_minigrad(tmp_path):
    """A program run under ``python -m minigrad.as_torch`` that calls
    ``torch.multiprocessing.spawn``: each fresh child re-imports the program, and its
    ``import torch`` is minigrad too; a shared tensor passed as an argument is filled in."""
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent("""
        import torch
        import torch.multiprocessing as mp

        def work(rank, t):
            assert torch.__name__ == "minigrad", torch.__name__
            t[rank] = rank + 1

        if __name__ == "__main__":
            t = torch.zeros(2).share_memory_()
            mp.spawn(work, args=(t,), nprocs=2)
            print(torch.__name__, t.tolist())
    """))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "minigrad.as_torch", str(script)], env=env,
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "minigrad [1.0, 2.0]"
