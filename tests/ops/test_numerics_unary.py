"""Numerics and dtypes of the elementwise families (unary, elementwise, compare) beyond the
spec table: extreme inputs stay finite, PyTorch's dtype results, gradients at kinks and
ties as PyTorch defines them, and the ops without gradient (bitwise, logical, isnan...)."""
import math

import numpy as np
import pytest
from scipy import special

import minigrad as mg
from minigrad import ops
from minigrad.autograd import grad

EXTREME = [-1e4, -100.0, -30.0, -1e-30, 0.0, 1e-30, 30.0, 100.0, 1e4]

STABLE = {
    "sigmoid": ops.sigmoid,
    "tanh": ops.tanh,
    "softplus": ops.softplus,
    "softplus_beta": lambda x: ops.softplus(x, beta=3.0, threshold=5.0),
    "silu": ops.silu,
    "mish": ops.mish,
    "gelu": ops.gelu,
    "gelu_tanh": lambda x: ops.gelu(x, approximate="tanh"),
    "elu": ops.elu,
    "selu": ops.selu,
    "celu": lambda x: ops.celu(x, 0.5),
    "leaky_relu": ops.leaky_relu,
    "hardtanh": ops.hardtanh,
    "erf": ops.erf,
    "erfc": ops.erfc,
    "atan": ops.atan,
    "abs": ops.abs,
}


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
@pytest.mark.parametrize("name", sorted(STABLE))
def test_extreme_inputs_finite_values_and_grads(name, dtype):
    """+-1e4 and 1e-30 give finite values, gradients and second derivatives, without
    NumPy overflow warnings (pytest turns warnings into errors)."""
    fn = STABLE[name]
    x = mg.tensor(EXTREME, dtype=dtype, requires_grad=True)
    y = fn(x)
    assert y.dtype == dtype
    assert np.isfinite(y.detach().numpy()).all(), y
    (g,) = grad(y.sum(), [x], create_graph=True)
    assert g.dtype == dtype
    assert np.isfinite(g.detach().numpy()).all(), g
    if g.requires_grad:  # piecewise linear ops have a constant first derivative
        (gg,) = grad(g.sum(), [x], allow_unused=True)
        if gg is not None:
            assert np.isfinite(gg.numpy()).all(), gg


def test_extreme_values():
    x = mg.tensor([-1e4, 1e4], dtype=mg.float64)
    np.testing.assert_array_equal(ops.sigmoid(x).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(ops.tanh(x).numpy(), [-1.0, 1.0])
    np.testing.assert_array_equal(ops.softplus(x).numpy(), [0.0, 1e4])
    np.testing.assert_array_equal(ops.silu(x).numpy(), [0.0, 1e4])
    np.testing.assert_array_equal(ops.gelu(x).numpy(), [0.0, 1e4])
    np.testing.assert_array_equal(ops.elu(x).numpy(), [-1.0, 1e4])
    # softplus keeps full relative precision far below 0
    np.testing.assert_allclose(ops.softplus(mg.tensor([-30.0], dtype=mg.float64)).numpy(),
                               [math.log1p(math.exp(-30))], rtol=1e-15)


def test_erf_erfc_accuracy_wide_range():
    """erf/erfc/gelu (NumPy has no erf; minigrad evaluates a Chebyshev fit) within a few ulp
    of 30-digit mpmath, tails included (SciPy's erfc is off by up to 3e-14 in [10, 20])."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    x = np.concatenate([np.linspace(-6, 6, 241), np.linspace(6, 26, 81), [-1e-8, 1e-300, 0.3]])
    t = mg.tensor(x)
    erf = np.array([float(mp.erf(mp.mpf(v))) for v in x])
    erfc = np.array([float(mp.erfc(mp.mpf(v))) for v in x])
    np.testing.assert_allclose(ops.erf(t).numpy(), erf, rtol=1e-15, atol=0)
    np.testing.assert_allclose(ops.erfc(t).numpy(), erfc, rtol=1.5e-15, atol=0)
    # same argument rounding as minigrad (and PyTorch): x * -sqrt(1/2); x / sqrt(2) may differ
    # by an ulp, which erfc's condition number (2 z^2) magnifies to ~1e-13 at z = 18
    xs = x[:241] * -math.sqrt(0.5)
    gelu = 0.5 * x[:241] * np.array([float(mp.erfc(mp.mpf(v))) for v in xs])
    np.testing.assert_allclose(ops.gelu(mg.tensor(x[:241])).numpy(), gelu, rtol=2e-15, atol=0)
    np.testing.assert_allclose(ops.erfc(mg.tensor(x[:241].astype(np.float32))).numpy(),
                               special.erfc(x[:241].astype(np.float32).astype(np.float64)), rtol=2e-6)


def test_domain_edges_silent_like_torch():
    """log(0) = -inf, log(-1) = nan, rsqrt(0) = inf, asin(2) = nan: no warnings raised."""
    z = mg.tensor([0.0, -1.0])
    assert ops.log(z).tolist()[0] == -math.inf and math.isnan(ops.log(z).tolist()[1])
    assert ops.log2(z).tolist()[0] == -math.inf
    assert ops.log10(z).tolist()[0] == -math.inf
    assert ops.log1p(mg.tensor([-1.0])).item() == -math.inf
    assert ops.rsqrt(mg.tensor([0.0])).item() == math.inf
    assert math.isnan(ops.sqrt(mg.tensor([-1.0])).item())
    assert math.isnan(ops.asin(mg.tensor([2.0])).item())
    assert math.isnan(ops.acos(mg.tensor([2.0])).item())
    np.testing.assert_array_equal((mg.tensor([1.0, -1.0, 0.0]) // 0).numpy(), [np.inf, -np.inf, np.nan])
    assert np.isnan((mg.tensor([1.0, -1.0]) % 0).numpy()).all()
    assert np.isnan(ops.fmod(mg.tensor([1.0]), 0.0).numpy()).all()


# ---- dtypes ------------------------------------------------------------------------------

I = mg.tensor([1, 2, 3])
B = mg.tensor([True, False, True])


@pytest.mark.parametrize("name,fn,dtype", [
    ("int sqrt", lambda: ops.sqrt(I), mg.float32),
    ("int exp2", lambda: ops.exp2(I), mg.float32),
    ("int sin", lambda: ops.sin(I), mg.float32),
    ("int gelu", lambda: ops.gelu(I), mg.float32),
    ("int reciprocal", lambda: ops.reciprocal(I), mg.float32),
    ("int / int", lambda: I / I, mg.float32),
    ("int // int", lambda: I // I, mg.int64),
    ("int % int", lambda: I % 2, mg.int64),
    ("7 // int", lambda: 7 // I, mg.int64),
    ("int // float", lambda: I // 1.5, mg.float32),
    ("int fmod", lambda: ops.fmod(I, 2), mg.int64),
    ("int atan2", lambda: ops.atan2(I, I), mg.float32),
    ("int square", lambda: ops.square(I), mg.int64),
    ("int abs", lambda: ops.abs(-I), mg.int64),
    ("int floor", lambda: ops.floor(I), mg.int64),
    ("int round", lambda: ops.round(I), mg.int64),
    ("int sign", lambda: ops.sign(-I), mg.int64),
    ("int relu", lambda: ops.relu(-I), mg.int64),
    ("bool sign", lambda: ops.sign(B), mg.bool),
    ("int maximum float", lambda: ops.maximum(I, mg.tensor([1.5, 1.5, 1.5])), mg.float32),
    ("int clamp float", lambda: ops.clamp(I, 1.5), mg.float32),
    ("int clamp int", lambda: ops.clamp(I, 2), mg.int64),
    ("int clamp max only", lambda: ops.clamp(I, max=2), mg.int64),
    ("where float32, 0.0", lambda: ops.where(B, I.float(), 0.0), mg.float32),
    ("where float64, 0.0", lambda: ops.where(B, I.double(), 0.0), mg.float64),
    ("where int, 0.5", lambda: ops.where(B, I, 0.5), mg.float32),
    ("where 1, 0", lambda: ops.where(B, 1, 0), mg.int64),
    ("where 1.0, 0", lambda: ops.where(B, 1.0, 0), mg.float32),
    ("where 0.5, float64", lambda: ops.where(B, 0.5, I.double()), mg.float64),
    ("bool & bool", lambda: B & B, mg.bool),
    ("~bool", lambda: ~B, mg.bool),
    ("int & int", lambda: I & 3, mg.int64),
    ("int ^ int", lambda: 3 ^ I, mg.int64),
    ("~int", lambda: ~I, mg.int64),
    ("logical_and", lambda: ops.logical_and(I, B), mg.bool),
    ("isnan int", lambda: ops.isnan(I), mg.bool),
    ("isfinite float", lambda: ops.isfinite(I.float()), mg.bool),
    ("isclose", lambda: ops.isclose(I, I.float()), mg.bool),
])
def test_result_dtype(name, fn, dtype):
    assert fn().dtype == dtype, name


@pytest.mark.parametrize("name", ["exp2", "log1p", "sqrt", "erf", "gelu", "silu", "mish", "softplus",
                                  "elu", "selu", "leaky_relu", "hardtanh", "abs", "floor", "round"])
def test_float16_and_float32_preserved(name):
    for dt in (mg.float16, mg.float32):
        assert getattr(ops, name)(mg.tensor([0.5, 1.5], dtype=dt)).dtype == dt


def test_integer_division_and_remainder_match_python():
    a = list(range(-7, 8))
    for b in (-3, -2, 2, 3):
        t = mg.tensor(a)
        assert (t // b).tolist() == [x // b for x in a]
        assert (t % b).tolist() == [x % b for x in a]
        assert ops.fmod(t, b).tolist() == [int(math.fmod(x, b)) for x in a]
        assert ops.div(t, b, rounding_mode="trunc").tolist() == [int(x / b) for x in a]
        assert ops.div(t, b, rounding_mode="floor").tolist() == [x // b for x in a]
    t = mg.tensor([2, -3, 5])
    assert (7 // t).tolist() == [7 // 2, 7 // -3, 7 // 5]
    assert (2 % t).tolist() == [2 % 2, 2 % -3, 2 % 5]
    assert (2.5 % mg.tensor([2.0, -1.0])).tolist() == [0.5, -0.5]
    # exact for big integers (no detour through float32)
    assert ops.div(mg.tensor([100000001]), 3, rounding_mode="trunc").item() == 33333333
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        mg.tensor([1, 2]) // mg.tensor([1, 0])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        mg.tensor([1, 2]) % 0


def test_bitwise_ops():
    a = np.array([-5, 0, 3, 12, 255])
    b = np.array([3, 7, -1, 10, 128])
    ta, tb = mg.tensor(a), mg.tensor(b)
    np.testing.assert_array_equal((ta & tb).numpy(), a & b)
    np.testing.assert_array_equal((ta | tb).numpy(), a | b)
    np.testing.assert_array_equal((ta ^ tb).numpy(), a ^ b)
    np.testing.assert_array_equal((~ta).numpy(), ~a)
    np.testing.assert_array_equal(ops.bitwise_and(ta, 6).numpy(), a & 6)
    np.testing.assert_array_equal(ops.bitwise_or(ta, tb).numpy(), a | b)
    np.testing.assert_array_equal(ops.bitwise_xor(ta, tb).numpy(), a ^ b)
    np.testing.assert_array_equal(ops.bitwise_not(mg.tensor([True, False])).numpy(), [False, True])
    with pytest.raises(NotImplementedError, match="float32"):  # as torch 2.13
        ops.bitwise_and(mg.tensor([1.0]), mg.tensor([1.0]))
    with pytest.raises(NotImplementedError, match="'Float'"):  # torch 2.13's bitwise_not_cpu
        ~mg.tensor([1.0])


def test_logical_and_classification_ops():
    x = mg.tensor([0.0, 1.5, -math.inf, math.inf, math.nan])
    y = mg.tensor([1.0, 0.0, 0.0, 2.0, 0.0])
    xv, yv = x.numpy(), y.numpy()
    np.testing.assert_array_equal(ops.logical_and(x, y).numpy(), np.logical_and(xv, yv))
    np.testing.assert_array_equal(ops.logical_or(x, y).numpy(), np.logical_or(xv, yv))
    np.testing.assert_array_equal(ops.logical_xor(x, y).numpy(), np.logical_xor(xv, yv))
    np.testing.assert_array_equal(ops.logical_not(x).numpy(), np.logical_not(xv))
    np.testing.assert_array_equal(ops.isnan(x).numpy(), [False, False, False, False, True])
    np.testing.assert_array_equal(ops.isinf(x).numpy(), [False, False, True, True, False])
    np.testing.assert_array_equal(ops.isfinite(x).numpy(), [True, True, False, False, False])
    assert not ops.isnan(I).numpy().any() and ops.isfinite(I).numpy().all()
    b = mg.tensor([True, False])
    np.testing.assert_array_equal((b & mg.tensor([True, True])).numpy(), [True, False])
    np.testing.assert_array_equal((b | False).numpy(), [True, False])


def test_equal_isclose_allclose():
    a = mg.tensor([1.0, 2.0, math.nan])
    assert ops.equal(I, I.float()) is True
    assert ops.equal(I, I[:2]) is False
    assert ops.equal(a, a) is False  # nan != nan
    assert ops.equal(I, mg.tensor([1, 2, 4])) is False
    np.testing.assert_array_equal(ops.isclose(a, a + 1e-7).numpy(), [True, True, False])
    np.testing.assert_array_equal(ops.isclose(a, a, equal_nan=True).numpy(), [True, True, True])
    assert ops.allclose(a, a, equal_nan=True) is True
    assert ops.allclose(a[:2], a[:2] + 1e-3) is False
    assert ops.allclose(a[:2], a[:2] + 1e-3, atol=1e-2) is True
    assert I.allclose(I.float()) and I.equal(I)


def test_errors():
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        ops.clamp(I)
    with pytest.raises(RuntimeError, match="none or tanh"):
        ops.gelu(I, approximate="fast")
    with pytest.raises(ValueError, match="min_val"):
        ops.hardtanh(I, 1.0, -1.0)
    with pytest.raises(RuntimeError, match="expected dtype float for `end`"):  # torch's
        ops.lerp(mg.tensor([1.0]), mg.tensor([1.0], dtype=mg.float64), 0.5)


# ---- gradients at kinks and ties, against PyTorch ---------------------------------------

KINKS = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "elu_alpha", "selu", "celu", "hardtanh",
                                  "abs", "sign", "floor", "ceil", "round", "trunc", "clamp",
                                  "softplus_threshold"])
def test_gradient_at_kinks_matches_torch(name):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    pairs = {
        "relu": (ops.relu, torch.relu),
        "leaky_relu": (lambda x: ops.leaky_relu(x, 0.1), lambda x: F.leaky_relu(x, 0.1)),
        "elu": (ops.elu, F.elu),
        "elu_alpha": (lambda x: ops.elu(x, 0.5), lambda x: F.elu(x, 0.5)),
        "selu": (ops.selu, F.selu),
        "celu": (lambda x: ops.celu(x, 2.0), lambda x: F.celu(x, 2.0)),
        "hardtanh": (ops.hardtanh, F.hardtanh),
        "abs": (ops.abs, torch.abs),
        "sign": (ops.sign, torch.sign),
        "floor": (ops.floor, torch.floor),
        "ceil": (ops.ceil, torch.ceil),
        "round": (ops.round, torch.round),
        "trunc": (ops.trunc, torch.trunc),
        "clamp": (lambda x: ops.clamp(x, -1.0, 1.0), lambda x: torch.clamp(x, -1.0, 1.0)),
        "softplus_threshold": (lambda x: ops.softplus(x, 2.0, 1.0), lambda x: F.softplus(x, 2.0, 1.0)),
    }
    ours, theirs = pairs[name]
    x = mg.tensor(KINKS, dtype=mg.float64, requires_grad=True)
    xt = torch.tensor(KINKS, dtype=torch.float64, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_maximum_minimum_ties_split_like_torch():
    """At ties PyTorch gives each input half the gradient; with nan both get all of it."""
    torch = pytest.importorskip("torch")
    a_v, b_v = [1.0, 2.0, 3.0, math.nan], [1.0, 1.0, 5.0, 0.0]
    for name in ("maximum", "minimum"):
        a = mg.tensor(a_v, dtype=mg.float64, requires_grad=True)
        b = mg.tensor(b_v, dtype=mg.float64, requires_grad=True)
        at = torch.tensor(a_v, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b_v, dtype=torch.float64, requires_grad=True)
        getattr(ops, name)(a, b).sum().backward()
        getattr(torch, name)(at, bt).sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), at.grad.numpy())
        np.testing.assert_array_equal(b.grad.numpy(), bt.grad.numpy())
    assert a.grad.numpy()[0] == 0.5


def test_clamp_tensor_bounds_at_boundaries_like_torch():
    """Gradients where x equals a bound, and with min > max (result is max everywhere)."""
    torch = pytest.importorskip("torch")
    x_v, lo_v, hi_v = [1.0, 2.0, 3.0, 0.0, 5.0], [1.0, 2.5, 3.0, 2.0, 0.0], [1.0, 3.0, 3.0, 1.0, 4.0]
    ts = [mg.tensor(v, dtype=mg.float64, requires_grad=True) for v in (x_v, lo_v, hi_v)]
    tt = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (x_v, lo_v, hi_v)]
    y, yt = ops.clamp(*ts), torch.clamp(*tt)
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    y.sum().backward()
    yt.sum().backward()
    for a, b in zip(ts, tt):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("lo, hi", [(1.0, 3.0), (1.0, None), (None, 3.0), (3.0, 1.0)])
def test_clamp_scalar_bounds_at_boundaries_like_torch(lo, hi):
    """Scalar bounds (the one-pass ClampScalar path): x at a bound gets the gradient, nan
    passes through forward and gets 0, min > max gives max everywhere with 0 gradient."""
    torch = pytest.importorskip("torch")
    x_v = [0.0, 1.0, 2.0, 3.0, 4.0, math.nan]
    x = mg.tensor(x_v, dtype=mg.float64, requires_grad=True)
    xt = torch.tensor(x_v, dtype=torch.float64, requires_grad=True)
    y, yt = x.clamp(lo, hi), xt.clamp(lo, hi)
    assert y.grad_fn.name() == "ClampScalarBackward0"
    np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
    y.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


def test_where_scalar_gradient():
    x = mg.tensor([-1.0, 2.0], requires_grad=True)
    y = ops.where(x > 0, x, 0.0)
    assert y.dtype == mg.float32
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]


def test_floor_divide_gradient_is_zero():
    x = mg.tensor([1.5, -2.5], requires_grad=True)
    y = mg.tensor([0.7, 0.7], requires_grad=True)
    (x // y).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0] and y.grad.tolist() == [0.0, 0.0]
