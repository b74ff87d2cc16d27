"""PyTorch's alternative names and the generated in-place ``name_`` methods, compared with
PyTorch (values, dtype, in-place identity and version counter)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.ops import aliases

torch = pytest.importorskip("torch")

X = [[0.3, -0.7, 0.9], [-0.2, 0.55, -0.95]]
Y = [[0.5, 0.4, -0.6], [-0.8, 0.55, 0.25]]
BITS = [[3, 12, 7], [0, 9, 5]]
BINARY = {"atan2", "arctan2", "floor_divide", "fmod", "remainder", "multiply", "divide",
          "true_divide", "subtract", "eq", "ne", "lt", "le", "gt", "ge", "greater",
          "greater_equal", "less", "less_equal", "not_equal", "logical_and", "logical_or",
          "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor"}
DOMAIN = {"acosh": 1.5, "arccosh": 1.5}  # shift into the domain
SCALAR = {"clamp_min": 0.1, "clamp_max": -0.1}


def _args(name, lib):
    ints = name.startswith("bitwise")
    x = lib.tensor(BITS if ints else X, dtype=lib.int64 if ints else lib.float64)
    x = x + DOMAIN.get(name, 0) if not ints else x
    if name in ("log", "log10", "log1p", "log2", "rsqrt"):
        x = x.abs() + 0.1
    if name in BINARY:
        return x, (lib.tensor([[5, 3, 6], [1, 2, 7]]) if ints else lib.tensor(Y, dtype=lib.float64),)
    if name in SCALAR:
        return x, (SCALAR[name],)
    return x, ()


@pytest.mark.parametrize("name", aliases.INPLACE_METHODS)
def test_inplace_matches_torch(name):
    x, args = _args(name, mg)
    tx, targs = _args(name, torch)
    v0, arr = x._version, x.array
    r = getattr(x, name + "_")(*args)
    getattr(tx, name + "_")(*targs)
    assert r is x and x.array is arr and x._version > v0
    np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name", aliases.__all__)
def test_alias_functions_match_torch(name):
    if name in ("concat", "concatenate"):
        ours = getattr(mg, name)([mg.tensor(X), mg.tensor(Y)], 1)
        theirs = getattr(torch, name)([torch.tensor(X), torch.tensor(Y)], 1)
    elif name in ("swapaxes", "swapdims", "moveaxis"):
        ours, theirs = getattr(mg, name)(mg.tensor(X), 0, 1), getattr(torch, name)(torch.tensor(X), 0, 1)
    else:
        x, args = _args(name, mg)
        tx, targs = _args(name, torch)
        ours, theirs = getattr(mg, name)(x, *args), getattr(torch, name)(tx, *targs)
        if hasattr(tx, name):
            np.testing.assert_allclose(getattr(x, name)(*args).numpy(), theirs.numpy(),
                                       rtol=1e-12, equal_nan=True)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, equal_nan=True)


def test_inplace_alias_is_recorded():
    for lib in (mg, torch):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        y = x * 2
        y.arctan_().clamp_min_(0.2).frac_()
        y.sum().backward()
        if lib is mg:
            g = x.grad.numpy()
    np.testing.assert_allclose(g, x.grad.numpy(), rtol=1e-12)


def test_t_of_low_dim_tensors_and_its_error():
    for shape in [(), (3,)]:
        assert mg.t(mg.zeros(shape)).shape == torch.t(torch.zeros(shape)).shape
    with pytest.raises(RuntimeError, match="<= 2 dimensions"):
        mg.t(mg.zeros(1, 2, 3))
