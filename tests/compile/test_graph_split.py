"""Graph breaks split a compiled function: compiled pieces around an eager statement.

Every test runs the same function eagerly and compiled (``mode="nofuse"``, so results are
bitwise equal) on the same inputs, compares results and state, and reads the pieces
(``CompiledFunction.pieces``) to check that the compiled ones really replay.
"""
import functools
import warnings

import numpy as np
import pytest

import minigrad as torch
from minigrad.compile import GraphBreak

CALLS = 6  # the break, two traces of each piece, then replays


def _run(make, inputs, compiled):
    fn, state = make()
    f = torch.compile(fn, mode="nofuse") if compiled else fn
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outs = [f(*a) for a in inputs]
    outs = [o.array.copy() if isinstance(o, torch.Tensor) else o for o in outs]
    msgs = [str(c.message) for c in caught if "graph break" in str(c.message)]
    return outs, [np.array(t.array) for t in state], f, msgs


def _same(make, inputs):
    """Run eagerly and compiled; assert bitwise equal results and state; return the
    compiled function and its warnings."""
    want, wstate, _, _ = _run(make, inputs, False)
    got, gstate, f, msgs = _run(make, inputs, True)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(gstate, wstate):
        np.testing.assert_array_equal(a, b)
    return f, msgs


def _flat(pieces):
    out = []
    for p in pieces:
        out.append(p)
        if p.kind == "branch":
            out += _flat(p.body) + _flat(p.orelse)
    return out


def _line(fn, text):
    """The source line of ``fn`` holding ``text``."""
    import inspect

    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, s in enumerate(lines) if text in s)


def _model_step(body):
    """A small regression step (Linear + SGD) whose middle is ``body(loss, log, extra)``."""
    def make():
        torch.manual_seed(0)
        model = torch.nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        log = []
        return body(model, opt, log), list(model.parameters())
    return make


def _data(n):
    g = np.random.default_rng(0)
    return [(torch.tensor(g.standard_normal((5, 4)).astype(np.float32)),
             torch.tensor(g.standard_normal((5, 1)).astype(np.float32))) for _ in range(n)]


def _print_step(model, opt, log):
    def step(x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        print("loss", loss.item())
        opt.step()
        return loss
    return step


def test_print_in_the_middle_of_a_step(capsys):
    make = _model_step(_print_step)
    f, msgs = _same(make, _data(CALLS))
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2 * CALLS and printed[:CALLS] == printed[CALLS:]
    kinds = [p.kind for p in f.pieces]
    assert kinds == ["compiled", "eager", "compiled", "eager"], f.pieces  # last: return loss
    for p in f.pieces:
        if p.kind == "compiled":
            assert p.compiled.replays == CALLS - 3 and p.compiled.traces == 2
    step = _print_step(None, None, None)
    assert len(msgs) == 1 and "Tensor.item()" in msgs[0]
    assert f"test_graph_split.py:{_line(step, 'print(')}" in msgs[0]


def _branch_step(model, opt, log):
    def step(x, y, thresh):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        if loss.item() > thresh:
            opt.step()
        else:
            with torch.no_grad():
                for p in model.parameters():
                    p.sub_(0.5 * p.grad)
        log.append(loss.item())
        return loss
    return step


def test_if_on_item_chooses_between_two_updates():
    # thresholds alternate so each branch is taken on every other call, loss values change
    n = 2 * CALLS
    data = [d + (1e9 if i % 2 else -1e9,) for i, d in enumerate(_data(n))]
    f, msgs = _same(_model_step(_branch_step), data)
    branch = next(p for p in f.pieces if p.kind == "branch")
    # the first call (the whole function's trace) took the if-branch; every piece is
    # traced twice before it replays
    for side, taken in ((branch.body, n // 2 - 1), (branch.orelse, n // 2)):
        assert side[0].kind == "compiled" and side[0].compiled.replays == taken - 2
    assert f.pieces[0].kind == "compiled" and f.pieces[0].compiled.replays == n - 3
    # one warning per line that breaks: the if and the log line after it
    step = _branch_step(None, None, None)
    assert len(msgs) == 2 and all("Tensor.item()" in m for m in msgs)
    assert f"test_graph_split.py:{_line(step, 'if loss.item()')}" in msgs[0]
    assert f"test_graph_split.py:{_line(step, 'log.append')}" in msgs[1]


def _tolist():
    w = torch.tensor([1.0, 2.0, 3.0])

    def fn(x):
        h = x * w
        vals = h.tolist()
        scale = 2.0 if max(vals) > 3.0 else 0.5
        w.add_(0.25)
        return h * scale
    return fn, [w]


def test_tolist_feeding_python_logic():
    # the scale flips between calls: the piece that reads it re-traces (a guard), never
    # replays a stale one
    xs = [(torch.tensor([1.0, 1.0, 1.0]) * s,) for s in (2, 0.1, 2, 0.1, 2, 0.1, 2, 0.1)]
    f, msgs = _same(_tolist, xs)
    compiled = [p for p in _flat(f.pieces) if p.kind == "compiled"]
    assert compiled and all(p.compiled.replays > 0 for p in compiled), f.pieces
    assert len(msgs) == 1 and "Tensor.tolist()" in msgs[0]


def _sign():
    def fn(x):
        y = x * 2
        sign = 1 if y.sum() > 0 else -1
        return y * sign
    return fn, []


def test_python_value_from_the_eager_part_is_a_guard():
    xs = [(torch.tensor([1.0, 2.0]) * (1 if i % 2 else -1),) for i in range(10)]
    f, _ = _same(_sign, xs)
    last = f.pieces[-1]
    # calls 2-10 reach it (the first one traced the whole function): two signs, each
    # traced twice, so 9 - 4 replays; a stale program would have given a wrong sign above
    assert last.kind == "compiled" and last.compiled.traces == 4
    assert last.compiled.replays == 9 - 4


def _dict_state():
    cfg = {"scale": 1.0}

    def fn(x):
        y = x * 2
        cfg["scale"] = 2.0 if y.sum() > 0 else 0.5
        return y * cfg["scale"]
    return fn, []


def _attr_state():
    import types

    st = types.SimpleNamespace(scale=1.0)

    def fn(x):
        y = x * 2
        st.scale = 2.0 if y.sum() > 0 else 0.5
        return y * st.scale
    return fn, []


@pytest.mark.parametrize("make", [_dict_state, _attr_state])
def test_state_an_eager_part_changes_is_a_guard_of_later_pieces(make):
    # the scale stays 2.0 long enough for the last piece to be compiled, then changes:
    # the value ``cfg["scale"]`` / ``st.scale`` is a guard of that piece, so it re-traces
    xs = [(torch.tensor([1.0, 2.0]) * (1 if i < 6 else -1),) for i in range(10)]
    f, _ = _same(make, xs)
    last = f.pieces[-1]
    assert last.kind == "compiled" and last.compiled.traces == 4
    assert last.compiled.replays == 9 - 4


def _list_state():
    log = []

    def fn(x):
        y = x * 2
        log.append(y.sum().item())
        n = len(log)
        return y * n
    return fn, []


def test_a_list_an_eager_part_appends_to_keeps_its_readers_eager():
    f, _ = _same(_list_state, [(torch.tensor([1.0, 2.0]),) for _ in range(CALLS)])
    assert f.pieces[0].kind == "compiled" and f.pieces[0].compiled.replays == CALLS - 3
    assert f.pieces[2].kind == "eager" and "hashable" in f.pieces[2].reason  # len(log)


def _loop():
    w = torch.ones(3)
    seen = []

    def fn(x):
        y = x * w
        for i in range(2):
            seen.append(y[i].item())
        w.mul_(0.5)
        return y.sum()
    return fn, [w]


def _try():
    w = torch.ones(3)

    def fn(x):
        y = x * w
        try:
            z = y / y.sum().item()
        except ZeroDivisionError:
            z = y
        w.mul_(0.5)
        return z * 2
    return fn, [w]


@pytest.mark.parametrize("make,what", [(_loop, "for"), (_try, "try")])
def test_break_in_a_loop_or_try_makes_the_statement_eager(make, what):
    # the inputs sum to 0 on the first calls: the except clause runs, as eagerly
    f, msgs = _same(make, [(torch.tensor([1.0, 2.0, -3.0]) * i,) for i in range(CALLS)])
    assert [p.kind for p in f.pieces] == ["compiled", "eager", "compiled"]
    assert f"whole {what} statement" in msgs[0] and len(msgs) == 1
    assert f.pieces[2].compiled.replays == CALLS - 3


class _Stepper:
    def __init__(self):
        self.w = torch.ones(2)
        self.seen = []

    def step(self, x, scale=2.0, *, shift=1.0):
        y = x * self.w * scale
        self.seen.append(y.sum().item())
        return y + shift


def _method():
    s = _Stepper()
    return s.step, [s.w]


def test_bound_method_keywords_and_defaults():
    fn, _ = _method()
    f = torch.compile(fn, mode="nofuse")
    want = _Stepper()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(CALLS):
            x = torch.tensor([1.0, -2.0]) * i
            got = f(x) if i < 3 else f(x, scale=3.0, shift=0.5)
            ref = want.step(x) if i < 3 else want.step(x, scale=3.0, shift=0.5)
            np.testing.assert_array_equal(got.array, ref.array)
    assert fn.__self__.seen == want.seen
    # self.seen changes in the eager part, but the first piece reads only self.w
    assert f.pieces[0].kind == "compiled" and f.pieces[0].compiled.replays > 0


def _early_return():
    def fn(x):
        y = x * 2
        if y.sum() > 0:
            return y + 1
        z = y - 1
        del y
        return z * 3
    return fn, []


def test_return_inside_a_split_if_and_del():
    xs = [(torch.tensor([1.0, 2.0]) * (1 if i % 2 else -1),) for i in range(10)]
    f, _ = _same(_early_return, xs)
    assert all(p.compiled.replays > 0 for p in _flat(f.pieces) if p.kind == "compiled")


def _forward_cut():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        print(loss)
        loss.backward()
        opt.step()
        return loss
    return step, list(model.parameters())


def test_a_break_between_forward_and_backward_keeps_that_part_eager(capsys):
    # a replay's tensors have no autograd graph: the forward and the backward stay eager,
    # the statements around them are still compiled
    f, _ = _same(_forward_cut, _data(CALLS))
    kinds = {p.lines[0] - f.pieces[0].lines[0]: p for p in f.pieces}
    assert kinds[1].kind == "eager" and "autograd" in kinds[1].reason  # the forward
    assert kinds[3].kind == "eager" and "autograd" in kinds[3].reason  # the backward
    assert kinds[0].kind == kinds[4].kind == "compiled"
    assert kinds[4].compiled.replays > 0
    capsys.readouterr()


def _global_step():
    def fn(x):
        global _COUNT
        y = x * 2
        _COUNT = y.sum().item()
        return y
    return fn, []


def _nested_lambda():
    w = torch.ones(2)
    return (lambda x: x * w if (x * w).sum() > 0 else x), []


@pytest.mark.parametrize("make,why", [
    (_global_step, "global statement"),
    (_nested_lambda, "a lambda"),
])
def test_fallback_runs_eagerly_and_says_why(make, why):
    xs = [(torch.tensor([1.0, 2.0]) * (1 if i % 2 else -1),) for i in range(4)]
    f, msgs = _same(make, xs)
    assert f.pieces == []
    assert len(msgs) == 1 and "running it eagerly" in msgs[0] and why in msgs[0], msgs


def test_fallback_for_code_without_source():
    ns = {"torch": torch}
    exec("def fn(x):\n    y = x * 2\n    print(y.sum().item())\n    return y\n", ns)
    f = torch.compile(ns["fn"])
    with pytest.warns(RuntimeWarning, match="source is not available"):
        f(torch.ones(2))
    np.testing.assert_array_equal(f(torch.ones(2)).array, [2.0, 2.0])


def test_partial_is_not_split():
    def fn(x, k):
        return x * k if (x * k).sum() > 0 else x
    f = torch.compile(functools.partial(fn, k=2.0))
    with pytest.warns(RuntimeWarning, match="not split: partial"):
        f(torch.ones(2))


def test_fullgraph_still_raises():
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    f = torch.compile(_print_step(model, opt, []), fullgraph=True)
    x, y = _data(1)[0]
    with pytest.raises(GraphBreak, match="Tensor.item"):
        f(x, y)
    assert f.pieces == []


def test_fallback_when_the_source_file_changed(tmp_path, monkeypatch):
    import importlib
    import os

    src = "def fn(x):\n    y = x * 2\n    print(y.sum().item())\n    return y\n"
    path = tmp_path / "gbreak_edited_mod.py"
    path.write_text(src)
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module("gbreak_edited_mod")
    path.write_text(src.replace("y = x * 2", "w = x\n    y = w * 2"))  # edited since
    os.utime(path, (1, 1))  # another mtime, so linecache reloads it
    f = torch.compile(mod.fn)
    with pytest.warns(RuntimeWarning, match="source file has changed"):
        f(torch.ones(2))
    np.testing.assert_array_equal(f(torch.ones(2)).array, [2.0, 2.0])
    assert f.pieces == []
