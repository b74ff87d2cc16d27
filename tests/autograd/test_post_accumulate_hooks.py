"""Tensor.register_post_accumulate_grad_hook: fires once per backward per leaf, as soon as
the leaf's gradient is complete, after it has been accumulated into ``.grad``."""
import numpy as np
import pytest

import minigrad as mg


def _mlp():
    w1 = mg.randn(3, 4, requires_grad=True)
    w2 = mg.randn(4, 2, requires_grad=True)
    x = mg.randn(5, 3)
    return w1, w2, x


def test_fires_mid_walk_with_the_final_gradient():
    w1, w2, x = _mlp()
    events = []
    w2.register_post_accumulate_grad_hook(lambda p: events.append(("w2", p.grad.array.copy())))
    w1.register_post_accumulate_grad_hook(lambda p: events.append(("w1", p.grad.array.copy())))
    h = (x @ w1).relu()
    h.register_hook(lambda g: events.append(("h", None)))
    (h @ w2).sum().backward()
    # w2's gradient is complete before the walk reaches h: its hook ran first
    assert [e[0] for e in events] == ["w2", "h", "w1"]
    np.testing.assert_array_equal(events[0][1], w2.grad.array)
    np.testing.assert_array_equal(events[2][1], w1.grad.array)


def test_leaf_used_twice_fires_once_after_both_contributions():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.array.copy()))
    (w * w + w.exp()).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 2 * w.array + np.exp(w.array), rtol=1e-6)


def test_sees_accumulated_grad_and_remove():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.array.copy()))
    (3 * w).sum().backward()
    (3 * w).sum().backward()
    np.testing.assert_array_equal(seen[1], [6.0, 6.0])
    handle.remove()
    (3 * w).sum().backward()
    assert len(seen) == 2


def test_not_fired_by_autograd_grad_and_fired_by_backward_inputs():
    w, v = mg.tensor([1.0], requires_grad=True), mg.tensor([2.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda p: seen.append("w"))
    mg.autograd.grad((w * v).sum(), [w])
    assert seen == [] and w.grad is None
    (w * v).sum().backward(inputs=[w])
    assert seen == ["w"]


def test_errors_like_pytorch():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mg.zeros(2).register_post_accumulate_grad_hook(lambda p: None)
    w = mg.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)


def test_same_calls_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b, x = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((5, 3))
    got = {}
    for lib, key in ((mg, "mg"), (torch, "torch")):
        w1 = lib.tensor(a, requires_grad=True)
        w2 = lib.tensor(b, requires_grad=True)
        calls = []
        w1.register_post_accumulate_grad_hook(lambda p: calls.append(("w1", p.grad.sum().item())))
        w2.register_post_accumulate_grad_hook(lambda p: calls.append(("w2", p.grad.sum().item())))
        for _ in range(2):
            ((lib.tensor(x) @ w1).tanh() @ w2).pow(2).sum().backward()
        got[key] = calls
    assert [c[0] for c in got["mg"]] == [c[0] for c in got["torch"]]
    np.testing.assert_allclose([c[1] for c in got["mg"]], [c[1] for c in got["torch"]], rtol=1e-9)
