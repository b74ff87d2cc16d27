"""Fused optimizer steps in replays (minigrad/compile/fused_optim.py): bitwise equal to eager."""
import numpy as np
import pytest

import minigrad as torch
from minigrad import _threads
from minigrad.compile import fuse

pytestmark = pytest.mark.skipif(not fuse.available(), reason="fusion needs numba (fast extra)")

# the benchmark workloads' defaults (Adam, AdamW, plain SGD) are checked fused in
# test_compile.py; these are the options (each is its own Numba loop, ~0.5 s to build)
CONFIGS = [
    ("Adam", dict(weight_decay=0.1, maximize=True)),
    ("Adam", dict(amsgrad=True, betas=(0.0, 0.99), lr=0.0)),  # coefficients of 1 and 0
    ("AdamW", dict(amsgrad=True, maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
]


def _setup(name, kw, dtype, shapes):
    rng = np.random.default_rng(0)
    ps = [torch.nn.Parameter(torch.tensor(rng.standard_normal(s).astype(dtype))) for s in shapes]
    opt = getattr(torch.optim, name)(ps, **kw)
    return ps, opt


def _run(name, kw, dtype, shapes, compiled, steps=5, mode=None):
    ps, opt = _setup(name, kw, dtype, shapes)
    xs = [torch.tensor(np.random.default_rng(i).standard_normal(shapes[0][-1:]).astype(dtype))
          for i in range(steps)]

    def step(x):
        opt.zero_grad()
        loss = sum(((p * x.sum()) ** 2).sum() for p in ps) + (ps[0] * x).sum()
        loss.backward()
        opt.step()
        return loss

    f = torch.compile(step, mode=mode) if compiled else step
    for x in xs:
        f(x)
    return ps, opt, f


@pytest.mark.parametrize("name,kw", CONFIGS)
def test_fused_step_is_bitwise_eager(name, kw):
    shapes = [(6, 7), (7,), (3, 2, 7)]
    want_ps, want_opt, _ = _run(name, kw, np.float32, shapes, False)
    got_ps, got_opt, f = _run(name, kw, np.float32, shapes, True)
    assert f"{name}.step (fused)" in f.code
    for a, b in zip(want_ps, got_ps):
        np.testing.assert_array_equal(a.array, b.array)
        np.testing.assert_array_equal(a.grad.array, b.grad.array)
        sa, sb = want_opt.state[a], got_opt.state[b]
        assert list(sa) == list(sb)
        for k in sa:
            np.testing.assert_array_equal(sa[k].array, sb[k].array)


def test_fused_step_float64_split_over_threads():
    old = _threads.get_num_threads()
    _threads.set_num_threads(2)
    try:
        shapes = [(300, 500), (500,)]  # 150K elements: cut into chunks on 2 threads
        want, _, _ = _run("AdamW", {}, np.float64, shapes, False, steps=4)
        got, _, f = _run("AdamW", {}, np.float64, shapes, True, steps=4)
        assert "AdamW.step (fused)" in f.code
        for a, b in zip(want, got):
            assert b.dtype == a.dtype == torch.float64
            np.testing.assert_array_equal(a.array, b.array)
    finally:
        _threads.set_num_threads(old)


def test_nofuse_replays_the_eager_step():
    want, _, _ = _run("SGD", dict(lr=0.1), np.float32, [(2, 3)], False)
    got, _, f = _run("SGD", dict(lr=0.1), np.float32, [(2, 3)], True)
    assert "SGD.step (fused)" in f.code
    plain, _, g = _run("SGD", dict(lr=0.1), np.float32, [(2, 3)], True, mode="nofuse")
    assert "(fused)" not in g.code
    for a, b, c in zip(want, got, plain):
        np.testing.assert_array_equal(a.array, b.array)
        np.testing.assert_array_equal(a.array, c.array)
