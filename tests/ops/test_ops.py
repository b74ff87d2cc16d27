"""Spec-driven op tests: forward vs NumPy, gradcheck, gradgradcheck, non-contiguous
inputs, hypothesis-drawn broadcast shapes, and PyTorch as an extra reference."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import minigrad as mg
from minigrad import ops
from minigrad.autograd import gradcheck, gradgradcheck

from .specs import NOT_DIFFERENTIABLE, all_specs

SPECS = all_specs()
CASES = [(s, shapes) for s in SPECS for shapes in s.shapes]
IDS = [f"{s.id}-{'x'.join(map(str, shapes))}" for s, shapes in CASES]


def _tensors(spec, arrays, device="cpu", grad=True):
    return [
        mg.tensor(a, device=device, requires_grad=grad and spec.differentiable(i) and a.dtype.kind == "f")
        for i, a in enumerate(arrays)
    ]


def _out_arrays(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [np.asarray(o.detach().cpu().numpy()) for o in outs]


@pytest.mark.parametrize("spec,shapes", CASES, ids=IDS)
def test_forward(spec, shapes, device, rng):
    if spec.ref is None:
        pytest.skip("no NumPy reference")
    arrays = spec.make_inputs(rng, shapes)
    expected = spec.ref(*arrays)
    expected = expected if isinstance(expected, (tuple, list)) else (expected,)
    got = _out_arrays(spec.fn(*_tensors(spec, arrays, device, grad=False)))
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-7, atol=1e-9)
    # float32 in -> float32 out, close to the float64 reference
    arrays32 = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays]
    got32 = _out_arrays(spec.fn(*_tensors(spec, arrays32, device, grad=False)))
    for g, e in zip(got32, expected):
        if np.asarray(e).dtype.kind == "f":
            assert g.dtype == np.float32, f"{spec.id}: float32 inputs gave {g.dtype}"
        np.testing.assert_allclose(g, e, rtol=max(spec.fwd_rtol, 1e-5), atol=1e-5)


@pytest.mark.parametrize("spec,shapes", CASES, ids=IDS)
def test_gradcheck(spec, shapes, device, rng):
    arrays = spec.make_inputs(rng, shapes)
    inputs = _tensors(spec, arrays, device)
    if not any(t.requires_grad for t in inputs):
        pytest.skip("no differentiable input")
    assert gradcheck(spec.fn, inputs, atol=spec.atol, rtol=spec.rtol)


@pytest.mark.parametrize("spec,shapes", [c for c in CASES if c[0].twice],
                         ids=[i for c, i in zip(CASES, IDS) if c[0].twice])
def test_gradgradcheck(spec, shapes, device, rng):
    arrays = spec.make_inputs(rng, shapes)
    inputs = _tensors(spec, arrays, device)
    if not any(t.requires_grad for t in inputs):
        pytest.skip("no differentiable input")
    assert gradgradcheck(spec.fn, inputs, atol=spec.atol, rtol=spec.rtol)


def _nc_ok(sh):
    return len(sh) >= 2 and sh[-1] > 1 and sh[-2] > 1


@pytest.mark.parametrize("spec", [s for s in SPECS if any(_nc_ok(sh) for shp in s.shapes for sh in shp)],
                         ids=lambda s: s.id)
def test_non_contiguous(spec, rng):
    """Inputs that are transposed views give the same values and gradients."""
    shapes = next(shp for shp in spec.shapes if any(_nc_ok(sh) for sh in shp))
    arrays = spec.make_inputs(rng, shapes)
    base = _tensors(spec, arrays)
    views = []
    for i, a in enumerate(arrays):
        if _nc_ok(a.shape):
            t = mg.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2)))
            if spec.differentiable(i) and a.dtype.kind == "f":
                t.requires_grad_()
            v = t.transpose(-1, -2)
            assert not v.array.flags.c_contiguous
            views.append((t, v))
        else:
            views.append((base[i], base[i]))
    out_a = spec.fn(*base)
    out_b = spec.fn(*[v for _, v in views])
    for a, b in zip(_out_arrays(out_a), _out_arrays(out_b)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    outs_a = out_a if isinstance(out_a, (tuple, list)) else (out_a,)
    outs_b = out_b if isinstance(out_b, (tuple, list)) else (out_b,)
    if not outs_a[0].requires_grad:
        return
    outs_a[0].sum().backward()
    outs_b[0].sum().backward()
    for t0, (t1, _) in zip(base, views):
        if t0.requires_grad and t0.grad is not None:
            g1 = t1.grad.numpy()
            g1 = np.swapaxes(g1, -1, -2) if t1 is not t0 else g1
            np.testing.assert_allclose(t0.grad.numpy(), g1, rtol=1e-12, atol=1e-12)


BROADCAST = [s for s in SPECS if s.broadcast]


@pytest.mark.parametrize("spec", BROADCAST, ids=lambda s: s.id)
@given(data=st.data())
def test_broadcast_shapes_hypothesis(spec, data):
    """hypothesis draws mutually broadcastable shapes (incl. 0-d) and values."""
    n = len(spec.shapes[0])
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=n, min_dims=0, max_dims=3, max_side=3)).input_shapes
    seed = data.draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    arrays = spec.make_inputs(rng, shapes)
    np.testing.assert_allclose(_out_arrays(spec.fn(*_tensors(spec, arrays, grad=False)))[0],
                               spec.ref(*arrays), rtol=1e-7, atol=1e-9)
    inputs = _tensors(spec, arrays)
    assert gradcheck(spec.fn, inputs, atol=spec.atol, rtol=spec.rtol)


TORCH = [c for c in CASES if c[0].torch_fn is not None]


@pytest.mark.parametrize("spec,shapes", TORCH, ids=[f"{s.id}-{'x'.join(map(str, sh))}" for s, sh in TORCH])
def test_against_torch(spec, shapes, rng):
    torch = pytest.importorskip("torch")
    arrays = spec.make_inputs(rng, shapes)
    ours = _tensors(spec, arrays)
    theirs = [torch.tensor(a, requires_grad=t.requires_grad) for a, t in zip(arrays, ours)]
    out_m, out_t = spec.fn(*ours), spec.torch_fn(*theirs)
    outs_m = out_m if isinstance(out_m, tuple) else (out_m,)
    outs_t = out_t if isinstance(out_t, tuple) else (out_t,)
    assert len(outs_m) == len(outs_t)
    rtol = spec.torch_rtol
    for om, ot in zip(outs_m, outs_t):
        np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=rtol, atol=1e-12)
    if any(o.requires_grad for o in outs_m):
        gs = [rng.standard_normal(o.shape) for o in outs_m]
        sum((o * mg.tensor(g)).sum() for o, g in zip(outs_m, gs) if o.requires_grad).backward()
        sum((o * torch.tensor(g)).sum() for o, g in zip(outs_t, gs) if o.requires_grad).backward()
        for a, b in zip(ours, theirs):
            if a.requires_grad:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-12)


def _public_ops():
    names = set()
    import importlib

    for fam in ("elementwise", "unary", "compare", "reduce", "movement", "indexing", "joining",
                "linalg", "conv", "pool", "loss", "norm", "rnn", "normalization", "sorting",
                "scattering", "diagonal", "sampling", "views", "integrate", "special_math",
                "aliases", "statistics", "histograms", "differences", "products",
                "inplace_forms", "math_extra", "special_fns",
                "linalg_torch", "householder", "lowrank",
                "random_fill", "eigensolvers", "selecting", "splitting", "spectral", "strided"):
        try:
            mod = importlib.import_module(f"minigrad.ops.{fam}")
        except ModuleNotFoundError as e:
            if e.name != f"minigrad.ops.{fam}":
                raise
            continue
        names.update(n for n in getattr(mod, "__all__", ()) if not n.startswith("_"))
    return names


def test_table_is_complete():
    """Every public op is in the spec table or listed as not differentiable (with a reason)."""
    covered = {s.name for s in SPECS} | set(NOT_DIFFERENTIABLE)
    missing = sorted(_public_ops() - covered)
    assert not missing, f"public ops missing from tests/ops/specs*.py: {missing}"
    assert hasattr(ops, "add")
