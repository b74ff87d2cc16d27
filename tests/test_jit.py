"""torch.jit as a pass-through: what TorchScript-ready programs call works eagerly."""
import typing

import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import jit


class Block(nn.Module):
    scale: jit.Final[float]

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)
        self.scale = 2.0
        self.count = jit.Attribute(0, int)

    @jit.ignore
    def debug(self, x):
        return x.shape

    @jit.ignore(drop=True)
    def dropped(self):
        return "kept"

    @jit.unused
    def unused_path(self, x):
        return x

    @jit.export
    def exported(self, x):
        return self.lin(x)

    def forward(self, x):
        if jit.is_scripting() or jit.is_tracing():
            raise AssertionError("never scripting or tracing in minigrad")
        y = jit.annotate(typing.List[int], [])
        y.append(1)
        return self.lin(x) * self.scale


def test_script_and_trace_return_their_argument():
    m = Block()
    x = mg.randn(4, 3)
    assert jit.script(m) is m and jit.trace(m, (x,)) is m and jit.trace_module(m, {}) is m
    assert jit.freeze(m) is m and jit.optimize_for_inference(m) is m
    f = lambda t: t * 2  # noqa: E731
    assert jit.script(f) is f and jit.trace(f, x) is f
    assert m(x).shape == (4, 2) and m.debug(x) == (4, 3) and m.dropped() == "kept"
    assert m.count == 0 and m.unused_path(1) == 1 and m.exported(x).shape == (4, 2)


def test_helpers():
    fut = jit.fork(lambda a, b: a + b, 2, b=3)
    assert jit.wait(fut) == 5 and fut.done()
    assert jit.isinstance([1, 2], typing.List[int]) and not jit.isinstance(1, str)
    assert jit.Final is typing.Final

    class S(jit.ScriptModule):
        def forward(self, x):
            return x

    assert isinstance(S(), nn.Module) and not isinstance(nn.Linear(1, 1), jit.ScriptModule)
    with pytest.raises(NotImplementedError, match="state_dict"):
        jit.save(S(), "x.pt")
    with pytest.raises(NotImplementedError, match="TorchScript"):
        jit.load("x.pt")


def test_reachable_as_torch_jit():
    assert mg.jit is jit
