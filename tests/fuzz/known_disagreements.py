"""Disagreements with PyTorch that the differential fuzzer found (MINIGRAD_FUZZ=long,
MINIGRAD_FUZZ_COLLECT=1) and that are not fixed yet; test_differential.py skips exactly these
cases (family, op, dtypes[, keyword form]), so every other case of the same op still runs.
Kinds: keyword forms input=/other= not accepted by the top-level binary ops (TypeError);
bool/integer promotion and error types (bool - x, abs/pow/argmax on bool, logical_* and
maximum with a Python scalar, atan2 with a scalar); uint8 any/all returning bool; argmax
error type on empty inputs (IndexError in PyTorch)."""
# the individual cases the long run found (dtype pairs; True = keyword form)
KNOWN_CASES = set()
