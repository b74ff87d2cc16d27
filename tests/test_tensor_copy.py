"""copy.deepcopy of tensors, parameters and state dicts (leaves only, as in PyTorch)."""
import copy

import numpy as np
import pytest

import minigrad as torch
from minigrad import nn


def test_deepcopy_leaf_is_independent():
    x = torch.randn(2, 3, requires_grad=True)
    (x * 3).sum().backward()
    y = copy.deepcopy(x)
    assert type(y) is torch.Tensor and y.is_leaf and y.requires_grad
    assert y.dtype == x.dtype and y.device == x.device
    np.testing.assert_array_equal(y.array, x.array)
    np.testing.assert_array_equal(y.grad.array, np.full((2, 3), 3, np.float32))
    with torch.no_grad():
        x.add_(1.0)
    x.grad.zero_()
    assert not np.shares_memory(y.array, x.array)
    np.testing.assert_array_equal(y.array + 1, x.array)
    np.testing.assert_array_equal(y.grad.array, np.full((2, 3), 3, np.float32))
    y.sum().backward()  # the copy is a working leaf of its own
    np.testing.assert_array_equal(y.grad.array, np.full((2, 3), 4, np.float32))


def test_deepcopy_keeps_requires_grad_false_and_int_dtype():
    x = torch.arange(4)
    y = copy.deepcopy(x)
    assert not y.requires_grad and y.grad is None and y.dtype == torch.int64
    assert y.tolist() == [0, 1, 2, 3]


def test_deepcopy_non_leaf_raises():
    x = torch.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="Only Tensors created explicitly by the user"):
        copy.deepcopy(x * 2)
    copy.deepcopy((x * 2).detach())  # the documented way out


def test_deepcopy_on_device(device):
    x = torch.randn(2, 3, device=device, requires_grad=True)
    x.sum().backward()
    y = copy.deepcopy(x)
    assert y.device == x.device and y.grad.device == x.device and y.requires_grad
    assert y.tolist() == x.tolist() and y.grad.tolist() == [[1.0] * 3] * 2
    with torch.no_grad():
        x.mul_(0.0)
    assert y.abs().sum().item() > 0


def test_deepcopy_memo_keeps_sharing():
    x = torch.randn(3)
    a, b = copy.deepcopy([x, x])
    assert a is b and a is not x


def test_deepcopy_parameter_stays_parameter():
    p = nn.Parameter(torch.ones(2))
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    assert not np.shares_memory(p.array, q.array)


def test_best_state_dict_snapshot():
    model = nn.Linear(3, 2)
    best = copy.deepcopy(model.state_dict())
    before = {k: v.array.copy() for k, v in best.items()}
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(0.0)
    for k, v in best.items():  # the snapshot did not move with the model
        np.testing.assert_array_equal(v.array, before[k])
    model.load_state_dict(best)
    np.testing.assert_array_equal(model.weight.array, before["weight"])
