"""minigrad.compile: replays give eager's numbers bitwise (mode None replays eager's kernels)."""
import numpy as np
import pytest

import minigrad as torch
from benchmarks import workloads as W

SMOKE = W.SIZES["smoke"]
STEPS = 6  # two traces, then four replays


def _state(tensors):
    return [np.array(t.array) for t in tensors] + [
        np.array(t.grad.array) if t.grad is not None else None for t in tensors]


def _run(make, compiled, mode=None):
    step, tensors = make()
    f = torch.compile(step, mode=mode) if compiled else step
    losses = []
    for _ in range(STEPS):
        out = f()
        losses.append(None if out is None else out.array.copy())
    return losses, _state(tensors), f


def _equal(a, b):
    return all((x is None and y is None) or np.array_equal(x, y) for x, y in zip(a, b))


def _closure_state(step):
    """Every tensor a workload step touches: closure tensors, module parameters and
    buffers, optimizer state (so parameters, gradients and optimizer state are compared)."""
    out = []
    for c in step.__closure__ or ():
        v = c.cell_contents
        if isinstance(v, torch.Tensor):
            out.append(v)
        elif isinstance(v, torch.nn.Module):
            out += list(v.parameters()) + list(v.buffers())
        elif isinstance(v, torch.optim.Optimizer):
            ps = [p for g in v.param_groups for p in g["params"]]
            out += ps + [t for p in ps for t in v.state.get(p, {}).values()
                         if isinstance(t, torch.Tensor)]
    return out


def _two_layer():
    step = W.fw_two_layer(torch, W.data_two_layer(SMOKE["two_layer"]), lr=1e-3)
    return step, _closure_state(step)


def _mlp():
    step, _, _ = W.fw_mlp(torch, W.data_mlp(SMOKE["mlp"]))
    return step, _closure_state(step)


def _lenet():
    step, _ = W.fw_lenet(torch, W.data_lenet(SMOKE["lenet"]))
    return step, _closure_state(step)


def _lstm():
    step = W.fw_lstm(torch, W.data_lstm(SMOKE["lstm"]))
    return step, _closure_state(step)


def _gpt():
    step = W.fw_gpt(torch, W.data_gpt(SMOKE["gpt"]), SMOKE["gpt"][4])
    return step, _closure_state(step)


def _lstm_lm():
    step = W.fw_lstm_lm(torch, W.data_lstm_lm(SMOKE["lstm_lm"]))
    return step, _closure_state(step)


def _small():
    d = W.data_small(SMOKE["small"])
    step = W.fw_small(torch, d, SMOKE["small"][1])

    def with_grads():
        step()
        return None
    return with_grads, _closure_state(step)


WORKLOADS = {"two_layer": _two_layer, "mlp_adam": _mlp, "small_ops": _small, "lenet_sgd": _lenet,
             "lstm_sgd": _lstm, "gpt_adamw": _gpt, "lstm_lm_clip": _lstm_lm}


@pytest.fixture
def fuse_everything(monkeypatch):
    """Fuse every fusable chain, however small (the workloads run at smoke sizes); False
    where fusion is unavailable (no numba: the fast extra)."""
    from minigrad.compile import fuse

    monkeypatch.setattr(fuse, "MIN_ELEMENTS", {2: 0, 3: 0})
    monkeypatch.setattr(fuse, "FLAT_MIN", 0)  # as loops (over contiguous operands)
    return fuse.available()


@pytest.mark.parametrize("make", list(WORKLOADS.values()), ids=list(WORKLOADS))
def test_workload_bitwise_equal_to_eager(make, fuse_everything):
    # losses, parameters, gradients and optimizer state after two traces and four replays:
    # without fusion a replay runs eager's kernels; fused kernels do the same IEEE float
    # operations in the same order (only exactly rounded ops are fused), so both are
    # bitwise equal to eager
    le, se, _ = _run(make, False)
    assert len(se) > 2
    for mode in ("nofuse", None) if fuse_everything else ("nofuse",):
        lc, sc, f = _run(make, True, mode)
        assert f.code is not None, "the function was not compiled"
        assert "def program" in f.code and len(f.graph) > 0
        assert ("  # t0 = " in f.code) == (mode is None), "fused kernels only without nofuse"
        assert len(se) == len(sc)
        assert _equal(le, lc)
        assert _equal(se, sc)


def _affine():
    torch.manual_seed(0)
    w = torch.randn(5, 3, requires_grad=True)

    def step(x):
        loss = (x @ w).tanh().sum()
        loss.backward()
        with torch.no_grad():
            w.sub_(0.1 * w.grad)
            w.grad = None
        return loss
    return w, step


def test_shape_change_retraces_and_stays_correct():
    w, step = _affine()
    f = torch.compile(step)
    xs = [torch.randn(n, 5) for n in (4, 4, 4, 7, 7, 7, 4)]
    w0 = w.array.copy()
    got = [f(x).item() for x in xs]
    w.array[...] = w0
    want = [step(x).item() for x in xs]
    assert got == want
    assert len(f._cache) == 2


def test_eval_is_a_guard_and_autograd_outputs_fall_back():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5))
    x = torch.randn(3, 4)
    f = torch.compile(lambda x: model(x))
    with torch.no_grad():
        for _ in range(3):
            f(x)
        assert f.code is not None
        model.eval()
        np.testing.assert_array_equal(f(x).array, model(x).array)  # eval: no dropout
    # with grad enabled the result has autograd history, which a replay cannot give
    with pytest.warns(RuntimeWarning, match="autograd history"):
        out = f(x)
    assert out.requires_grad


def test_dropout_draws_fresh_numbers_and_matches_eager_under_seed():
    def make():
        torch.manual_seed(1)
        return lambda x: torch.nn.functional.dropout(x, 0.5, training=True)
    x = torch.ones(64)
    eager = make()
    torch.manual_seed(3)
    want = [eager(x).array.copy() for _ in range(5)]
    f = torch.compile(make())
    torch.manual_seed(3)
    got = [f(x).array.copy() for _ in range(5)]
    assert f.code is not None and "_gen._rng" in f.code
    assert all(np.array_equal(a, b) for a, b in zip(want, got))
    assert not np.array_equal(got[3], got[4])  # two replays draw different masks


def test_graph_break_warns_once_and_runs_eagerly():
    w, step = _affine()

    def noisy(x):
        loss = step(x)
        if loss.item() > 1e9:  # data-dependent Python
            print("big")
        return loss
    f = torch.compile(noisy)
    x = torch.randn(4, 5)
    with pytest.warns(RuntimeWarning, match=r"graph break.*\.item\(\).*test_compile.py"):
        f(x)
    for _ in range(3):
        f(x)  # no second warning (filterwarnings=error would raise)
    assert f.code is None


def test_fullgraph_raises():
    w, step = _affine()
    f = torch.compile(lambda x: step(x).item(), fullgraph=True)
    with pytest.raises(torch.compile.__globals__["GraphBreak"], match=r"\.item\(\)"):
        f(torch.randn(4, 5))


def test_disabled_by_environment(monkeypatch):
    monkeypatch.setenv("MINIGRAD_COMPILE", "0")
    w, step = _affine()
    f = torch.compile(step)
    for _ in range(4):
        f(torch.randn(4, 5))
    assert f.code is None


def test_memory_is_flat_over_many_replays():
    import tracemalloc

    w, step = _affine()
    f = torch.compile(step)
    x = torch.randn(4, 5)
    for _ in range(10):
        f(x)
    tracemalloc.start()
    for _ in range(200):
        f(x)
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(2000):
        f(x)
    now = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert now - base < 64 * 1024


def test_clear_errors():
    with pytest.raises(TypeError, match="expects a function"):
        torch.compile(3)
    with pytest.raises(ValueError, match="unknown mode"):
        torch.compile(lambda: None, mode="turbo")


def _train_module(compiled, steps=6):
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Dropout(0.25),
                            torch.nn.Linear(8, 3))
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    f = torch.compile(m) if compiled else m
    x, y = torch.randn(5, 6), torch.randint(0, 3, (5,))
    torch.manual_seed(1)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(f(x), y)
        loss.backward()  # an ordinary eager loop around the compiled module
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return m, f, x, losses, _closure_state_of(m, opt)


def _closure_state_of(m, opt):
    ps = list(m.parameters())
    return _state(ps + [t for p in ps for t in opt.state[p].values() if isinstance(t, torch.Tensor)])


def test_compiled_module_trains_bitwise_like_eager():
    # forward and backward are two recorded programs behind one autograd node; dropout
    # draws from the generator at every replay
    _, _, _, le, se = _train_module(False)
    m, f, x, lc, sc = _train_module(True)
    assert f.code is not None and "# backward" in f.code and "_gen._rng" in f.code
    assert le == lc and _equal(se, sc)
    assert isinstance(f.parameters, type(m.parameters)) and len(list(f.parameters())) == 4
    # eval() is a guard (no dropout), and no_grad compiles the forward alone
    f.eval()
    with torch.no_grad():
        for _ in range(3):
            np.testing.assert_array_equal(f(x).array, m(x).array)
    out = f(x)  # grad mode, eval: a new joint program; gradients still flow
    out.sum().backward()
    assert m[0].weight.grad is not None


def test_library_checks_are_rechecked_at_every_replay():
    # embedding's index-range check is a bool the library reads: the program re-checks it,
    # and a replay that meets a bad index runs eagerly, raising eager's IndexError
    emb = torch.nn.Embedding(5, 3)
    f = torch.compile(lambda i: emb(i))
    good = torch.tensor([[0, 4], [2, 1]])
    with torch.no_grad():
        for _ in range(3):
            np.testing.assert_array_equal(f(good).array, emb.weight.array[good.array])
        assert f.code is not None and "_Recheck" in f.code
        with pytest.raises(IndexError, match="out of range"):
            f(torch.tensor([[0, 5], [2, 1]]))
        np.testing.assert_array_equal(f(good).array, emb.weight.array[good.array])


def test_a_replaced_parameter_retraces():
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 2)
    x = torch.randn(4, 3)

    def fwd(x):
        with torch.no_grad():
            return lin(x)
    f = torch.compile(fwd)
    for _ in range(3):
        f(x)
    assert f.code is not None
    lin.weight = torch.nn.Parameter(torch.ones(2, 3))  # a new object, same shape
    np.testing.assert_array_equal(f(x).array, fwd(x).array)
