"""special_math/integrate beyond the spec table, and fixes compared with PyTorch: bit shifts
(operators, in-place, shifts past the bit width), pow's gradient at zero and negative bases,
squeeze on 0-d, linspace/arange with bool, div's rounding_mode, view(dtype), errors."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def _same(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())


SHIFT_CASES = [
    ("int64", [1, -8, 3, 7], [2, 1, 63, 64]),
    ("int64", [1, -8, 3, 7], 70),
    ("int32", [1, -8, 3, 7], [0, 31, 32, 5]),
    ("uint8", [1, 200, 3, 255], [7, 1, 8, 9]),
    ("int8", [1, -100, 3, 127], [7, 1, 8, 3]),
]


@pytest.mark.parametrize("dtype,a,s", SHIFT_CASES)
def test_shifts_match_torch(dtype, a, s):
    ma, ta = mg.tensor(a, dtype=getattr(mg, dtype)), torch.tensor(a, dtype=getattr(torch, dtype))
    ms = mg.tensor(s, dtype=ma.dtype) if isinstance(s, list) else s
    ts = torch.tensor(s, dtype=ta.dtype) if isinstance(s, list) else s
    _same(ma << ms, ta << ts)
    _same(ma >> ms, ta >> ts)
    _same(mg.bitwise_left_shift(ma, ms), torch.bitwise_left_shift(ta, ts))
    _same(ma.bitwise_right_shift(ms), ta.bitwise_right_shift(ts))
    m2, t2 = ma.clone(), ta.clone()
    m2 <<= ms
    t2 <<= ts
    _same(m2, t2)
    m2.bitwise_right_shift_(1)
    t2.bitwise_right_shift_(1)
    _same(m2, t2)


def test_shift_reflected_bool_and_float():
    _same(2 << mg.tensor([1, 3]), 2 << torch.tensor([1, 3]))
    _same(mg.tensor([True, False]) << 1, torch.tensor([True, False]) << 1)
    with pytest.raises(NotImplementedError, match="lshift_cpu"):
        mg.tensor([1.5]) << 1


POW_EDGES = [(0.0, 0.0), (0.0, 0.5), (0.0, -1.0), (0.0, 2.0), (0.0, 1.0), (-2.0, 0.5),
             (-2.0, 2.0), (-2.0, 3.0), (0.0, -0.5), (-0.0, 0.0), (3.0, 0.0)]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("base,exp", POW_EDGES)
def test_pow_gradient_edges_match_torch(base, exp):
    grads = []
    for lib in (mg, torch):
        b = lib.tensor(base, dtype=lib.float64, requires_grad=True)
        e = lib.tensor(exp, dtype=lib.float64, requires_grad=True)
        b2 = lib.tensor(base, dtype=lib.float64, requires_grad=True)
        (b ** e).backward()
        (b2 ** exp).backward()
        grads.append((b.grad.item(), e.grad.item(), b2.grad.item()))
    np.testing.assert_array_equal(grads[0], grads[1])


def test_squeeze_0d_dims():
    x = mg.tensor(1.0)
    assert x.squeeze(0).shape == () and x.squeeze(-1).shape == ()
    for bad in (1, (0, 1), -2):
        with pytest.raises(IndexError, match="Dimension out of range"):
            x.squeeze(bad)


@pytest.mark.parametrize("fn,args", [("linspace", (0, 1, 3)), ("logspace", (0, 1, 3)),
                                     ("arange", (3,))])
def test_bool_ranges_raise(fn, args):
    with pytest.raises(NotImplementedError, match=f'"{fn}_cpu" not implemented for \'Bool\''):
        getattr(mg, fn)(*args, dtype=mg.bool)


def test_div_bad_rounding_mode():
    with pytest.raises(RuntimeError, match="rounding_mode to be one of None, 'trunc', or 'floor'"):
        mg.div(mg.ones(2), 2, rounding_mode="round")


VIEWS = [("float32", "int32", (2, 3)), ("float32", "float16", (2, 3)), ("int64", "float64", (4,)),
         ("float32", "float64", (3, 4)), ("int8", "bool", (5,)), ("float64", "uint8", (2,)),
         ("int16", "int64", (1, 8))]


@pytest.mark.parametrize("src,dst,shape", VIEWS)
def test_view_dtype_reinterprets_bits(src, dst, shape):
    a = np.arange(1, int(np.prod(shape)) + 1).reshape(shape) % (2 if dst == "bool" else 100)
    m = mg.tensor(a, dtype=getattr(mg, src))
    t = torch.tensor(a, dtype=getattr(torch, src))
    v = m.view(getattr(mg, dst))
    _same(v, t.view(getattr(torch, dst)))
    m.add_(1) if src != "bool" else None  # a view: shares memory and version counter
    t.add_(1)
    _same(v, t.view(getattr(torch, dst)))


def test_view_dtype_errors_and_no_grad():
    x = mg.ones(2, 3, requires_grad=True)
    assert not x.view(mg.int32).requires_grad
    with pytest.raises(RuntimeError, match="must be divisible by 2"):
        mg.ones(3).view(mg.float64)
    with pytest.raises(RuntimeError, match="self.dim\\(\\) cannot be 0"):
        mg.tensor(1.0).view(mg.int16)
    with pytest.raises(RuntimeError, match="self.stride\\(-1\\) must be 1"):
        mg.ones(2, 3).t().view(mg.int16)


@pytest.mark.parametrize("call,exc", [
    (lambda m: m.logaddexp(m.tensor([1, 2]), m.tensor([1, 2])), NotImplementedError),
    (lambda m: m.logcumsumexp(m.tensor([1, 2]), 0), NotImplementedError),
    (lambda m: m.cdist(m.ones(3), m.ones(2, 3)), RuntimeError),
    (lambda m: m.cdist(m.ones(2, 3), m.ones(2, 4)), RuntimeError),
    (lambda m: m.cdist(m.ones(2, 3), m.ones(2, 3), -1.0), RuntimeError),
    (lambda m: m.trapezoid(m.ones(3), m.ones(4)), RuntimeError),
])
def test_errors(call, exc):
    with pytest.raises(exc):
        call(mg)
    with pytest.raises(exc):
        call(torch)


def test_std_var_mean_overloads():
    a = np.arange(12.0).reshape(3, 4)
    for name in ("std_mean", "var_mean"):
        for args, kw in [((), {}), ((True,), {}), ((1,), {"unbiased": False}),
                         ((), {"dim": 0, "correction": 2, "keepdim": True})]:
            ours = getattr(mg, name)(mg.tensor(a), *args, **kw)
            theirs = getattr(torch, name)(torch.tensor(a), *args, **kw)
            for o, t in zip(ours, theirs):
                np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12)


def test_cdist_large_uses_matrix_products_like_torch():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((30, 5)), rng.standard_normal((27, 5))
    ours = mg.cdist(mg.tensor(a), mg.tensor(b))
    theirs = torch.cdist(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
    d = mg.cdist(mg.tensor(a), mg.tensor(a), p=float("inf"))
    np.testing.assert_allclose(d.numpy(), torch.cdist(torch.tensor(a), torch.tensor(a),
                                                      p=float("inf")).numpy())
