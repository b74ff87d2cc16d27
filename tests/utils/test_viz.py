"""make_dot: the DOT text of small known graphs, names like PyTorch's, rendering with dot."""
import re
import shutil

import pytest

pytest.importorskip("graphviz")

import minigrad as torch  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.utils.viz import make_dot  # noqa: E402


def _parse(dot):
    """({node id: (label, fillcolor)}, [(src label, dst label)]) from a Digraph's statements."""
    nodes, edges = {}, []
    for stmt in dot.body:
        m = re.fullmatch(r'\t("?[\w]+"?) -> ("?[\w]+"?)(?: \[.*\])?\n', stmt)
        if m:
            edges.append((m[1].strip('"'), m[2].strip('"')))
            continue
        m = re.fullmatch(r'\t("?[\w]+"?) \[label=(.*?)(?: fillcolor=(\w+))?\]\n', stmt, re.S)
        assert m, stmt
        nodes[m[1].strip('"')] = (m[2].strip('"'), m[3])
    return nodes, [(nodes[a][0], nodes[b][0]) for a, b in edges]


def test_mul_sum_graph():
    a = torch.randn(2, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    y = (a * b).sum()
    nodes, edges = _parse(make_dot(y, params={"a": a, "b": b}))
    labels = sorted(nodes.values(), key=str)
    assert labels == sorted([
        ("a\n (2, 3)", "lightblue"), ("b\n (3)", "lightblue"), ("AccumulateGrad", None),
        ("AccumulateGrad", None), ("MulBackward0", None), ("SumBackward0", None),
        ("\n ()", "darkolivegreen1")], key=str)
    assert sorted(edges) == sorted([
        ("a\n (2, 3)", "AccumulateGrad"), ("b\n (3)", "AccumulateGrad"),
        ("AccumulateGrad", "MulBackward0"), ("AccumulateGrad", "MulBackward0"),
        ("MulBackward0", "SumBackward0"), ("SumBackward0", "\n ()")])


def test_two_layer_net_names_match_pytorch():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2, bias=False))
    loss = model(torch.randn(5, 3)).tanh().sum()
    nodes, edges = _parse(make_dot(loss, params=dict(model.named_parameters())))
    ops = sorted(lbl for lbl, color in nodes.values() if color is None and lbl != "AccumulateGrad")
    assert ops == ["AddmmBackward0", "MmBackward0", "ReluBackward0", "SumBackward0",
                   "TanhBackward0"]
    assert ("0.weight\n (4, 3)", "AccumulateGrad") in edges
    assert ("2.weight\n (2, 4)", "AccumulateGrad") in edges
    assert ("AddmmBackward0", "ReluBackward0") in edges and ("ReluBackward0", "MmBackward0") in edges
    torch_ = pytest.importorskip("torch")
    tm = torch_.nn.Sequential(torch_.nn.Linear(3, 4), torch_.nn.ReLU(),
                              torch_.nn.Linear(4, 2, bias=False))
    tl = tm(torch_.randn(5, 3)).tanh().sum()
    tnames, stack = set(), [tl.grad_fn]
    while stack:
        f = stack.pop()
        if f is not None and f.name() != "torch::autograd::AccumulateGrad":
            tnames.add(f.name())
            stack.extend(g for g, _ in f.next_functions)
    # PyTorch adds TBackward0 (the weight transposes); every op we draw is named as it is there
    assert set(ops) <= tnames


def test_attrs_saved_and_output_tuple():
    x = torch.randn(4, 3, requires_grad=True)
    y = x.sum(dim=1, keepdim=True)
    z = x.exp()
    nodes, edges = _parse(make_dot((y, z), show_attrs=True, show_saved=True))
    labels = [lbl for lbl, _ in nodes.values()]
    assert any(lbl.startswith("SumBackward0\n") and "keepdim: True" in lbl for lbl in labels)
    saved = [lbl for lbl, c in nodes.values() if c == "orange"]
    assert "saved 0\n (4, 3)" in saved  # exp saves its output
    assert sum(c == "darkolivegreen1" for _, c in nodes.values()) == 2


def test_deep_graph_without_recursion():
    x = torch.randn(3, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    dot = make_dot(y.sum())
    assert sum("MulBackward0" in s for s in dot.body) == 5000


def test_bad_params():
    x = torch.randn(2, requires_grad=True)
    with pytest.raises(TypeError, match="params"):
        make_dot(x * 2, params={"x": 1})


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program not installed")
def test_render_svg(tmp_path):
    a = torch.randn(2, 2, requires_grad=True)
    path = make_dot((a @ a).sum(), params={"a": a}).render(tmp_path / "g", format="svg")
    with open(path) as f:
        svg = f.read()
    assert "MmBackward0" in svg and "SumBackward0" in svg and "<svg" in svg
