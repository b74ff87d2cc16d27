"""``Tensor.data`` is PyTorch's detached alias; ``Tensor.array`` is the raw array."""
import numpy as np
import pytest

import minigrad as mg


def test_data_is_a_detached_tensor_sharing_storage():
    w = mg.randn(3, 2, requires_grad=True)
    d = w.data
    assert isinstance(d, mg.Tensor) and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.array, w.array)
    d.add_(1.0)  # in place through .data: seen by w
    np.testing.assert_array_equal(w.array, d.array)
    assert w.requires_grad


def test_inplace_on_data_is_invisible_to_version_checks():
    w = mg.randn(4, requires_grad=True)
    y = (w * w).sum()  # saves w for backward
    w.data.mul_(0.5)
    y.backward()  # PyTorch does not raise here either: .data bypasses the version counter
    np.testing.assert_allclose(w.grad.array, 2 * w.array)


def test_inplace_on_detach_is_seen_by_version_checks():
    w = mg.randn(4, requires_grad=True)
    y = (w * w).sum()
    w.detach().mul_(0.5)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_assigning_data_replaces_storage_shape_and_dtype():
    p = mg.nn.Parameter(mg.zeros(2, 3))
    p.data = mg.arange(4, dtype=mg.float64)
    assert p.shape == (4,) and p.dtype == mg.float64 and p.requires_grad
    assert isinstance(p, mg.nn.Parameter)
    with pytest.raises(TypeError, match="data must be a Tensor"):
        p.data = np.zeros(3)


def test_manual_sgd_through_data_as_real_scripts_do():
    torch = mg
    w = torch.randn(5, 1, requires_grad=True)
    x, y = torch.randn(32, 5), torch.randn(32, 1)
    losses = []
    for _ in range(50):
        loss = ((x @ w - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        w.data.add_(-0.1 * w.grad.data)
        w.grad.data.zero_()
    assert losses[-1] < 0.5 * losses[0]
