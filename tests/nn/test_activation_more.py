"""The activation modules of the nn long tail against torch.nn: outputs, gradients,
parameters, reprs, in-place forms and errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

MODULES = [
    ("ReLU6", (), {}), ("Hardsigmoid", (), {}), ("Hardswish", (), {}), ("LogSigmoid", (), {}),
    ("Softsign", (), {}), ("Tanhshrink", (), {}), ("CELU", (0.5,), {}), ("GLU", (), {"dim": 1}),
    ("Softmin", (), {"dim": 1}), ("Softmax2d", (), {}), ("Threshold", (0.1, 20.0), {}),
    ("Softshrink", (0.3,), {}), ("Hardshrink", (), {"lambd": 0.2}), ("RReLU", (0.1, 0.3), {}),
    ("PReLU", (), {}), ("PReLU", (4,), {"init": 0.1}),
]


@pytest.mark.parametrize("name,args,kw", MODULES, ids=[m[0] + str(m[1]) for m in MODULES])
def test_module_matches_torch(name, args, kw, rng):
    torch = pytest.importorskip("torch")
    m, t = getattr(nn, name)(*args, **kw).double(), getattr(torch.nn, name)(*args, **kw).double()
    m.eval(), t.eval()
    assert repr(m) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in m.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    x = rng.standard_normal((2, 4, 3, 5)) * 3
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = m(xm), t(xt)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(tuple(ym.shape))
    ym.backward(mg.tensor(g))
    yt.backward(torch.tensor(g))
    # float32 constants inside some of PyTorch's float64 kernels (see tests/ops/specs_nn.py)
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-7, atol=1e-12)
    for p, q in zip(m.parameters(), t.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10)


def test_inplace_forms_write_into_input(rng):
    x = rng.standard_normal((3, 4)) * 4
    for fn, ref in [(F.relu_, np.maximum(x, 0)), (F.hardtanh_, np.clip(x, -1, 1)),
                    (lambda t: F.threshold_(t, 0.5, -1.0), np.where(x > 0.5, x, -1.0)),
                    (lambda t: F.relu6(t, inplace=True), np.clip(x, 0, 6)),
                    (lambda t: nn.Hardswish(inplace=True)(t), x * np.clip(x + 3, 0, 6) / 6),
                    (lambda t: F.leaky_relu_(t, 0.2), np.where(x > 0, x, 0.2 * x))]:
        t = mg.tensor(x)
        assert fn(t) is t
        np.testing.assert_allclose(t.numpy(), ref, rtol=1e-12)
    # recorded by autograd like any in-place op
    a = mg.tensor(x, requires_grad=True)
    b = a * 1
    F.celu_(b, 2.0)
    b.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.where(x > 0, 1.0, np.exp(x / 2.0)), rtol=1e-12)


def test_rrelu_training_draws_slopes_in_range():
    x = -mg.ones(20000)
    y = F.rrelu(x, 0.1, 0.3, training=True).numpy()
    slopes = -y
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    # U(0.1, 0.3): mean 0.2, standard error 0.2 / sqrt(12 * 20000) ~ 4e-4
    assert abs(slopes.mean() - 0.2) < 5 * 0.2 / np.sqrt(12 * 20000)
    np.testing.assert_array_equal(F.rrelu(mg.ones(5), training=True).numpy(), np.ones(5))


def test_errors():
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        F.glu(mg.zeros(2, 5))
    with pytest.raises(RuntimeError, match="parameter numbers = 3 and channel size = 4"):
        F.prelu(mg.zeros(2, 4), mg.ones(3))
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0"):
        F.softshrink(mg.zeros(3), -1.0)
    with pytest.raises(ValueError, match="3D or 4D"):
        nn.Softmax2d()(mg.zeros(2, 3))
    p = nn.PReLU(3)
    p.weight.data.fill_(1.0)
    p.reset_parameters()
    assert p.weight.tolist() == [0.25] * 3
