"""In-place ops and index assignment on views of tensors in a graph (PyTorch's
CopySlices), and custom Functions with several outputs, mark_dirty,
mark_non_differentiable and set_materialize_grads. Gradients are checked in float64
against finite differences and against PyTorch when it is installed."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function, gradcheck, gradgradcheck


def _views_program(lib, a, x, w):
    """Writes through views inside a forward (the issue's examples and more)."""
    h = lib.zeros(4, 3, dtype=a.dtype)
    h[:, 0] = x                      # setitem of a graph value into a plain buffer
    y = a * 2
    y[y.detach() > 0] += 1           # index assignment with a mask (getitem, iadd, setitem)
    y[1:3].mul_(w)                   # in place on a basic view
    y[:, 1] += h[:, 0]               # += on a column view
    v = y[0]                         # a view taken before an in-place op on its base ...
    y.add_(1)                        # ... is rebased onto the base's new history when used
    y.t()[2].sub_(x)                 # in place on a view of a view (a transposed column)
    return (v * 3).sum() + (y * y).sum() + (h * h).sum()


def _inputs(lib, seed=0):
    rng = np.random.default_rng(seed)
    arrays = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal(3)
    return [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]


def test_views_program_gradcheck():
    a, x, w = _inputs(mg)
    assert gradcheck(lambda a, x, w: _views_program(mg, a, x, w), (a, x, w))
    assert gradgradcheck(lambda a, x, w: _views_program(mg, a, x, w), (a, x, w))


def test_views_program_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _inputs(mg), _inputs(torch)
    lm, lt = _views_program(mg, *ours), _views_program(torch, *theirs)
    np.testing.assert_allclose(lm.item(), lt.item(), rtol=1e-12)
    lm.backward()
    lt.backward()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_view_rebase_names_and_versions():
    a = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64, requires_grad=True)
    y = a * 1
    v = y[1:]
    vc = y._version
    v.mul_(2)
    assert y.grad_fn.name() == "CopySlicesBackward0"
    assert v.grad_fn.name() == "StridedViewBackward0"
    assert y._version == v._version == vc + 1
    assert y.tolist() == [1.0, 4.0, 6.0]


def test_view_inplace_sees_saved_tensor_version():
    """A node that saved the base sees the write through the view, as in PyTorch."""
    a = mg.tensor([0.5, 1.0], dtype=mg.float64, requires_grad=True)
    y = a.exp()  # saves its output
    y[0:1].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_view_of_leaf_requiring_grad_raises():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable that requires grad"):
        a[0:1].add_(1)
    with pytest.raises(RuntimeError, match="view of a leaf Variable that requires grad"):
        a[0][...] = 3.0


def test_copy_into_view_of_plain_buffer():
    """``buf[:, 0].copy_(x)``: the buffer joins the graph (PyTorch's CopySlices)."""
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    buf = mg.zeros(2, 3, dtype=mg.float64)
    buf[:, 0].copy_(x * 3)
    assert buf.requires_grad
    (buf * buf).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [18.0, 36.0])


# ---- custom Functions ---------------------------------------------------------------------


def _functions(lib):
    class SinCos(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            s, c = x.sin(), x.cos()
            ctx.save_for_backward(x, s, c)
            ctx.k = k
            i = x.argmax()
            ctx.mark_non_differentiable(i)
            return s * k, c, i

        @staticmethod
        def backward(ctx, gs, gc, gi):
            x, s, c = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return gs * c * ctx.k - gc * s, None

    class AddOne_(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            x.add_(1)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class Lazy(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            Lazy.seen = (g1 is None, g2 is None)
            out = 0
            if g1 is not None:
                out = out + g1 * 2
            if g2 is not None:
                out = out + g2 * 3
            return out

    return SinCos, AddOne_, Lazy


def _custom_program(lib, x):
    SinCos, AddOne_, Lazy = _functions(lib)
    s, c, i = SinCos.apply(x, 3.0)
    recording = lib.is_grad_enabled()  # gradcheck's finite differences run under no_grad
    assert s.requires_grad == c.requires_grad == recording and not i.requires_grad
    y = x * 1
    z = AddOne_.apply(y)
    assert z is y and (y.grad_fn is not None) == recording
    a, _ = Lazy.apply(x)
    return (s * s).sum() + c.sum() + (z * z).sum() + a.sum(), Lazy


def test_custom_function_outputs_gradcheck():
    x = mg.tensor([0.3, -1.2, 2.0], dtype=mg.float64, requires_grad=True)
    # (not gradgradcheck: SinCos saves sin/cos computed under no_grad, as a PyTorch
    # Function would, so its backward is not differentiable again)
    assert gradcheck(lambda x: _custom_program(mg, x)[0], (x,))


def test_custom_function_outputs_match_torch():
    torch = pytest.importorskip("torch")
    vals = [0.3, -1.2, 2.0]
    x = mg.tensor(vals, dtype=mg.float64, requires_grad=True)
    tx = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    (lm, lazy_m), (lt, lazy_t) = _custom_program(mg, x), _custom_program(torch, tx)
    lm.backward()
    lt.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    assert lazy_m.seen == lazy_t.seen == (False, True)  # the unused output's grad is None


def test_custom_function_dirty_leaf_raises_and_version_bumps():
    _, AddOne_, _ = _functions(mg)
    leaf = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        AddOne_.apply(leaf)
    y = mg.tensor([1.0])
    v = y._version
    with mg.no_grad():
        assert AddOne_.apply(y) is y
    assert y._version > v and y.tolist() == [2.0]


def test_custom_function_saved_output_version_check():
    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            e = x.exp()
            ctx.save_for_backward(e)
            return e, x * 2

        @staticmethod
        def backward(ctx, ge, g2):
            (e,) = ctx.saved_tensors
            return ge * e + g2 * 2

    x = mg.tensor([0.1, 0.2], dtype=mg.float64, requires_grad=True)
    e, d = Two.apply(x)
    (e.sum() + d.sum()).backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.1, 0.2]) + 2)
    with mg.no_grad():
        e.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        e.sum().backward()


def _diagonal_program(lib, a):
    """Writes through diagonals: the common `A.diagonal().add_(eps)` and a batched one."""
    m = a @ a.transpose(-1, -2)
    m.diagonal(dim1=-2, dim2=-1).add_(0.5)
    m[0].diagonal(1).mul_(a[0, 0, 0])
    d = lib.diag(m[1])               # torch.diag of a matrix is a copy, not a view
    d.mul_(0)
    return (m * m).sum() + d.sum()


def test_diagonal_is_a_view_and_in_place_writes_through_it_are_differentiable():
    x = mg.zeros(3, 4)
    x.diagonal(1).fill_(2.0)
    assert x.diagonal(1)._base is x and x.tolist()[0] == [0.0, 2.0, 0.0, 0.0]
    rng = np.random.default_rng(3)
    a = mg.tensor(rng.standard_normal((2, 3, 3)), requires_grad=True)
    assert gradcheck(lambda a: _diagonal_program(mg, a), (a,))
    assert gradgradcheck(lambda a: _diagonal_program(mg, a), (a,))
    torch = pytest.importorskip("torch")
    ta = torch.tensor(a.detach().numpy(), requires_grad=True)
    _diagonal_program(mg, a).backward()
    _diagonal_program(torch, ta).backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
