#!/usr/bin/env bash
# One prepared GPU verification run (issue 17), safe on a bare machine: installs nothing.
#
#   bash benchmarks/gpu_check.sh                 # on a machine with a GPU, CuPy (and torch CUDA)
#   GPU_CHECK_FAKE=1 bash benchmarks/gpu_check.sh  # dry run on the CPU stand-in tests/fake_cupy.py
#
# Steps, each with its own time limit so the whole run stays under ~8 minutes:
#   1. environment (GPU, driver, CuPy, PyTorch, NumPy versions)      -> $OUT/env.txt
#   2. the whole test suite with the `cuda` device enabled           -> $OUT/junit.xml, tests.log
#   3. GPU benchmarks: every workload, minigrad vs PyTorch CUDA      -> $OUT/bench.json, bench.log
#   4. where GPU step time goes (kernels, GPU busy time, cProfile)  -> $OUT/profile.json
#   5. examples/digits_cnn.py trained on the GPU                     -> $OUT/digits.log
#   6. one JSON summary of all of it                                 -> $OUT/summary.json
# $OUT defaults to a new temporary folder; GPU_CHECK_STEPS="tests bench digits" picks steps;
# GPU_CHECK_PYTEST_ARGS adds pytest arguments (e.g. "-k cuda" or a list of test ids).
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
STEPS=${GPU_CHECK_STEPS:-tests bench profile digits}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
export CUPY_CACHE_DIR=${CUPY_CACHE_DIR:-/tmp/minigrad-cupy-cache}  # kernels compile once per run

PLUGIN=()
if [ "${GPU_CHECK_FAKE:-0}" = 1 ]; then
    # The stand-in must be installed in every Python process (the benchmark runs workers):
    # a throwaway sitecustomize does it. This checks the script, not a GPU.
    site=$(mktemp -d)
    printf 'from tests import fake_cupy\nfake_cupy.install()\n' >"$site/sitecustomize.py"
    export PYTHONPATH="$site:$PYTHONPATH"
    PLUGIN=(-p tests.fake_cuda_plugin)
fi

echo "== gpu_check: output in $OUT"
{
    date -u
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 || echo "nvidia-smi: not available"
    $PY - <<'EOF'
import platform, numpy
print("python", platform.python_version(), "numpy", numpy.__version__)
try:
    import cupy
    print("cupy", cupy.__version__, "cuda runtime", cupy.cuda.runtime.runtimeGetVersion(),
          "driver", cupy.cuda.runtime.driverGetVersion(), "devices", cupy.cuda.runtime.getDeviceCount())
except Exception as e:
    print("cupy: unavailable:", type(e).__name__, e)
try:
    import torch
    print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(),
          torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
except Exception as e:
    print("torch: unavailable:", type(e).__name__, e)
import minigrad
print("minigrad sees cuda:", minigrad.cuda.is_available())
EOF
} 2>&1 | tee "$OUT/env.txt"

has_step() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }

if has_step tests; then
    echo "== tests on CUDA"
    XDIST=()
    # pytest-xdist spreads the suite (and CuPy's first-use kernel compiles) over the CPUs
    if $PY -c "import xdist" 2>/dev/null; then XDIST=(-n "${GPU_CHECK_WORKERS:-8}"); fi
    TIMEOUT=()
    if $PY -c "import pytest_timeout" 2>/dev/null; then TIMEOUT=(--timeout 120); fi
    timeout "${GPU_CHECK_TESTS_S:-270}" $PY -m pytest -q "${PLUGIN[@]}" "${XDIST[@]}" "${TIMEOUT[@]}" \
        -o addopts="" -p no:cacheprovider -p no:benchmark --junitxml="$OUT/junit.xml" -rfE \
        ${GPU_CHECK_PYTEST_ARGS:-tests} >"$OUT/tests.log" 2>&1
    echo "tests: exit $?" | tee -a "$OUT/tests.log"
    tail -n 40 "$OUT/tests.log"
fi

if has_step bench; then
    echo "== GPU benchmarks (minigrad vs PyTorch CUDA)"
    timeout "${GPU_CHECK_BENCH_S:-150}" $PY benchmarks/run.py --device cuda --reps "${GPU_CHECK_REPS:-7}" \
        --json "$OUT/bench.json" ${GPU_CHECK_BENCH_ARGS:-} >"$OUT/bench.log" 2>&1
    echo "bench: exit $?" | tee -a "$OUT/bench.log"
    cat "$OUT/bench.log"
fi

if has_step profile; then
    echo "== GPU profile (benchmarks/gpu_profile.py)"
    timeout "${GPU_CHECK_PROFILE_S:-90}" $PY benchmarks/gpu_profile.py --json "$OUT/profile.json" 2>&1 | tail -n 60
fi

if has_step digits; then
    echo "== examples/digits_cnn.py on the GPU"
    DIGITS_OUT="$OUT" DIGITS_DEVICE=cuda timeout "${GPU_CHECK_DIGITS_S:-120}" \
        $PY examples/digits_cnn.py >"$OUT/digits.log" 2>&1
    echo "digits: exit $?" | tee -a "$OUT/digits.log"
    grep -E "^epoch|final|saved" "$OUT/digits.log" | tail -n 20
    rm -f "$OUT/digits_cnn.mgz"
fi

$PY benchmarks/gpu_summary.py "$OUT" | tee "$OUT/summary.json"
