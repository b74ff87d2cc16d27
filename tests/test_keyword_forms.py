"""Keyword spellings PyTorch's argument parser accepts (``input=``, ``dims=``, ``dtype=``
on softmax), compared with torch."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

A = np.arange(6.0).reshape(2, 3) / 7

CASES = {
    "softmax_dtype": lambda L, x: L.softmax(x, 1, dtype=L.float64),
    "softmax_input": lambda L, x: L.softmax(input=x, dim=1),
    "method_softmax_dtype": lambda L, x: x.softmax(1, dtype=L.float64),
    "method_log_softmax_dtype": lambda L, x: x.log_softmax(dim=0, dtype=L.float64),
    "F_softmax_dtype": lambda L, x: L.nn.functional.softmax(x, dim=1, dtype=L.float64),
    "permute_dims": lambda L, x: L.permute(x, dims=(1, 0)),
    "method_permute_dims": lambda L, x: x.permute(dims=(1, 0)),
    "method_permute_varargs": lambda L, x: x.permute(1, 0),
    "flip_dims": lambda L, x: L.flip(x, dims=(0, 1)),
    "method_flip_dims": lambda L, x: x.flip(dims=[1]),
    "method_flip_varargs": lambda L, x: x.flip(0, 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_keyword_forms_match_torch(name):
    fn = CASES[name]
    got = fn(mg, mg.tensor(A, dtype=mg.float32))
    expected = fn(torch, torch.tensor(A, dtype=torch.float32))
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
