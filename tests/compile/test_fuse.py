"""Fusion of elementwise chains in compiled programs (minigrad/compile/fuse.py)."""
import numpy as np
import pytest

import minigrad as torch
from minigrad.compile import fuse

pytestmark = pytest.mark.skipif(not fuse.available(), reason="fusion needs numba (fast extra)")


@pytest.fixture
def fuse_all(monkeypatch):
    monkeypatch.setattr(fuse, "MIN_ELEMENTS", {2: 0, 3: 0})
    monkeypatch.setattr(fuse, "FLAT_MIN", 0)


def _compiled(fn, *args, calls=3, **kw):
    f = torch.compile(fn, **kw)
    out = [f(*args) for _ in range(calls)]
    return f, out[-1]


def _kernels(code):
    return [line for line in code.splitlines() if "  # t0 = " in line]


def test_sgd_update_is_one_kernel_writing_the_parameter(fuse_all):
    w0 = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)

    def make():
        w = torch.tensor(w0, requires_grad=True)

        def step(x):
            loss = (x @ w).sum()
            loss.backward()
            with torch.no_grad():
                w.sub_(0.1 * w.grad)  # multiply then subtract in place: one kernel
                w.grad = None
            return loss
        return w, step
    w, step = make()
    x = torch.ones(2, 3)
    for _ in range(4):
        step(x)
    wc, stepc = make()
    f, _ = _compiled(stepc, x, calls=4)
    ks = _kernels(f.code)
    assert any("out=v" in k and "a1 - t0" in k.replace("(", "").replace(")", "") for k in ks)
    np.testing.assert_array_equal(w.array, wc.array)


def test_values_read_elsewhere_stay_materialized(fuse_all):
    x = torch.randn(4, 5)

    def fn(x):
        a = x * 2.0  # returned: must exist as an array
        b = (a + 1.0).relu() * 3.0  # add, maximum, multiply: one kernel reading a
        return a, b
    with torch.no_grad():
        f, (a, b) = _compiled(fn, x)
        want = fn(x)
    ks = _kernels(f.code)
    assert len(ks) == 1 and ks[0].count("t") >= 3
    np.testing.assert_array_equal(a.array, want[0].array)
    np.testing.assert_array_equal(b.array, want[1].array)


def test_nan_inf_and_signed_zero_as_numpy(fuse_all):
    vals = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, -1.5, 2.0, np.nan], np.float64)

    def fn(x, y):
        return (torch.maximum(x, y) * (x > 0)) / (torch.minimum(y, x) - 1.0)
    x, y = torch.tensor(vals), torch.tensor(vals[::-1].copy())
    with torch.no_grad(), np.errstate(all="ignore"):
        f, got = _compiled(fn, x, y)
        want = fn(x, y)
    assert _kernels(f.code)
    assert got.dtype == torch.float64
    np.testing.assert_array_equal(got.array, want.array)
    np.testing.assert_array_equal(np.signbit(got.array), np.signbit(want.array))


def test_a_write_between_producer_and_consumer_is_respected(fuse_all):
    def fn(x, buf):
        a = x * 2.0
        buf.add_(1.0)  # writes buf after a is computed...
        return a + buf * 3.0  # ...so a's kernel may not be moved past the write of buf
    x = torch.randn(3, 3)
    with torch.no_grad():
        b1, b2 = torch.zeros(3, 3), torch.zeros(3, 3)
        f = torch.compile(fn)
        got = [f(x, b1).array.copy() for _ in range(4)]
        want = [fn(x, b2).array.copy() for _ in range(4)]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(b1.array, b2.array)


def test_thresholds_and_switches(monkeypatch):
    def fn(x):
        return (x + 1.0).relu()
    with torch.no_grad():
        small, _ = _compiled(fn, torch.randn(4, 4))
        assert not _kernels(small.code)  # 16 elements: NumPy's ufuncs are faster
        big_x = torch.randn(64, 64)
        big, out = _compiled(fn, big_x)
        assert len(_kernels(big.code)) == 1
        np.testing.assert_array_equal(out.array, fn(big_x).array)
        off, _ = _compiled(fn, big_x, mode="nofuse")
        assert not _kernels(off.code)
        monkeypatch.setenv("MINIGRAD_FUSE", "0")
        env_off, _ = _compiled(fn, big_x)
        assert not _kernels(env_off.code)


def test_compiled_module_fuses_forward_and_backward(fuse_all):
    def train(mode):
        torch.manual_seed(0)
        m = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        f = torch.compile(m, mode=mode)
        x = torch.randn(5, 6)
        for _ in range(4):
            opt.zero_grad()
            f(x).square().mean().backward()
            opt.step()
        return f, [p.array.copy() for p in m.parameters()]
    f, got = train(None)
    _, want = train("nofuse")
    assert _kernels(f.code)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_long_chains_are_cut_at_the_ufunc_operand_limit(fuse_all, monkeypatch):
    monkeypatch.setattr(fuse, "FLAT_MIN", 1 << 30)  # the ufuncs, not the loops
    xs = [torch.full((4,), float(i + 1)) for i in range(80)]

    def fn(*xs):  # 80 inputs in one chain: more than a NumPy ufunc can take
        acc = xs[0] * 1.0
        for x in xs[1:]:
            acc = acc + x * 0.5
        return acc
    with torch.no_grad():
        f, got = _compiled(fn, *xs)
        want = fn(*xs)
    assert len(_kernels(f.code)) >= 3
    np.testing.assert_array_equal(got.array, want.array)


def test_loops_over_contiguous_operands_broadcast_and_fall_back(fuse_all):
    def fn(x, b, s):  # full, trailing-block (a bias) and one-element operands
        return ((x + b) * s).relu() - x * 0.5
    r = np.random.default_rng(0)
    x = torch.tensor(r.standard_normal((6, 5)).astype(np.float32))
    b = torch.tensor(r.standard_normal(5).astype(np.float32))
    s = torch.tensor(np.full((1, 1), -1.5, np.float32))
    xt = torch.tensor(r.standard_normal((5, 6)).astype(np.float32)).t()  # not contiguous
    with torch.no_grad():
        f, _ = _compiled(fn, x, b, s)
        assert "c_contiguous" in f.code  # the loop, with the ufunc for other layouts
        for a in (x, xt, x):
            np.testing.assert_array_equal(f(a, b, s).array, fn(a, b, s).array)


def test_loop_writes_in_place_into_an_out_array(fuse_all):
    def fn(w, g):
        w.sub_(0.1 * g)  # multiply then subtract into w: one loop writing w
        return w
    w0 = np.linspace(-1, 1, 30, dtype=np.float32).reshape(5, 6)
    g = torch.tensor(np.linspace(2, 3, 30, dtype=np.float32).reshape(5, 6))
    w1, w2 = torch.tensor(w0.copy()), torch.tensor(w0.copy())
    with torch.no_grad():
        f = torch.compile(fn)
        for _ in range(4):
            f(w1, g)
            fn(w2, g)
    assert "c_contiguous" in f.code
    np.testing.assert_array_equal(w1.array, w2.array)


def test_constant_work_is_folded_and_times_one_dropped(fuse_all):
    w0 = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)

    def make():
        w = torch.tensor(w0, requires_grad=True)

        def step(x):
            loss = (x @ w).square().sum()  # sum's backward: ones(()), broadcast, multiply
            loss.backward()
            with torch.no_grad():
                w.sub_(0.1 * w.grad)
                w.grad = None
            return loss, torch.ones(2)  # a constant that is returned: never shared
        return w, step
    x = torch.tensor(np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3))
    w, step = make()
    want = [step(x)[0].item() for _ in range(4)]
    wc, stepc = make()
    f = torch.compile(stepc)
    got = [f(x) for _ in range(4)]
    bound = list(f._last.fn.__globals__.values())
    assert not any(b is np.broadcast_to for b in bound)  # folded...
    body = f.code.split("np.square")[1]
    assert body.count("np.multiply(") == 1  # ...and only 2 * x is left (not "* ones")
    assert [g[0].item() for g in got] == want
    np.testing.assert_array_equal(w.array, wc.array)
    got[-1][1].array[0] = 5.0  # the returned ones are the caller's own
    assert f(x)[1].tolist() == [1.0, 1.0]
    plain = torch.compile(make()[1], mode="nofuse")
    for _ in range(3):
        plain(x)
    assert "np.broadcast_to" in plain.graph.table()  # nofuse: eager's kernels, one by one
    assert any(b is np.broadcast_to for b in plain._last.fn.__globals__.values())


def test_a_constant_seen_through_a_returned_view_is_not_folded():
    from minigrad.compile.fold import fold
    from minigrad.compile.ir import Node

    f4 = np.dtype(np.float32)
    c = Node("v0", "const", shape=(2,), dtype=f4)
    c.value = np.ones(2, f4)
    s = Node("v1", "call", np.add, (c, c), {}, (2,), f4)  # constant work
    view = Node("v2", "method", "reshape", (s, (1, 2)), {}, (1, 2), f4)
    view.view_of = s
    for returned, folded in ((("T", view), False), (("L", None), True)):
        out = Node("v3", "output", None, (returned,))
        got = fold([c, s, view, out], set(), set())
        assert (got[1].op == "const") == folded
        if folded:
            np.testing.assert_array_equal(got[1].value, [2.0, 2.0])
