"""Disagreements with PyTorch that the differential fuzzer found (MINIGRAD_FUZZ=long,
MINIGRAD_FUZZ_COLLECT=1) and that are not fixed yet; test_differential.py skips exactly these
cases (family, op, dtypes[, keyword form]), so every other case of the same op still runs.

Empty: every case the long runs found is fixed, and the fixes are pinned one by one in
test_fixed_disagreements.py. A new finding goes here only with an issue to fix it."""
# the individual cases the long run found (dtype pairs; True = keyword form)
KNOWN_CASES: set[tuple] = set()
