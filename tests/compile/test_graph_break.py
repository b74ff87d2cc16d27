"""Graph breaks: data-dependent Python in a compiled function, every kind."""
import warnings

import numpy as np
import pytest

import minigrad as torch
from minigrad.compile import GraphBreak

# each reads a tensor's data into Python in a different way
KINDS = {
    "item": (lambda t: t.sum().item(), "Tensor.item()"),
    "tolist": (lambda t: t.tolist(), "Tensor.tolist()"),
    "numpy": (lambda t: t.numpy().sum(), "Tensor.numpy()"),
    "asarray": (lambda t: np.asarray(t).sum(), "converting a Tensor to a NumPy array"),
    "print": (lambda t: print(t), "printing a tensor"),
    "if": (lambda t: 1.0 if t.sum() > 0 else -1.0, "bool() of a tensor"),
    "float": (lambda t: float(t.sum()), "float(tensor)"),
}


def _make(read):
    w = torch.ones(3)
    seen = []

    def fn(x):
        y = x * w
        seen.append(read(y))  # the data-dependent line
        w.mul_(0.5)  # a state update after the break
        return y + 1
    return fn, w, seen


@pytest.mark.parametrize("kind", list(KINDS))
def test_graph_break_warns_once_naming_the_line_and_stays_correct(kind, capsys):
    read, what = KINDS[kind]
    fn, w, seen = _make(read)
    f = torch.compile(fn)
    xs = [torch.tensor([1.0, -2.0, 3.0]) * (i + 1) for i in range(4)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = [f(x).array.copy() for x in xs]
    msgs = [str(c.message) for c in caught if "graph break" in str(c.message)]
    assert len(msgs) == 1, msgs
    # the innermost user line: the read itself
    assert what in msgs[0] and f"test_graph_break.py:{read.__code__.co_firstlineno}" in msgs[0]
    efn, ew, eseen = _make(read)
    want = [efn(x).array.copy() for x in xs]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(w.array, ew.array)
    assert len(seen) == len(eseen) == 4  # the Python side runs on every call
    capsys.readouterr()


@pytest.mark.parametrize("kind", list(KINDS))
def test_fullgraph_raises_at_a_graph_break(kind):
    read, what = KINDS[kind]
    fn, w, _ = _make(read)
    f = torch.compile(fn, fullgraph=True)
    with pytest.raises(GraphBreak) as e:
        f(torch.ones(3))
    assert what in str(e.value)
    assert f"test_graph_break.py:{read.__code__.co_firstlineno}" in str(e.value)
