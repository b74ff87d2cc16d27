"""The op-level capture: one node per Function application, with names, attributes, scopes."""
import numpy as np
import pytest

import minigrad as torch
from minigrad.autograd.grad_mode import _State
from minigrad.compile.oprecord import check_same_program, trace_ops

nn = torch.nn


def _ops(g):
    return [n.target.__name__ for n in g.nodes if n.op == "function"]


def test_mlp_graph_names_params_and_scopes():
    m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x = torch.randn(2, 4)
    g = trace_ops(m, (x,))
    assert _ops(g) == ["Linear", "ReLU", "Linear"]
    params = [n.target for n in g.nodes if n.op == "param"]
    assert params == ["0.weight", "0.bias", "2.weight", "2.bias"]
    fn = [n for n in g.nodes if n.op == "function"]
    assert [n.scope for n in fn] == ["0", "1", "2"]
    assert fn[0].args[0].op == "input" and fn[0].args[1].target == "0.weight"
    assert fn[-1].shape == (2, 3) and fn[-1].dtype == np.float32
    assert g.output_nodes == [fn[-1]]
    np.testing.assert_array_equal(g.output_values[0], m(x).array)
    assert "Linear" in g.table()
    # the capture leaves no trace: recorder cleared, inputs and parameters as they were
    assert _State.recorder is None and not x.requires_grad
    assert all(p.requires_grad for p in m.parameters())


def test_inplace_ops_and_integer_inputs_are_followed():
    emb = nn.Embedding(10, 4)

    def f(tokens):
        y = emb(tokens + 1)
        y.relu_()  # in place on a recorded value: the next op reads the relu node
        return y * 2

    g = trace_ops(f, (torch.tensor([[1, 2], [3, 4]]),))
    ops = [n for n in g.nodes if n.op == "function"]
    assert [n.target.__name__ for n in ops] == ["Add", "GetItem", "ReLU", "Mul"]
    assert ops[0].args[0].op == "input"  # the integer input is followed
    assert ops[3].args[0] is ops[2]


def test_buffers_fold_or_stay_named():
    bn = nn.BatchNorm1d(3).eval()
    x = torch.randn(4, 3)
    folded = trace_ops(bn, (x,))
    assert "running_mean" not in " ".join(str(n.target) for n in folded.nodes)
    kept = trace_ops(bn, (x,), fold_buffers=False)
    assert {n.target for n in kept.nodes if n.op == "param"} >= {"running_mean", "running_var"}
    np.testing.assert_allclose(folded.output_values[0], kept.output_values[0])


def test_value_read_outside_ops_is_caught_by_a_second_trace():
    def f(x):
        return x * x.argmax()  # argmax runs outside any Function

    g1 = trace_ops(f, (torch.tensor([1.0, -1.0]),))
    g2 = trace_ops(f, (torch.tensor([-1.0, 1.0]),))
    with pytest.raises(RuntimeError, match="outside minigrad's recorded ops"):
        check_same_program(g1, g2)
    h = trace_ops(lambda x: x * 2, (torch.tensor([-1.0, 1.0]),))
    check_same_program(trace_ops(lambda x: x * 2, (torch.tensor([1.0, -1.0]),)), h)


def test_comparisons_and_integer_casts_are_recorded_as_ops():
    def f(x):
        m = (x > 0) & ~x.isnan()
        return torch.where(m, x, 0.0) + (x < 1).long() + m.float()

    g = trace_ops(f, (torch.tensor([1.0, -1.0, 0.5]),))
    logic = [n.kwargs["fn"] for n in g.nodes if n.op == "function" and n.target.__name__ == "Logic"]
    assert logic == ["greater", "isnan", "logical_not", "logical_and", "less"]
    assert not any(n.op == "const" and n.dtype == bool for n in g.nodes)
    check_same_program(g, trace_ops(f, (torch.tensor([-1.0, 1.0, 2.0]),)))
    # eager code outside a capture computes them on the arrays: nothing recorded
    x = torch.tensor([1.0, -1.0], requires_grad=True)
    assert (x > 0).grad_fn is None and not (x > 0).requires_grad


def test_nested_capture_is_refused():
    def f(x):
        return trace_ops(lambda y: y + 1, (x,))

    with pytest.raises(RuntimeError, match="inside another capture"):
        trace_ops(f, (torch.ones(2),))
    assert _State.recorder is None
