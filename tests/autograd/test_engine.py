"""The tape and the reverse walk: graph shapes, grad modes, hooks, autograd.grad,
higher-order derivatives, custom Functions, in-place version checks, memory."""
import gc
import weakref

import numpy as np
import pytest

import minigrad as mg
from minigrad import autograd
from minigrad.autograd import Function


def leaf(values, dtype=mg.float64):
    return mg.tensor(values, dtype=dtype, requires_grad=True)


def npy(t):
    return t.detach().numpy()


# ---- graph shapes ---------------------------------------------------------------------------
def test_diamond_graph():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 2
    b = a.exp()  # two paths from a to the output
    c = a * a
    y = (b + c).sum()
    y.backward()
    xv = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(npy(x.grad), 2 * np.exp(2 * xv) + 2 * 2 * (2 * xv))


def test_nested_diamonds():
    x = leaf([0.5, -1.0])
    h = x
    for _ in range(5):  # h <- h * h + h: every level is a diamond
        h = h * h + h
    h.sum().backward()
    v, d = np.array([0.5, -1.0]), np.ones(2)
    for _ in range(5):
        d = d * (2 * v + 1)
        v = v * v + v
    np.testing.assert_allclose(npy(x.grad), d)


def test_node_reused_many_times():
    x = leaf([1.5])
    a = x * 3
    y = a
    for _ in range(1000):
        y = y + a
    y.sum().backward()
    np.testing.assert_allclose(npy(x.grad), [3.0 * 1001])


def test_grad_accumulates_over_two_backward_calls():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [2.0, 4.0])
    g = x.grad
    (x * 3).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [5.0, 7.0])
    assert x.grad is g  # accumulated in place, as in PyTorch


def test_unused_leaf_and_input_without_grad():
    x, w = leaf([1.0]), leaf([2.0])
    c = mg.tensor([3.0], dtype=mg.float64)
    (x * c).sum().backward()
    assert w.grad is None and c.grad is None
    np.testing.assert_allclose(npy(x.grad), [3.0])


def test_broadcast_gradient_reduced_to_input_shape():
    x = leaf([[1.0], [2.0]])  # (2, 1)
    b = leaf([1.0, 2.0, 3.0])  # (3,)
    (x * b).sum().backward()
    assert x.grad.shape == (2, 1) and b.grad.shape == (3,)
    np.testing.assert_allclose(npy(x.grad), [[6.0], [6.0]])
    np.testing.assert_allclose(npy(b.grad), [3.0, 3.0, 3.0])


def test_backward_on_leaf_itself():
    x = leaf(2.0)
    x.backward()
    assert x.grad.item() == 1.0


# ---- retain_graph / freeing -----------------------------------------------------------------
def test_retain_graph_allows_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = npy(x.grad).copy()
    y.backward()
    np.testing.assert_allclose(npy(x.grad), 2 * first)


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_freed_graph_reused_in_new_forward_raises_at_backward():
    x = leaf([1.0])
    y = x * 2
    y.sum().backward()
    z = (y * 3).sum()  # the new graph reaches y's freed node
    with pytest.raises(RuntimeError, match="second time"):
        z.backward()


# ---- grad modes -----------------------------------------------------------------------------
def test_no_grad_records_nothing():
    x = leaf([1.0])
    with mg.no_grad():
        y = x * 2 + 1
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_no_grad_as_decorator_with_and_without_parentheses():
    x = leaf([1.0])

    @mg.no_grad()
    def f(t):
        return t * 2

    @mg.no_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad and not g(x).requires_grad
    assert g.__name__ == "g" and mg.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf([1.0])
    with mg.no_grad():
        with mg.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad


def test_set_grad_enabled_both_ways():
    x = leaf([1.0])
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with mg.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    mg.set_grad_enabled(False)  # a plain call switches immediately, as in PyTorch
    try:
        assert not mg.is_grad_enabled()
    finally:
        mg.set_grad_enabled(True)

    @mg.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert mg.is_grad_enabled()  # decorating does not switch the mode
    assert not f(x).requires_grad and mg.is_grad_enabled()


def test_inference_mode():
    x = leaf([1.0])
    with mg.inference_mode():
        assert not (x * 2).requires_grad
    with mg.inference_mode(False):
        assert (x * 2).requires_grad

    @mg.inference_mode()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and mg.is_grad_enabled()


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError), mg.no_grad():
        raise ValueError
    assert mg.is_grad_enabled()


# ---- hooks, retain_grad, detach ---------------------------------------------------------------
def test_hook_on_leaf_modifies_grad_and_can_be_removed():
    x = leaf([1.0, 2.0])
    seen = []
    h = x.register_hook(lambda g: seen.append(npy(g).copy()) or g * 10)
    (x * 2).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [20.0, 20.0])
    np.testing.assert_allclose(seen[0], [2.0, 2.0])
    h.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [2.0, 2.0])
    assert len(seen) == 1


def test_hook_on_non_leaf_changes_what_flows_upstream():
    x = leaf([1.0, 2.0])
    y = x * 3
    h = y.register_hook(lambda g: g * 0 + 1)  # replace dL/dy by ones
    (y * y).sum().backward(retain_graph=True)
    np.testing.assert_allclose(npy(x.grad), [3.0, 3.0])
    h.remove()
    x.grad = None
    (y * y).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [18.0, 36.0])


def test_hook_returning_kept_tensor_is_not_mutated_by_accumulation():
    x = leaf([1.0])
    kept = mg.tensor([5.0], dtype=mg.float64)
    x.register_hook(lambda g: kept)
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [10.0])
    np.testing.assert_allclose(npy(kept), [5.0])


@pytest.mark.parametrize("act", [mg.relu, lambda t: t.clamp(min=0.0, max=1.5)])
def test_in_place_backward_only_reuses_gradients_no_one_else_holds(act):
    """relu/clamp overwrite their incoming gradient when the engine owns it. A gradient
    that is shared (Add hands one tensor to both inputs), the user's grad_tensors, or one a
    hook has seen must come out unchanged."""
    xv, yv = [-1.0, 0.5, 2.0], [1.0, -0.5, 3.0]
    mask = lambda v: np.array([0.0 <= a <= 1.5 if act is not mg.relu else a > 0 for a in v])
    x, y = leaf(xv), leaf(yv)
    (act(x) + act(y)).sum().backward()  # one shared gradient for both
    np.testing.assert_array_equal(npy(x.grad), mask(xv))
    np.testing.assert_array_equal(npy(y.grad), mask(yv))

    x = leaf(xv)
    g = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)
    act(x).backward(g)  # the user's gradient is not the engine's to overwrite
    np.testing.assert_array_equal(npy(g), [1.0, 2.0, 3.0])

    x = leaf(xv)
    seen = []
    u = x * 3.0
    u.register_hook(seen.append)
    (act(u * 1.0) * 2.0).sum().backward()  # gy of act is fresh (owned) here
    np.testing.assert_array_equal(npy(x.grad), 6.0 * mask([3 * v for v in xv]))
    np.testing.assert_array_equal(npy(seen[0]), 2.0 * mask([3 * v for v in xv]))


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mg.tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = y * y
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    z.sum().backward()
    np.testing.assert_allclose(npy(y.grad), [4.0, 8.0])
    assert z.grad is None  # non-leaf without retain_grad keeps no grad


def test_detach_shares_data_and_leaves_graph():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.array, y.array)
    (d * x).sum().backward()  # no gradient flows through d
    np.testing.assert_allclose(npy(x.grad), [2.0, 4.0])


def test_detach_in_place():
    x = leaf([1.0])
    y = x * 2
    assert y.detach_() is y
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1, 2], requires_grad=True)


def test_requires_grad_false_on_non_leaf_raises():
    y = leaf([1.0]) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_is_leaf_and_grad_fn_names():
    x = leaf([1.0, 2.0])
    c = mg.tensor([1.0])
    assert x.is_leaf and c.is_leaf and x.grad_fn is None
    assert (x * 2).grad_fn.name() == "MulBackward0"
    assert (x + 2).grad_fn.name() == "AddBackward0"
    assert x.exp().grad_fn.name() == "ExpBackward0"
    assert x.sum().grad_fn.name() == "SumBackward0"
    assert not (x * 2).is_leaf
    assert "MulBackward0" in repr((x * 2).grad_fn)
    assert (c * 2).is_leaf  # nothing requires grad: nothing recorded


def test_sequence_numbers_increase_along_the_tape():
    x = leaf([1.0])
    a = x * 2
    b = a.exp()
    assert a.grad_fn.seq < b.grad_fn.seq
    assert b.grad_fn.next_functions[0][0] is a.grad_fn


# ---- autograd.grad --------------------------------------------------------------------------
def test_grad_multiple_inputs_and_outputs():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    a = (x * y).sum()
    b = (x * x).sum()
    gx, gy = autograd.grad([a, b], [x, y])
    np.testing.assert_allclose(npy(gx), [3.0 + 2.0, 4.0 + 4.0])
    np.testing.assert_allclose(npy(gy), [1.0, 2.0])
    assert x.grad is None and y.grad is None  # grad() touches no .grad


def test_grad_with_grad_outputs_and_single_input():
    x = leaf([1.0, 2.0])
    y = x * x
    (g,) = autograd.grad(y, x, grad_outputs=mg.tensor([1.0, 10.0], dtype=mg.float64))
    np.testing.assert_allclose(npy(g), [2.0, 40.0])


def test_grad_with_respect_to_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    gh, gx = autograd.grad(y, [h, x])
    np.testing.assert_allclose(npy(gh), [6.0, 12.0])
    np.testing.assert_allclose(npy(gx), [18.0, 36.0])


def test_grad_unused_input():
    x, z = leaf([1.0]), leaf([2.0, 3.0])
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        autograd.grad(y, [x, z], retain_graph=True)
    gx, gz = autograd.grad(y, [x, z], allow_unused=True, retain_graph=True)
    assert gz is None and gx.item() == 2.0
    gx, gz = autograd.grad(y, [x, z], materialize_grads=True)
    np.testing.assert_array_equal(npy(gz), [0.0, 0.0])
    assert gz.shape == z.shape


def test_grad_of_input_without_requires_grad_raises():
    x = leaf([1.0])
    c = mg.tensor([1.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad((x * c).sum(), [c])


def test_backward_with_inputs_only_accumulates_there():
    x, w = leaf([1.0]), leaf([2.0])
    (x * w).sum().backward(inputs=[x])
    assert w.grad is None
    np.testing.assert_allclose(npy(x.grad), [2.0])


def test_grad_equals_backward():
    rng = np.random.default_rng(0)
    x = leaf(rng.standard_normal((3, 4)))
    w = leaf(rng.standard_normal((4, 2)))

    def f():
        return ((x @ w).tanh() * (x @ w)).sum()

    gx, gw = autograd.grad(f(), [x, w])
    f().backward()
    np.testing.assert_array_equal(npy(gx), npy(x.grad))
    np.testing.assert_array_equal(npy(gw), npy(w.grad))


# ---- higher order -----------------------------------------------------------------------------
def test_third_derivative_of_x_to_the_fourth():
    x = leaf([0.5, -1.5, 2.0])
    (g1,) = autograd.grad((x**4).sum(), x, create_graph=True)
    (g2,) = autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = autograd.grad(g2.sum(), x)
    v = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(npy(g1), 4 * v**3)
    np.testing.assert_allclose(npy(g2), 12 * v**2)
    np.testing.assert_allclose(npy(g3), 24 * v)


def test_third_derivative_of_tanh_composite():
    v = np.array([0.3, -0.7, 1.1])
    x = leaf(v)
    (g1,) = autograd.grad(x.tanh().sum(), x, create_graph=True)
    (g2,) = autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = autograd.grad(g2.sum(), x)
    t = np.tanh(v)
    np.testing.assert_allclose(npy(g1), 1 - t**2)
    np.testing.assert_allclose(npy(g2), -2 * t * (1 - t**2))
    np.testing.assert_allclose(npy(g3), (1 - t**2) * (6 * t**2 - 2))


def test_third_derivative_of_sin_composite_against_torch():
    torch = pytest.importorskip("torch")
    if not hasattr(mg, "sin"):
        pytest.skip("sin not available")
    v = np.array([0.3, -0.7, 1.1])

    def f(lib, x):
        return (lib.sin(x * x) * x.exp()).sum()

    x = leaf(v)
    xt = torch.tensor(v, requires_grad=True)
    gs, gts = [], []
    y, yt = f(mg, x), f(torch, xt)
    for _ in range(3):
        (y,) = autograd.grad(y, x, create_graph=True)
        (yt,) = torch.autograd.grad(yt, xt, create_graph=True)
        gs.append(npy(y))
        gts.append(yt.detach().numpy())
        y, yt = y.sum(), yt.sum()
    for a, b in zip(gs, gts):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_backward_create_graph_gives_differentiable_grad():
    x = leaf([2.0])
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    np.testing.assert_allclose(npy(g), [12.0])
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(npy(x.grad), [12.0])  # d/dx 3x^2 = 6x


def test_gradgradcheck_of_composite():
    x = leaf(np.array([[0.2, -0.4], [0.9, 1.3]]))
    w = leaf(np.array([[0.5], [-1.2]]))
    assert autograd.gradcheck(lambda a, b: (a @ b).sigmoid() * a, (x, w))
    assert autograd.gradgradcheck(lambda a, b: (a @ b).sigmoid() * a, (x, w))


# ---- dtypes of gradients ------------------------------------------------------------------------
def test_grad_dtype_follows_leaf_through_casts():
    x = leaf([1.0, 2.0], dtype=mg.float32)
    y = (x.double() * 3).sum()
    assert y.dtype == mg.float64
    y.backward()
    assert x.grad.dtype == mg.float32
    np.testing.assert_allclose(npy(x.grad), [3.0, 3.0])


def test_grad_dtype_when_mixing_float32_and_float64():
    a = leaf([1.0], dtype=mg.float32)
    b = leaf([2.0], dtype=mg.float64)
    (a * b).sum().backward()
    assert a.grad.dtype == mg.float32 and b.grad.dtype == mg.float64


# ---- bad backward calls ---------------------------------------------------------------------------
def test_non_scalar_backward_needs_gradient():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\).*gradient="):
        y.backward()


def test_backward_gradient_shape_mismatch():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        y.backward(mg.ones(3, dtype=mg.float64))


def test_backward_with_explicit_gradient():
    x = leaf([1.0, 2.0])
    (x * x).backward(mg.tensor([1.0, -1.0], dtype=mg.float64))
    np.testing.assert_allclose(npy(x.grad), [2.0, -4.0])


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


# ---- custom Functions ---------------------------------------------------------------------------
class ScaledExp(Function):
    """y = exp(x * scale) + b (PyTorch-style, with a non-tensor argument)."""

    @staticmethod
    def forward(ctx, x, scale, b):
        y = (x * scale).exp() + b
        ctx.save_for_backward(y, b)
        ctx.scale = scale
        ctx.seen_needs = ctx.needs_input_grad
        return y

    @staticmethod
    def backward(ctx, gy):
        y, b = ctx.saved_tensors
        gx = gy * (y - b) * ctx.scale if ctx.needs_input_grad[0] else None
        gb = gy if ctx.needs_input_grad[2] else None
        return gx, None, gb


def test_custom_function_forward_backward():
    x = leaf([0.1, 0.2])
    b = mg.tensor([1.0, 1.0], dtype=mg.float64)
    y = ScaledExp.apply(x, 3.0, b)
    assert y.grad_fn.name() == "ScaledExpBackward0"
    assert y.grad_fn.seen_needs == (True, False, False)
    y.sum().backward()
    np.testing.assert_allclose(npy(x.grad), 3 * np.exp(3 * np.array([0.1, 0.2])))
    assert b.grad is None


def test_custom_function_gradcheck_and_second_order():
    x = leaf([0.1, -0.3])
    b = leaf([0.5, 2.0])
    assert autograd.gradcheck(lambda x, b: ScaledExp.apply(x, 1.5, b), (x, b))
    # its backward is built from minigrad ops, so it is twice differentiable
    assert autograd.gradgradcheck(lambda x, b: ScaledExp.apply(x, 1.5, b), (x, b))


def test_custom_function_without_grad_records_nothing():
    x = mg.tensor([0.1], dtype=mg.float64)
    y = ScaledExp.apply(x, 2.0, x)
    assert y.grad_fn is None and not y.requires_grad
    with mg.no_grad():
        assert ScaledExp.apply(leaf([0.1]), 2.0, x).grad_fn is None


def test_custom_function_returning_its_input():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, gy):
            return gy * 2

    x = leaf([1.0])
    y = Identity.apply(x)
    assert y is not x and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(npy(x.grad), [2.0])


def test_custom_function_output_aliasing_input_shares_version():
    class Same(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, gy):
            return gy

    x = leaf([1.0]) * 1
    y = Same.apply(x)
    with mg.no_grad():
        x.add_(1)
    assert y._version == 1 and np.shares_memory(y.array, x.array)


def test_custom_function_mark_non_differentiable():
    class ArgmaxMask(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            out = (x == x.max()).double()
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, gy):
            return None

    y = ArgmaxMask.apply(leaf([1.0, 3.0]))
    assert not y.requires_grad and y.grad_fn is None
    assert y.tolist() == [0.0, 1.0]


def test_custom_function_returning_kept_tensor_is_not_mutated():
    const = mg.tensor([1.0, 1.0], dtype=mg.float64)

    class Const(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, gy):
            return const  # a tensor the op keeps

    x = leaf([1.0, 2.0])
    (Const.apply(x) + Const.apply(x)).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [2.0, 2.0])
    np.testing.assert_allclose(npy(const), [1.0, 1.0])


@pytest.mark.parametrize("grads, exc, words", [
    (lambda gy: (gy, np.ones(2)), TypeError, ["returned a gradient of type ndarray", "input 1"]),
    (lambda gy: (gy, mg.ones(3, dtype=mg.float64)), RuntimeError,
     ["invalid gradient at index 1", "(3,)", "(2,)"]),
    (lambda gy: (gy,), RuntimeError, ["returned 1 gradients, expected 2"]),
])
def test_custom_function_bad_gradient_is_named(grads, exc, words):
    """A backward returning a non-Tensor, a gradient that cannot be summed to its input's
    shape, or the wrong number of gradients raises, naming the input and the shapes."""
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, gy):
            return grads(gy)

    z = Bad.apply(leaf([1.0, 2.0]), leaf([3.0, 4.0]))
    with pytest.raises(exc) as err:
        z.sum().backward()
    for w in words:
        assert w in str(err.value)


class CubeRaw(Function):
    """y = x**3 with a backward on raw arrays: not differentiable again."""

    once_differentiable = True

    def forward(self, x):
        self.save_for_backward(x)
        return x**3

    def backward(self, gy):
        (x,) = self.saved_tensors
        return mg.Tensor._wrap(3 * x.array**2 * gy.array)


def test_once_differentiable_first_order_works():
    x = leaf([1.0, 2.0])
    CubeRaw.apply(x).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [3.0, 12.0])
    assert autograd.gradcheck(CubeRaw.apply, (leaf([0.5, -1.0]),))


def test_once_differentiable_raises_on_second_order():
    x = leaf([1.0, 2.0])
    (g,) = autograd.grad(CubeRaw.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(npy(g), [3.0, 12.0])
    with pytest.raises(RuntimeError, match="CubeRawBackward0 is not twice differentiable"):
        g.sum().backward()


def test_once_differentiable_decorator_on_user_function():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @autograd.once_differentiable
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            assert not mg.is_grad_enabled()  # runs under no_grad even with create_graph
            return gy * 3 * x * x

    assert Cube.once_differentiable
    x = leaf([2.0])
    (g,) = autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(npy(g), [12.0])
    with pytest.raises(RuntimeError, match="CubeBackward0 is not twice differentiable"):
        autograd.grad(g.sum(), x)


# ---- in-place ops and version counters ------------------------------------------------------------
def test_inplace_on_saved_output_raises_at_backward_naming_op():
    x = leaf([1.0, 2.0])
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*ExpBackward0"):
        y.sum().backward()


def test_inplace_on_saved_input_raises():
    x = leaf([1.0, 2.0])
    a = x * 1
    y = a * a  # saves a
    a.mul_(2)
    with pytest.raises(RuntimeError, match=r"MulBackward0.*version 1; expected version 0"):
        y.sum().backward()


def test_inplace_through_a_view_is_seen_by_the_base():
    x = leaf([1.0, 2.0, 3.0])
    y = x.exp()
    v = y[0:2]  # a view sharing y's memory
    with mg.no_grad():
        v.add_(1)
    assert y._version == v._version == 1
    with pytest.raises(RuntimeError, match="ExpBackward0"):
        y.sum().backward()


def test_view_used_after_recorded_inplace_on_base_is_rebased():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    v = y[0:2]
    y.mul_(2)  # y's history moves on; v's is regenerated from it when v is used (PyTorch)
    (v * 3).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [6.0, 6.0, 0.0])


def test_recorded_inplace_gives_correct_grad():
    x = leaf([1.0, 2.0])
    y = x * 1
    y.mul_(3)
    y.add_(x)
    assert y.grad_fn.name() == "AddBackward0"
    y.sum().backward()
    np.testing.assert_allclose(npy(x.grad), [4.0, 4.0])


def test_inplace_on_leaf_requiring_grad_raises():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x *= 2


def test_inplace_on_leaf_under_no_grad_works():
    x = leaf([1.0, 2.0])
    with mg.no_grad():
        x.mul_(2)
        x += 1
    assert x._version == 2 and x.is_leaf and x.requires_grad
    np.testing.assert_allclose(npy(x), [3.0, 5.0])


def test_manual_sgd_update_under_no_grad():
    w = leaf([1.0, -2.0])
    lr = 0.1
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        with mg.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
    np.testing.assert_allclose(npy(w), np.array([1.0, -2.0]) * 0.8**3)
    assert w.is_leaf and w.grad_fn is None


# ---- depth and memory ----------------------------------------------------------------------------
class Scale(Function):
    """y = c x; gx = c gy (a minimal op, so that deep chains stay cheap to build)."""

    def forward(self, x, c):
        self.c = c
        return x * c

    def backward(self, gy):
        return Scale.apply(gy, c=self.c)


def test_100k_op_chain_backward_without_recursion_error():
    x = leaf([1.0])
    y = x
    for i in range(100_000):
        y = Scale.apply(y, c=(1.0 if i % 2 else -1.0))
    y.sum().backward()
    np.testing.assert_allclose(npy(x.grad), [1.0])


def test_dropping_100k_deep_graph_without_backward():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = Scale.apply(y, c=1.0)
    ref = weakref.ref(y.grad_fn)
    del y
    assert ref() is None


def test_intermediates_freed_after_backward_by_refcount_alone():
    gc.collect()
    gc.disable()
    try:
        x = leaf(np.ones(4))
        h = x.exp()
        h_ref, node_ref = weakref.ref(h), weakref.ref(h.grad_fn)
        y = (h * h).sum()
        del h
        assert h_ref() is not None  # saved by MulBackward0
        y.backward()
        assert h_ref() is None and node_ref() is None
    finally:
        gc.enable()


def test_graph_freed_when_output_dropped_without_backward():
    gc.collect()
    gc.disable()
    try:
        x = leaf(np.ones(3))
        y = (x.exp() * x).tanh().sum()
        refs = [weakref.ref(y.grad_fn)]
        n = y.grad_fn
        while n is not None and n.parents:
            n = next((p for p in n.parents if isinstance(p, Function)), None)
            if n is not None:
                refs.append(weakref.ref(n))
        del n, y
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_no_reference_cycles_in_training_steps():
    rng = np.random.default_rng(0)
    w1 = leaf(rng.standard_normal((5, 8)) * 0.1, dtype=mg.float32)
    w2 = leaf(rng.standard_normal((8, 1)) * 0.1, dtype=mg.float32)
    x = mg.tensor(rng.standard_normal((16, 5)), dtype=mg.float32)
    t = mg.tensor(rng.standard_normal((16, 1)), dtype=mg.float32)

    def step():
        h = (x @ w1).relu()
        loss = ((h @ w2 - t) ** 2).sum()
        loss.backward()
        with mg.no_grad():
            for w in (w1, w2):
                w -= 0.01 * w.grad
                w.grad = None
        return loss.item()

    step()  # warm-up (imports, caches)
    gc.collect()
    gc.disable()
    try:
        for _ in range(5):
            step()
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        gc.enable()
