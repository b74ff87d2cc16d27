"""Constructor forms that public PyTorch programs use: ``torch.zeros(size=...)`` and friends."""
import numpy as np
import pytest

import minigrad as mg


def test_size_keyword_of_factories():
    for f in (mg.zeros, mg.ones, mg.empty, mg.rand, mg.randn):
        assert f(size=(2, 3)).shape == (2, 3)
        assert f(size=mg.Size([4])).shape == (4,)
        with pytest.raises(TypeError, match="multiple values for argument 'size'"):
            f(2, size=(2,))
        with pytest.raises(TypeError, match="unexpected keyword argument 'shape'"):
            f(shape=(2,))
    np.testing.assert_array_equal(mg.ones(size=(2,)).numpy(), [1.0, 1.0])


def test_matches_torch():
    torch = pytest.importorskip("torch")
    assert tuple(mg.zeros(size=(2, 3)).shape) == tuple(torch.zeros(size=(2, 3)).shape)


def test_the_tensor_class_takes_sizes_as_pytorchs_legacy_constructor():
    """``nn.Parameter(torch.Tensor(out, in))`` then an init: older models build weights
    this way. A single int is a size too (``torch.Tensor(3)`` has shape (3,)), never a
    0-d value."""
    torch = pytest.importorskip("torch")
    for args in [(2, 3), (4,), (0, 5), (torch.Size([2, 2]),)]:
        ours = mg.Tensor(*[mg.Size(a) if isinstance(a, torch.Size) else a for a in args])
        theirs = torch.Tensor(*args)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert ours.dtype == mg.float32 and not ours.requires_grad
    assert mg.Tensor(3, dtype=mg.float64).dtype == mg.float64
    w = mg.nn.Parameter(mg.Tensor(5, 3))
    mg.nn.init.kaiming_uniform_(w)
    assert w.shape == (5, 3) and w.requires_grad and float(w.abs().sum()) > 0
    assert mg.Tensor([1.5, 2.0]).tolist() == [1.5, 2.0] and mg.Tensor().shape == (0,)
    with pytest.raises(TypeError, match="non-negative ints"):
        mg.Tensor(2, -1)
    with pytest.raises(TypeError, match="non-negative ints"):
        mg.Tensor(2, 3.0)
