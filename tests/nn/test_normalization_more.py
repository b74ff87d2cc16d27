"""BatchNorm3d, InstanceNorm1d/2d/3d, RMSNorm and LocalResponseNorm against torch.nn: outputs,
gradients, running statistics over train/eval, state-dict names, reprs and errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

CASES = [
    ("BatchNorm3d", (3,), {}, (2, 3, 2, 3, 2)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 5)),  # unbatched
    ("InstanceNorm2d", (3,), {"track_running_stats": True, "momentum": None}, (2, 3, 4, 3)),
    ("InstanceNorm3d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 2, 3, 2)),
    ("RMSNorm", (4,), {}, (2, 3, 4)),
    ("RMSNorm", ([3, 4],), {"eps": 1e-3, "elementwise_affine": False}, (2, 3, 4)),
    ("LocalResponseNorm", (3,), {"alpha": 0.1}, (2, 5, 3, 2)),
]


@pytest.mark.parametrize("name,args,kw,shape", CASES, ids=[c[0] + str(c[2]) for c in CASES])
def test_matches_torch_train_then_eval(name, args, kw, shape, rng):
    torch = pytest.importorskip("torch")
    m, t = getattr(nn, name)(*args, **kw).double(), getattr(torch.nn, name)(*args, **kw).double()
    assert repr(m) == repr(t)
    assert list(m.state_dict()) == list(t.state_dict())
    with torch.no_grad():  # non-trivial affine parameters
        for p, q in zip(m.parameters(), t.parameters()):
            v = rng.standard_normal(tuple(p.shape))
            p.data.copy_(mg.tensor(v))
            q.copy_(torch.tensor(v))
    for step in range(3):
        if step == 2:
            m.eval(), t.eval()
        x = rng.standard_normal(shape) * 2 + 1
        xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ym, yt = m(xm), t(xt)
        np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        g = rng.standard_normal(shape)
        ym.backward(mg.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        for p, q in zip(m.parameters(), t.parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)
            p.grad, q.grad = None, None
        for (k, a), b in zip(m.state_dict().items(), t.state_dict().values()):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, err_msg=k)


def test_errors_and_warnings():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.InstanceNorm1d(3)(mg.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="to match num_features"):
        nn.InstanceNorm1d(3, affine=True)(mg.randn(2, 4, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(3)(mg.randn(2, 4, 5))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm1d(4)(mg.randn(2, 4, 1))
    with pytest.raises(RuntimeError, match="normalized_shape"):
        nn.RMSNorm(4)(mg.randn(2, 5))
    with pytest.raises(ValueError, match=r"expected 5D input"):
        nn.BatchNorm3d(3)(mg.randn(2, 3, 4))
    # eps=None: the dtype's machine epsilon, so float32 and float64 differ as in PyTorch
    for dt, npdt in ((mg.float32, np.float32), (mg.float64, np.float64)):
        x = np.full((1, 4), 1e-4, npdt)
        want = x / np.sqrt(x * x + np.finfo(npdt).eps)
        np.testing.assert_allclose(nn.RMSNorm(4, dtype=dt)(mg.tensor(x)).detach().numpy(), want,
                                   rtol=1e-6)
