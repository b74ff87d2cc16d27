"""Shared helpers for the ONNX tests: export, check, run in onnxruntime, compare with eager."""
import io

import numpy as np
import pytest

import minigrad as torch
from minigrad.compile.oprecord import flatten_tensors

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

RTOL = 1e-5
# float32 results of the same maths summed in another order (onnxruntime's GEMM blocking,
# its Tanh/Exp kernels) differ by a few ulps of the largest terms involved, so an entry
# that cancels to near zero has a large relative but a tiny absolute error: allow
# 1e-6 of the output's largest magnitude (about 8 float32 ulps of it).
#
# Measured (rtol 1e-5 alone, no absolute slack), the entries beyond 1e-5 are all such
# cancellations, and eager minigrad is itself that far from the exact (float64) result
# there, so no graph can match it more closely short of reproducing its kernels bit for
# bit: the LSTM language model's cell state c = f c + i g at an entry of -2.9e-5 whose
# terms are ~0.1 (onnxruntime and eager differ by 6.5e-9, 0.2 ulp of the row's largest
# entry; against float64, eager is 1.0e-5 off and onnxruntime 2.7e-5), a convolution
# output of -3.1e-3 (3.7e-8 apart: 1.0 ulp of the output's largest entry, 2.16), the
# causal Transformer's LayerNorm (x - mean) w + b at an entry of 3.3e-4 (1.5e-7 apart: 1.5
# ulp of its largest entry, 2.43), x - tanh(x).
# Entries that differed through the exporter's own formulas (GELU's 1 + erf, ELU's
# exp - 1, log1p, onnxruntime's Sigmoid below -15) now use minigrad's accurate forms and
# are checked with no absolute slack (test_ops.test_elementwise_accuracy_over_a_wide_range).
ATOL_OF_MAX = 1e-6


def export(model, args, **kw):
    """Export to bytes; the checker (with shape inference) must accept the model."""
    buf = io.BytesIO()
    torch.onnx.export(model, args, buf, **kw)
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    return data


def run(data, feeds):
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return sess.run(None, {k: np.asarray(v.array if isinstance(v, torch.Tensor) else v)
                           for k, v in feeds.items()})


def assert_close(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        atol = ATOL_OF_MAX * max(1.0, float(np.abs(w).max())) if w.size else 0
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=atol)


def check(model, args, names, fresh, dynamic_axes=None, **kw):
    """Export ``model`` on ``args`` and compare onnxruntime with eager on ``fresh`` inputs
    (a tuple like ``args``; other batch sizes when ``dynamic_axes`` is given)."""
    model.eval()
    data = export(model, args, input_names=names, dynamic_axes=dynamic_axes, **kw)
    flat = flatten_tensors(fresh)
    got = run(data, dict(zip(names, flat)))
    with torch.no_grad():
        out = model(*fresh)
    want = [np.asarray(t.array) for t in flatten_tensors(out)]
    assert_close(got, want)
    return data
