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
    "add_input_other_alpha": lambda L, x: L.add(input=x, other=x, alpha=2),
    "sub_numpy_names": lambda L, x: L.sub(x1=x, x2=1.5),
    "pow_exponent": lambda L, x: L.pow(input=x, exponent=2),
    "mm_mat2": lambda L, x: L.mm(input=x, mat2=x.T),
    "atan2_other": lambda L, x: L.atan2(input=x, other=x + 1),
    "maximum_other": lambda L, x: L.maximum(input=x, other=x.flip(0)),
    "lt_other": lambda L, x: L.lt(input=x, other=0.3),
    "sum_axis_keepdims": lambda L, x: L.sum(x, axis=1, keepdims=True),
    "mean_x_axis": lambda L, x: L.mean(x=x, axis=0),
    "std_axis": lambda L, x: L.std(x, axis=1, keepdims=True),
    "var_axis": lambda L, x: L.var(input=x, axis=0),
    "amax_axis": lambda L, x: L.amax(x, axis=(0, 1), keepdims=True),
    "argmin_axis": lambda L, x: L.argmin(x, axis=1, keepdims=True),
    "logsumexp_axis": lambda L, x: L.logsumexp(x, axis=1, keepdims=True),
    "prod_axis": lambda L, x: L.prod(x, axis=1),
    "any_axis": lambda L, x: L.any(x > 0.3, axis=0),
    "max_axis": lambda L, x: L.max(x, axis=1, keepdims=True).values,
    "method_sum_axis": lambda L, x: x.sum(axis=0, keepdims=True),
    "method_max_axis": lambda L, x: x.max(axis=1).indices,
    "method_topk_dim": lambda L, x: x.topk(2, dim=1).values,
    "clone_memory_format": lambda L, x: L.clone(x, memory_format=L.contiguous_format),
    "method_clone_memory_format": lambda L, x: x.clone(memory_format=L.preserve_format),
    "zeros_like_memory_format": lambda L, x: L.zeros_like(x, memory_format=L.preserve_format),
    "to_non_blocking": lambda L, x: x.to("cpu", non_blocking=True),
    "cpu_memory_format": lambda L, x: x.cpu(memory_format=L.preserve_format),
    "contiguous_memory_format": lambda L, x: x.contiguous(memory_format=L.contiguous_format),
    "zeros_layout": lambda L, x: L.zeros(2, 3, layout=L.strided, pin_memory=False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_keyword_forms_match_torch(name):
    fn = CASES[name]
    got = fn(mg, mg.tensor(A, dtype=mg.float32))
    expected = fn(torch, torch.tensor(A, dtype=torch.float32))
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)


OUT_CASES = {
    "add": lambda L, x, o: L.add(x, 1, alpha=2, out=o),
    "mul_int_into_float": lambda L, x, o: L.mul((x * 10).long(), 3, out=o),
    "exp": lambda L, x, o: L.exp(x, out=o),
    "sum_dim": lambda L, x, o: L.sum(x, 1, out=o),
    "cat": lambda L, x, o: L.cat([x, x], out=o),
    "matmul": lambda L, x, o: L.matmul(x, x.T, out=o),
    "arange": lambda L, x, o: L.arange(4.0, out=o),
}


@pytest.mark.parametrize("name", sorted(OUT_CASES))
@pytest.mark.parametrize("empty", [True, False])
def test_out_writes_into_the_given_tensor(name, empty):
    """out= returns the given tensor holding the result (resized from empty, or of the
    right shape already), as in PyTorch."""
    res = []
    for L in (mg, torch):
        x = L.tensor(A, dtype=L.float32)
        shape = OUT_CASES[name](L, x, L.empty(0)).shape
        o = L.empty(0) if empty else L.full(tuple(shape), -1.0)
        r = OUT_CASES[name](L, x, o)
        assert r is o
        res.append(o.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-6)


def test_out_refuses_what_torch_refuses():
    for L in (mg, torch):
        x = L.tensor(A, requires_grad=True)
        with pytest.raises(RuntimeError, match="out=... arguments don't support automatic"):
            L.mul(x, 2, out=L.empty(2, 3, dtype=L.float64))
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            L.add(x.detach(), 1, out=L.empty(2, 3, dtype=L.int64))
        with pytest.warns(UserWarning, match="was resized"):
            L.add(x.detach(), 1, out=L.empty(4, dtype=L.float64))
        v, i = L.empty(2, dtype=L.float64), L.empty(2, dtype=L.int64)
        r = L.max(x.detach(), 1, out=(v, i))
        assert r[0] is v and r[1] is i and i.tolist() == [2, 2]
