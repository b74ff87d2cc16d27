"""Optimizer steps cut into blocks over several threads (``minigrad._threads``) give the
same numbers as the published rules: tiny blocks force many blocks per parameter, a
transposed gradient takes the whole-array path, and two threads share the blocks."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import _threads, optim

from .test_optimizers import CASES, IDS


@pytest.fixture
def tiny_blocks(monkeypatch):
    monkeypatch.setattr(_threads, "BLOCK", 16)
    monkeypatch.setattr(_threads, "PARALLEL_BLOCK", 16)
    monkeypatch.setattr(_threads, "MIN_PARALLEL", 0)
    old = _threads.get_num_threads()
    _threads.set_num_threads(2)
    yield
    _threads.set_num_threads(old)


@pytest.mark.parametrize("name,ref,kw", CASES, ids=IDS)
def test_blocked_threaded_step_matches_rule(name, ref, kw, rng, tiny_blocks):
    shapes = [(13, 11), (40,), (7, 9)]
    x0s = [rng.standard_normal(s) for s in shapes]
    ps = [mg.tensor(x, requires_grad=True) for x in x0s]
    opt = getattr(optim, name)(ps, **kw)
    xs, states = [x.copy() for x in x0s], [{} for _ in shapes]
    for step in range(4):
        gs = [rng.standard_normal(s) for s in shapes]
        gs[2] = np.asfortranarray(gs[2])  # not C-contiguous: updated as one whole block
        for p, g in zip(ps, gs):
            p.grad = mg.Tensor._wrap(g)
        opt.step()
        xs = [ref(x, g, st, **kw) for x, g, st in zip(xs, gs, states)]
        for p, want in zip(ps, xs):
            np.testing.assert_allclose(p.detach().numpy(), want, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{name} step {step + 1}")


def test_parallel_for_runs_every_task_and_raises(tiny_blocks):
    seen = []
    _threads.parallel_for(seen.append, list(range(100)))
    assert sorted(seen) == list(range(100))

    def boom(t):
        if t == 57:
            raise ValueError("task 57")

    with pytest.raises(ValueError, match="task 57"):
        _threads.parallel_for(boom, list(range(100)))


def test_set_num_threads_rejects_zero():
    with pytest.raises(ValueError, match="positive"):
        _threads.set_num_threads(0)


def test_nested_parallel_for_runs_inline(tiny_blocks):
    seen = []

    def outer(i):
        _threads.parallel_for(lambda j: seen.append((i, j)), list(range(5)))

    _threads.parallel_for(outer, list(range(6)))
    assert sorted(seen) == [(i, j) for i in range(6) for j in range(5)]
