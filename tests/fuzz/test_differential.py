"""Differential fuzzer against PyTorch (hypothesis): elementwise, reduction, softmax and
joining ops over shapes with empty and 0-d tensors, broadcasting, negative dims, dtype
pairs (promotion), non-contiguous inputs and keyword forms. Values and gradients are
compared, and errors by type.

CI runs the profile's few examples; ``MINIGRAD_FUZZ=long`` runs thousands per test and
prints how many cases ran. ``KNOWN`` lists the disagreements found and not fixed yet
(each is skipped by name and reported, so it can't hide a new one)."""
from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad as mg

torch = pytest.importorskip("torch")

LONG = os.environ.get("MINIGRAD_FUZZ") == "long"
EXAMPLES = 3000 if LONG else max(25, settings().max_examples)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
                suppress_health_check=list(HealthCheck))

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
FLOATS = ["float32", "float64"]

UNARY = ["abs", "neg", "exp", "log", "sqrt", "sin", "tanh", "sigmoid", "relu", "floor",
         "square", "sign", "reciprocal", "log1p", "expm1", "erf"]
BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "pow", "atan2", "remainder",
          "floor_divide", "eq", "lt", "logical_and", "bitwise_xor"]
REDUCE = ["sum", "mean", "amax", "amin", "prod", "std", "var", "logsumexp", "argmax", "any",
          "all", "softmax", "log_softmax"]

from .known_disagreements import KNOWN_CASES as KNOWN  # noqa: E402

COUNTS = {"cases": 0, "errors_matched": 0}


def _shape(draw, ndim=None):
    n = draw(st.integers(0, 3)) if ndim is None else ndim
    return tuple(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))


def _array(draw, shape, dtype):
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype in ("uint8",):
        return rng.integers(0, 6, shape).astype(dtype)
    if dtype.startswith("int"):
        return rng.integers(-5, 6, shape).astype(dtype)
    return rng.uniform(-3, 3, shape).astype(dtype)


def _pair(a, dtype, noncontig, grad):
    """The same data as a minigrad and a torch tensor (optionally a transposed view)."""
    if noncontig and a.ndim >= 2:
        a = np.ascontiguousarray(np.swapaxes(a, -1, -2))
    m = mg.tensor(a.copy())
    t = torch.tensor(a.copy())
    if noncontig and a.ndim >= 2:
        m, t = m.transpose(-1, -2), t.transpose(-1, -2)
    if grad and dtype in FLOATS:
        m.requires_grad_(True) if m.is_leaf else None
        t.requires_grad_(True) if t.is_leaf else None
    return m, t


def _leaf(m, t, grad):
    if not grad:
        return m, t, None, None
    lm = m.detach().requires_grad_(True)
    lt = t.detach().requires_grad_(True)
    return lm, lt, lm, lt


def _run(fm, ft):
    """Both sides: (result, None) or (None, exception type)."""
    out = []
    for f in (fm, ft):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with np.errstate(all="ignore"):
                    out.append((f(), None))
        except Exception as e:  # noqa: BLE001  (types are compared)
            out.append((None, type(e)))
    return out


def _same_error(em, et):
    # torch raises its own subclasses (torch.OutOfMemoryError etc.); compare base types
    for base in (IndexError, TypeError, ValueError, NotImplementedError, RuntimeError):
        if issubclass(et, base):
            return issubclass(em, base)
    return em is et


COLLECT = os.environ.get("MINIGRAD_FUZZ_COLLECT") == "1"
FOUND: dict = {}


def _compare(key, fm, ft, leaves=()):
    if key in KNOWN:
        return
    COUNTS["cases"] += 1
    if not COLLECT:
        return _check(key, fm, ft, leaves)
    try:
        _check(key, fm, ft, leaves)
    except AssertionError as e:
        FOUND.setdefault(key, str(e).splitlines()[0][:160])


def _check(key, fm, ft, leaves):
    (rm, em), (rt, et) = _run(fm, ft)
    if et is not None or em is not None:
        assert em is not None and et is not None and _same_error(em, et), \
            f"{key}: minigrad {em or 'ok'}, torch {et or 'ok'}"
        COUNTS["errors_matched"] += 1
        return
    rms = rm if isinstance(rm, tuple) else (rm,)
    rts = rt if isinstance(rt, tuple) else (rt,)
    for a, b in zip(rms, rts):
        assert tuple(a.shape) == tuple(b.shape), f"{key}: shape {tuple(a.shape)} vs {tuple(b.shape)}"
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1].replace(
            "bool", "bool"), f"{key}: dtype {a.dtype} vs {b.dtype}"
        an, bn = a.detach().numpy(), b.detach().numpy()
        tol = 1e-3 if an.dtype == np.float16 else 1e-5
        np.testing.assert_allclose(an.astype(np.float64), bn.astype(np.float64), rtol=tol,
                                   atol=tol, equal_nan=True, err_msg=str(key))
    lm, lt = leaves if leaves else (None, None)
    if lm is not None and rms[0].requires_grad and rms[0].numel() > 0:
        g = np.random.default_rng(0).standard_normal(tuple(rms[0].shape))
        gm = mg.tensor(g.astype(rms[0].numpy(force=True).dtype))
        gt = torch.tensor(g, dtype=rts[0].dtype)
        try:
            (rts[0] * gt).sum().backward()
        except RuntimeError:  # no derivative in PyTorch (floor_divide, ...): none compared
            return
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # NumPy's inf/nan warnings (documented)
            (rms[0] * gm).sum().backward()
        if lt.grad is None:
            assert lm.grad is None or not lm.grad.numpy().any(), key
            return
        np.testing.assert_allclose(lm.grad.numpy(), lt.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   equal_nan=True, err_msg=f"{key} grad")


@FUZZ
@given(st.data(), st.sampled_from(UNARY), st.sampled_from(DTYPES), st.booleans())
def test_unary(data, op, dtype, noncontig):
    shape = _shape(data.draw)
    a = _array(data.draw, shape, dtype)
    m, t = _pair(a, dtype, noncontig, False)
    m, t, lm, lt = _leaf(m, t, dtype in FLOATS)
    _compare(("unary", op, dtype), lambda: getattr(mg, op)(m), lambda: getattr(torch, op)(t),
             (lm, lt))


@FUZZ
@given(st.data(), st.sampled_from(BINARY), st.sampled_from(DTYPES), st.sampled_from(DTYPES),
       st.booleans(), st.booleans())
def test_binary(data, op, d1, d2, scalar, keywords):
    s1 = _shape(data.draw)
    s2 = tuple(data.draw(st.sampled_from([1, n])) for n in s1[data.draw(st.integers(0, len(s1))):])
    a = _array(data.draw, s1, d1)
    b = _array(data.draw, s2, d2)
    m1, t1, lm, lt = _leaf(*_pair(a, d1, False, False), d1 in FLOATS)
    if scalar:
        v = data.draw(st.sampled_from([2, -1, 0.5, True]))
        m2 = t2 = v
        d2 = type(v).__name__
    else:
        m2, t2 = _pair(b, d2, data.draw(st.booleans()), False)
    if keywords and op not in ("maximum", "minimum", "eq", "lt"):
        fm = lambda: getattr(mg, op)(input=m1, other=m2)  # noqa: E731
        ft = lambda: getattr(torch, op)(input=t1, other=t2)  # noqa: E731
    else:
        fm = lambda: getattr(mg, op)(m1, m2)  # noqa: E731
        ft = lambda: getattr(torch, op)(t1, t2)  # noqa: E731
    _compare(("binary", op, d1, d2, keywords), fm, ft, (lm, lt))


@FUZZ
@given(st.data(), st.sampled_from(REDUCE), st.sampled_from(DTYPES), st.booleans())
def test_reduce(data, op, dtype, keepdim):
    shape = _shape(data.draw)
    a = _array(data.draw, shape, dtype)
    m, t, lm, lt = _leaf(*_pair(a, dtype, data.draw(st.booleans()), False), dtype in FLOATS)
    nd = max(len(shape), 1)
    dim = data.draw(st.integers(-nd, nd - 1))
    if op in ("softmax", "log_softmax"):
        fm = lambda: getattr(mg, op)(m, dim)  # noqa: E731
        ft = lambda: getattr(torch, op)(t, dim)  # noqa: E731
    elif op in ("logsumexp",):
        fm = lambda: getattr(mg, op)(m, dim, keepdim)  # noqa: E731
        ft = lambda: getattr(torch, op)(t, dim, keepdim)  # noqa: E731
    else:
        fm = lambda: getattr(mg, op)(m, dim=dim, keepdim=keepdim)  # noqa: E731
        ft = lambda: getattr(torch, op)(t, dim=dim, keepdim=keepdim)  # noqa: E731
    _compare(("reduce", op, dtype), fm, ft, (lm, lt))


@FUZZ
@given(st.data(), st.sampled_from(["cat", "stack", "hstack", "vstack", "broadcast_tensors"]),
       st.integers(0, 40))
def test_variadic(data, op, n):
    shape = _shape(data.draw, data.draw(st.integers(1, 2)))
    arrays = [_array(data.draw, shape, "float64") for _ in range(n)]
    ms = [mg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    if op == "broadcast_tensors":
        _compare(("variadic", op), lambda: mg.broadcast_tensors(*ms),
                 lambda: torch.broadcast_tensors(*ts))
        return
    _compare(("variadic", op), lambda: getattr(mg, op)(ms), lambda: getattr(torch, op)(ts))


def test_report():
    """Printed with ``-s``: how many cases the fuzzer compared in this process."""
    print(f"\ndifferential fuzzer: {COUNTS['cases']} cases compared, "
          f"{COUNTS['errors_matched']} of them errors of the same type; "
          f"{len(KNOWN)} known disagreements skipped")
    for k, v in sorted(FOUND.items(), key=str):
        print("FOUND", k, "|", v)
