"""Summarise a ``benchmarks/gpu_check.sh`` run folder as one JSON object on stdout.

    python benchmarks/gpu_summary.py OUT_DIR

Reads what the steps left there: ``env.txt``, ``junit.xml`` (test counts and the ids of
failing tests), ``bench.json`` (minigrad / PyTorch CUDA ratios per case), ``digits.log``
(per-epoch accuracy and the final one), ``profile.json`` (kernels and GPU busy time per
step). Missing files are reported as missing, not zero.
"""
from __future__ import annotations

import json
import os
import re
import sys
import xml.etree.ElementTree as ET


def _tests(path):
    if not os.path.exists(path):
        return {"missing": True}
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    counts = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    failed = []
    cuda_ran = 0
    for case in root.iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        bad = case.find("failure") is not None or case.find("error") is not None
        if "cuda" in name and case.find("skipped") is None:
            cuda_ran += 1
        if bad:
            failed.append(name)
    counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    counts["cuda_cases_run"] = cuda_ran
    counts["failed_ids"] = failed[:300]
    return counts


def _bench(path):
    if not os.path.exists(path):
        return {"missing": True}
    with open(path) as f:
        res = json.load(f)
    rows = {}
    for thr, cases in res.get("threads", {}).items():
        for case, libs in cases.items():
            row = {f"{lib}_ms": round(v * 1e3, 4) for lib, v in libs.items()}
            if "torch" in libs and libs["torch"] > 0:
                row["ratio_vs_torch"] = round(libs["minigrad"] / libs["torch"], 3)
            rows[f"{case} [{thr} thr]"] = row
    return {"machine": res.get("machine"), "cases": rows, "targets": res.get("targets")}


def _digits(path):
    if not os.path.exists(path):
        return {"missing": True}
    with open(path) as f:
        text = f.read()
    accs = [float(a) for a in re.findall(r"test accuracy (\d\.\d+)", text)]
    final = re.search(r"final test accuracy: (\d\.\d+)", text)
    exit_code = re.search(r"digits: exit (\d+)", text)
    return {"epoch_accuracy": accs, "final_accuracy": float(final.group(1)) if final else None,
            "exit": int(exit_code.group(1)) if exit_code else None}


def main(out):
    env = []
    if os.path.exists(os.path.join(out, "env.txt")):
        with open(os.path.join(out, "env.txt")) as f:
            env = f.read().splitlines()
    summary = {"env": env, "tests": _tests(os.path.join(out, "junit.xml")),
               "bench": _bench(os.path.join(out, "bench.json")),
               "digits": _digits(os.path.join(out, "digits.log"))}
    prof = os.path.join(out, "profile.json")
    if os.path.exists(prof):
        with open(prof) as f:
            summary["profile"] = {case: {lib: r for lib, r in row.items() if lib != "minigrad_cprofile_top"}
                                  for case, row in json.load(f).items()}
    json.dump(summary, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
