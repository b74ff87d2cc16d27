"""How much of PyTorch's public API minigrad provides: ``python -m minigrad.utils.api_coverage``.

For each namespace below, every public PyTorch name falls in one of three rows:

- **present**: minigrad has an attribute of that name in the matching namespace;
- **left out**: deliberately not provided (``EXCLUDED``, with the reason);
- **missing**: neither, so a program that uses it stops there.

It needs PyTorch installed (it reads torch's namespaces). ``--write`` renders the tables into
``docs/api-coverage.md``; ``--missing`` prints the missing names.

"Public" means: a name without a leading underscore whose object is a function, class,
constant (dtype, number) or submodule of torch itself; names torch merely imports from other
libraries (``math``, ``typing.Optional``, ``numpy``) are not counted.
"""
from __future__ import annotations

import argparse
import fnmatch
import importlib
import inspect
import os
import sys
import types

#: (label, torch namespace, minigrad namespace); "X.Tensor" is the class, others modules.
NAMESPACES = [
    ("torch", "torch", "minigrad"),
    ("Tensor", "torch.Tensor", "minigrad.Tensor"),
    ("nn", "torch.nn", "minigrad.nn"),
    ("nn.functional", "torch.nn.functional", "minigrad.nn.functional"),
    ("nn.init", "torch.nn.init", "minigrad.nn.init"),
    ("optim", "torch.optim", "minigrad.optim"),
    ("optim.lr_scheduler", "torch.optim.lr_scheduler", "minigrad.optim.lr_scheduler"),
    ("utils.data", "torch.utils.data", "minigrad.utils.data"),
    ("nn.utils", "torch.nn.utils", "minigrad.nn.utils"),
    ("nn.utils.parametrize", "torch.nn.utils.parametrize", "minigrad.nn.utils.parametrize"),
    ("nn.utils.parametrizations", "torch.nn.utils.parametrizations",
     "minigrad.nn.utils.parametrizations"),
    ("nn.utils.stateless", "torch.nn.utils.stateless", "minigrad.nn.utils.stateless"),
    ("nn.utils.prune", "torch.nn.utils.prune", "minigrad.nn.utils.prune"),
]

#: Deliberate exclusions: (namespaces, name patterns (fnmatch), reason). One table, read by
#: the report and by the test that holds the "no missing name" target.
EXCLUDED = [
    ("*", ["*quantize*", "*quantized*", "q_*", "qint*", "quint*", "int_repr", "*qscheme*",
           "per_channel_*", "per_tensor_*", "fake_quantize_*", "fbgemm_*", "qat", "quantizable",
           "intrinsic", "dequantize", "is_quantized", "ao", "quantization"],
     "quantization: minigrad computes in float16/32/64 only"),
    ("*", ["*sparse*", "*_csr*", "*_csc*", "*_bsr*", "*_bsc*", "*_coo*", "crow_indices",
           "col_indices", "ccol_indices", "row_indices", "indices", "values", "is_coalesced",
           "coalesce", "dense_dim", "nnz", "smm", "hspmm", "saddmm", "sspaddmm", "sparse_mask",
           "SparseAdam", "to_dense"],
     "sparse layouts: arrays are dense (NumPy/CuPy)"),
    ("*", ["names", "rename", "rename_", "refine_names", "align_to", "align_as", "align_tensors",
           "has_names", "unflatten_names"],
     "named tensors: a prototype feature PyTorch itself is retiring"),
    ("Tensor", ["index"],
     "first-class dimensions (functorch.dim binds positions to Dim objects): a prototype"),
    ("*", ["*nested*", "jagged", "NestedTensor", "to_padded_tensor"], "nested/jagged tensors: prototype"),
    ("*", ["*mkldnn*", "*miopen*", "*cudnn*", "*_mps*", "mps", "xpu", "mtia", "*vulkan*",
           "is_mkldnn", "is_vulkan", "is_xla", "is_ipu", "is_hpu", "is_maia", "is_meta", "is_mps",
           "is_mtia", "is_xpu", "ipu", "hpu", "xla", "*_miopen", "native_*", "batch_norm_*",
           "*_backward*", "*_jvp", "*_forward"],
     "vendor backends and ATen internals: minigrad runs on NumPy and CuPy"),
    ("*", ["*Storage*", "storage", "untyped_storage", "storage_offset", "storage_type",
           "set_", "data_ptr", "_nnz", "pin_memory", "is_pinned",
           "record_stream", "UntypedStorage", "TypedStorage"],
     "storage objects and raw memory: a Tensor owns one NumPy/CuPy array"),
    ("torch", ["compile", "compiler", "fx", "export", "library", "ops", "classes", "package",
               "onnx", "overrides", "func", "vmap", "cond", "while_loop", "distributed",
               "is_distributed", "sym_*", "Sym*", "fork", "wait", "cpp", "profiler", "monitor"],
     "compiler, export, distributed and profiling: each has an issue of its own"),
    ("torch", ["ArgumentSpec", "CompleteArgumentSpec", "ExecutionPlan", "Script*",
               "BufferDict", "import_ir_module*", "parse_ir", "parse_schema",
               "parse_type_comment", "merge_type_from_type_comment", "unify_type_list",
               "Graph*", "Node", "Block", "Value", "FunctionSchema", "Argument", "AliasDb",
               "FatalError", "classproperty", "DispatchKey*", "*Type", "TensorType"],
     "TorchScript compiler internals: torch.jit is a documented pass-through"),
    ("*", ["complex*", "cfloat", "cdouble", "chalf", "conj", "conj_physical*", "resolve_conj",
           "is_conj", "imag", "real", "angle", "polar", "is_complex", "view_as_complex*",
           "isreal", "adjoint", "H", "mH"],
     "complex numbers: minigrad's dtypes are real"),
    ("*", ["float8_*", "float4_*", "bits*", "bit", "int1", "int2", "int3", "int4", "int5",
           "int6", "int7", "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7"],
     "sub-byte and float8 dtypes: NumPy has no arrays of them"),
    ("*", ["*_copy", "unsafe_*", "slice_inverse", "hash_tensor", "grad_dtype", "reinforce",
           "volatile", "name", "new", "resize", "resize_as", "const_data_ptr"],
     "functionalization copies, unsafe aliases and deprecated or internal Tensor fields"),
    ("nn.functional", ["BroadcastingList*", "boolean_dispatch", "assert_int_or_pair",
                       "handle_torch_function", "has_torch_function*", "ScalingType",
                       "SwizzleType", "scaled_mm", "scaled_grouped_mm", "grouped_mm"],
     "TorchScript/dispatch helpers and float8 GPU matmuls"),
    ("nn.utils.parametrize", ["OpaqueBase", "is_opaque_reference_type",
                              "is_traceable_wrapper_subclass",
                              "get_swap_module_params_on_conversion"],
     "torch internals parametrize imports: opaque objects of torch.compile and "
     "tensor-subclass swapping (a minigrad Tensor has no subclasses to swap)"),
    ("optim", ["swap_in_optimizer_params_and_state"], "internal helper of torch.compile"),
    ("utils.data", ["*DataPipe*", "datapipes", "DataChunk", "functional_datapipe", "graph",
                    "graph_settings", "guaranteed_datapipes_determinism", "non_deterministic",
                    "runtime_validation", "runtime_validation_disabled", "argument_validation"],
     "DataPipes: deprecated by PyTorch (torchdata)"),
]


def _excluded(label: str, name: str) -> str | None:
    for spaces, patterns, reason in EXCLUDED:
        if spaces != "*" and label not in (spaces if isinstance(spaces, tuple) else (spaces,)):
            continue
        if any(fnmatch.fnmatchcase(name, p) for p in patterns):
            return reason
    return None


def _resolve(path: str):
    """The module or class at a dotted path (``torch.Tensor``), or None."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for p in parts[cut:]:
            obj = getattr(obj, p, None)
            if obj is None:
                return None
        return obj
    return None


def _is_public(owner, name: str) -> bool:
    """Whether ``owner.name`` is torch's own public object (not something it imports)."""
    if name.startswith("_"):
        return False
    try:
        obj = getattr(owner, name)
    except Exception:  # some torch properties raise on the class
        return True
    if isinstance(owner, type):  # Tensor: every public attribute counts
        return True
    if obj is getattr(sys.modules.get("torch"), "Tensor", None):
        return False  # a re-export of torch.Tensor (in nn.functional, lr_scheduler)
    if isinstance(obj, types.ModuleType):
        return obj.__name__.startswith("torch.")
    mod = getattr(obj, "__module__", None)
    if isinstance(mod, str) and (inspect.isclass(obj) or callable(obj)):
        return mod.startswith("torch")
    if isinstance(obj, (float, int)) and not isinstance(obj, bool):
        return owner.__name__ == "torch"  # torch.pi, torch.e, torch.inf, torch.nan
    return type(obj).__module__.startswith("torch")  # dtypes, layouts


def public_names(torch_path: str) -> list[str]:
    owner = _resolve(torch_path)
    return sorted(n for n in dir(owner) if _is_public(owner, n))


def coverage(label: str, torch_path: str, minigrad_path: str) -> dict[str, list]:
    """``{'present': [...], 'excluded': [(name, reason)], 'missing': [...]}`` for one space."""
    ours = _resolve(minigrad_path)
    out = {"present": [], "excluded": [], "missing": []}
    for name in public_names(torch_path):
        if ours is not None and hasattr(ours, name):
            out["present"].append(name)
        elif (reason := _excluded(label, name)) is not None:
            out["excluded"].append((name, reason))
        else:
            out["missing"].append(name)
    return out


def report() -> dict[str, dict[str, list]]:
    try:
        import torch  # noqa: F401
    except ImportError as e:
        raise SystemExit("api_coverage needs PyTorch installed (pip install torch)") from e
    return {label: coverage(label, t, m) for label, t, m in NAMESPACES}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f}%" if b else "-"


def table(rep: dict) -> str:
    rows = ["| namespace | public in PyTorch | present | left out | missing | present of "
            "not left out |", "|---|---:|---:|---:|---:|---:|"]
    for label, r in rep.items():
        p, x, m = len(r["present"]), len(r["excluded"]), len(r["missing"])
        rows.append(f"| `{label}` | {p + x + m} | {p} | {x} | {m} | {_pct(p, p + m)} |")
    return "\n".join(rows)


def markdown(rep: dict) -> str:
    import torch

    lines = [
        "# PyTorch API coverage",
        "",
        f"Generated by `python -m minigrad.utils.api_coverage --write` against PyTorch "
        f"{torch.__version__}; do not edit by hand. A name is *present* when minigrad has an "
        "attribute of that name in the matching namespace, *left out* when the table "
        "`EXCLUDED` in `minigrad/utils/api_coverage.py` names it deliberately (with the "
        "reason), and *missing* otherwise.",
        "",
        table(rep),
        "",
        "## Left out on purpose",
        "",
        "| reason | names |",
        "|---|---|",
    ]
    by_reason: dict[str, list[str]] = {}
    for label, r in rep.items():
        for name, reason in r["excluded"]:
            by_reason.setdefault(reason, []).append(f"{label}.{name}" if label != "torch"
                                                     else f"torch.{name}")
    for reason, names in by_reason.items():
        lines.append(f"| {reason} | {len(names)}: " + ", ".join(f"`{n}`" for n in names) + " |")
    lines += ["", "## Still missing", ""]
    for label, r in rep.items():
        names = r["missing"]
        lines.append(f"- **`{label}`** ({len(names)}): " + (", ".join(f"`{n}`" for n in names)
                                                           or "none"))
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="render docs/api-coverage.md")
    ap.add_argument("--missing", action="store_true", help="print the missing names")
    ap.add_argument("--out", default=None, help="markdown path (default docs/api-coverage.md)")
    args = ap.parse_args(argv)
    rep = report()
    print(table(rep))
    if args.missing:
        for label, r in rep.items():
            print(f"\n{label} missing ({len(r['missing'])}): " + " ".join(r["missing"]))
    if args.write:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        path = args.out or os.path.join(root, "docs", "api-coverage.md")
        with open(path, "w") as f:
            f.write(markdown(rep))
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
