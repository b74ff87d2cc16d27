"""The benchmark suite (benchmarks/) at smoke sizes: every workload runs, minigrad computes
the same losses as the hand-written NumPy floor (so the two time the same work), and the
driver produces its table. Timing itself is never asserted."""
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad
from benchmarks import workloads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _loss(v):
    return float(v.item()) if hasattr(v, "item") and not isinstance(v, float) else float(v)


@pytest.mark.parametrize("workload,case", [("two_layer", "two_layer step"), ("mlp", "mlp step"),
                                           ("lenet", "lenet step"), ("lstm", "lstm step"),
                                           ("gpt", "gpt step"), ("lstm_lm", "lstm_lm step")])
def test_minigrad_matches_numpy_floor(workload, case):
    libs, _ = workloads.cases(workload, "smoke", {"minigrad": minigrad})[case]
    for step in range(3):  # the losses after updates check the updates too
        want, got = _loss(libs["numpy"]()), _loss(libs["minigrad"]())
        np.testing.assert_allclose(got, want, rtol=2e-4, err_msg=f"{case}, step {step}")


def test_every_case_runs():
    for wl in ["small_ops", "two_layer", "mlp", "lenet", "lstm", "gpt", "lstm_lm"]:
        for libs, per in workloads.cases(wl, "smoke", {"minigrad": minigrad}).values():
            assert per >= 1 and set(libs) == {"numpy", "minigrad"}
            for fn in libs.values():
                fn()


def test_driver_smoke(tmp_path):
    out = tmp_path / "r.json"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "run.py"), "--smoke",
                        "--no-torch", "-t", "1", "-w", "two_layer", "memory", "--json", str(out)],
                       check=False, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "| two_layer step |" in r.stdout and "memory" in r.stdout
    assert out.exists()
