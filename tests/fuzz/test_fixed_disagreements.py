"""Disagreements the differential fuzzer found and that are fixed: each compared with torch
directly (result dtype and values, or the error type and message)."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

CASES = {
    "bool_minus_int": lambda L: L.sub(L.tensor([True, False]), 1),
    "int_minus_bool": lambda L: L.tensor([1, 2]) - L.tensor([True, False]),
    "float_minus_python_bool": lambda L: L.tensor([1.0, 2.0]) - True,
    "bool_minus_bool": lambda L: L.tensor([True]) - L.tensor([False]),
    "any_uint8": lambda L: L.any(L.tensor([1, 0], dtype=L.uint8)),
    "all_uint8_dim": lambda L: L.tensor([[1, 0], [2, 3]], dtype=L.uint8).all(dim=1),
    "any_int64_is_bool": lambda L: L.tensor([1, 0]).any(),
    "argmax_empty_dim": lambda L: L.argmax(L.zeros(2, 0), dim=1),
    "argmin_empty_dim": lambda L: L.zeros(0, 3).argmin(dim=0),
    "argmax_bool": lambda L: L.argmax(L.tensor([True, False])),
    "softmax_int": lambda L: L.softmax(L.tensor([1, 2]), 0),
    "log_softmax_bool": lambda L: L.log_softmax(L.tensor([True, False]), 0),
    "softmax_int_dtype": lambda L: L.softmax(L.tensor([1, 2]), 0, dtype=L.float64),
    "softmax_empty": lambda L: L.softmax(L.zeros(2, 0), 1),
    "log_softmax_empty": lambda L: L.log_softmax(L.zeros(0, 3), 1),
}


def _run(f, L):
    try:
        return f(L), None
    except Exception as e:  # noqa: BLE001  (compared below)
        return None, e


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixed_disagreement_matches_torch(name):
    (rm, em), (rt, et) = _run(CASES[name], mg), _run(CASES[name], torch)
    if et is not None:
        base = next(c for c in type(et).__mro__ if c.__module__ == "builtins")
        assert isinstance(em, base), (em, et)  # torch's own subclasses compare by base
        assert str(em).startswith(str(et).rstrip(".")), (em, et)
        return
    assert em is None, em
    assert str(rm.dtype).split(".")[-1] == str(rt.dtype).split(".")[-1]
    assert tuple(rm.shape) == tuple(rt.shape)
    np.testing.assert_allclose(rm.numpy(), rt.numpy(), rtol=1e-6)
