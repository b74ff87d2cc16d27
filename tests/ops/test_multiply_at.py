"""multiply_at: np.multiply.at semantics (repeats multiply) on CuPy, which lacks it."""
import numpy as np

from minigrad.ops._util import multiply_at
from tests import fake_cupy


def test_repeated_targets_multiply_on_the_cupy_path():
    cp = fake_cupy.cupy  # CuPy's API on NumPy; refuses multiply.at as CuPy 14 does
    rng = np.random.default_rng(0)
    y = rng.standard_normal((4, 5))
    rows = rng.integers(0, 4, (3, 6))  # many repeats, broadcast against cols
    cols = rng.integers(0, 5, (1, 6))
    src = rng.standard_normal((3, 6))
    want = y.copy()
    np.multiply.at(want, (rows, cols), src)
    got = cp.asarray(y.copy())
    multiply_at(cp, got, (cp.asarray(rows), cp.asarray(cols)), cp.asarray(src))
    np.testing.assert_allclose(cp.asnumpy(got), want, rtol=1e-14)
    empty = cp.asarray(y.copy())
    multiply_at(cp, empty, (cp.asarray(rows[:0]), cp.asarray(cols)), 2.0)
    np.testing.assert_array_equal(cp.asnumpy(empty), y)
