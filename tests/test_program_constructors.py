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
