"""In-place forms of minigrad/ops/inplace_forms.py: the view-changing ``squeeze_`` ...
``t_``, the scans ``cumsum_``/``cumprod_``, ``resize_``, and the top-level ``torch.<op>_``
functions, each against PyTorch (values, gradients through the recorded in-place op, errors)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.ops import inplace_forms

torch = pytest.importorskip("torch")

# inputs inside every op's domain (acosh needs > 1, atanh and logit (0, 1) ...)
_DOMAIN = {"acosh": (1.2, 2.0), "arccosh": (1.2, 2.0)}


def _top_names():
    return [n for n in inplace_forms.__all__ if n.endswith("_") and n not in (
        "detach_", "fill_", "zero_", "clamp_", "clamp_min_", "clamp_max_", "clip_",
        "resize_as_", "celu_", "gcd_", "lcm_", "ldexp_", "xlogy_")]


@pytest.mark.parametrize("name", _top_names())
def test_top_level_inplace_matches_torch(name, rng):
    lo, hi = _DOMAIN.get(name[:-1], (0.1, 0.9))
    a = rng.uniform(lo, hi, size=(2, 3))
    x = mg.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y = x * 1.0
    assert getattr(mg, name)(y) is y
    t_in = torch.tensor(a)
    assert getattr(torch, name)(t_in) is t_in
    np.testing.assert_allclose(y.detach().numpy(), t_in.numpy(), rtol=1e-12, atol=0)
    # the gradient of the out-of-place op (PyTorch lacks some in-place derivatives, acosh_)
    ty = getattr(torch, name[:-1])(tx * 1.0)
    g = rng.standard_normal((2, 3))
    (y * mg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_top_level_with_arguments():
    a = np.array([[-2.0, 0.5], [3.0, -0.1]])
    for name, args in [("clamp_", (-1.0, 1.0)), ("clamp_min_", (0.0,)), ("clamp_max_", (0.2,)),
                       ("clip_", (-0.5, 0.5)), ("fill_", (3.0,)), ("celu_", (0.5,))]:
        x, tx = mg.tensor(a), torch.tensor(a)
        getattr(mg, name)(x, *args)
        getattr(torch, name)(tx, *args)
        np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-15, err_msg=name)
    b = np.array([[1.5, 2.0], [0.5, 3.0]])
    for name in ("xlogy_", "ldexp_"):
        other = b if name == "xlogy_" else np.array([[1, -2], [3, 0]])
        x, tx = mg.tensor(a), torch.tensor(a)
        assert getattr(mg, name)(x, mg.tensor(other)) is x
        getattr(torch, name)(tx, torch.tensor(other))
        np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-15, err_msg=name)
    for name in ("gcd_", "lcm_"):
        i, j = np.array([4, 6, 0, -9]), np.array([6, 4, 5, 6])
        x, tx = mg.tensor(i), torch.tensor(i)
        getattr(mg, name)(x, mg.tensor(j))
        getattr(torch, name)(tx, torch.tensor(j))
        np.testing.assert_array_equal(x.numpy(), tx.numpy(), err_msg=name)
    x = mg.tensor(a)
    assert mg.zero_(x) is x and not x.numpy().any()
    f = mg.fill(mg.tensor(a), 2.0)
    np.testing.assert_array_equal(f.numpy(), torch.fill(torch.tensor(a), 2.0).numpy())
    v = mg.tensor(1.5, requires_grad=True)
    mg.fill(mg.tensor(a), v).sum().backward()
    assert v.grad.item() == a.size
    y = mg.tensor(a, requires_grad=True) * 2
    assert mg.detach_(y) is y and y.is_leaf and not y.requires_grad
    assert mg.detach(y).array is y.array


@pytest.mark.parametrize("call", ["t_()", "transpose_(0, 2)", "swapaxes_(-1, 0)",
                                  "swapdims_(1, 2)", "squeeze_()", "squeeze_(1)",
                                  "unsqueeze_(-1)", "unsqueeze_(0)"])
def test_view_inplace_matches_torch(call, rng):
    shape = (3, 1, 2) if call != "t_()" else (3, 2)
    a = rng.standard_normal(shape)
    x = mg.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, ty = x * 1.0, tx * 1.0
    r, tr = eval("y." + call), eval("ty." + call)
    assert r is y and tr is ty
    assert tuple(y.shape) == tuple(ty.shape)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    g = rng.standard_normal(tuple(ty.shape))
    (y * mg.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    # no data is written: a plain tensor changes shape over the same memory
    z = mg.tensor(a)
    before = z.array
    eval("z." + call)
    assert np.shares_memory(z.array, before) and z._version == 1


def test_view_inplace_errors():
    leaf = mg.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.transpose_(0, 1)
    with pytest.raises(RuntimeError, match="expects a tensor with <= 2 dimensions"):
        mg.zeros(2, 2, 2).t_()
    with pytest.raises(IndexError):
        mg.zeros(2, 2).unsqueeze_(5)
    # a node that saved the tensor notices the in-place change (version counter)
    x = mg.randn(2, 3, requires_grad=True)
    y = x * 1.0
    z = y * y
    y.t_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


@pytest.mark.parametrize("name", ["cumsum_", "cumprod_"])
def test_scans_inplace(name, rng):
    a = rng.uniform(0.5, 1.5, size=(3, 4))
    x = mg.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, ty = x * 1.0, tx * 1.0
    getattr(y, name)(-1)
    getattr(ty, name)(-1)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-14)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-13)


def test_resize():
    a = np.arange(6.0).reshape(2, 3)
    x = mg.tensor(a)
    assert x.resize_(3, 2) is x and tuple(x.shape) == (3, 2)
    np.testing.assert_array_equal(x.numpy().ravel(), a.ravel())
    x.resize_(4)
    np.testing.assert_array_equal(x.numpy(), a.ravel()[:4])
    x.resize_((2, 3))  # grown: the new elements are zeros (PyTorch: uninitialized)
    np.testing.assert_array_equal(x.numpy().ravel()[:4], a.ravel()[:4])
    assert x.resize_as_(mg.zeros(1, 6)).shape == (1, 6)
    assert mg.resize_as_(x, mg.zeros(6)).shape == (6,)
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        mg.zeros(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="negative dimension"):
        mg.zeros(2).resize_(-1)
    t = torch.arange(6.0).reshape(2, 3).resize_(3, 2)  # same storage order as torch
    np.testing.assert_array_equal(mg.arange(6.0).reshape(2, 3).resize_(3, 2).numpy(), t.numpy())
