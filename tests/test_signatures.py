"""Signatures of the public callables minigrad shares with PyTorch: parameter names,
order and defaults (``minigrad`` vs ``torch``, ``Tensor`` methods, ``nn`` module
constructors, ``nn.functional``, ``optim`` constructors, ``utils.data``).

Only names present in both are compared, so names added later are covered as they
appear. PyTorch's Python functions give ``inspect.signature``; its builtins (``torch.cat``,
``Tensor.sum``) do not, and their signature is read from the first line of their
docstring (``cat(tensors, dim=0, *, out=None) -> Tensor``), PyTorch's primary overload.
Callables with neither are skipped and counted.

A torch parameter is matched when minigrad accepts it under the same name (torch's
positional parameters at the same position, keyword-only ones by name or ``**kwargs``)
with the same default where both have a literal one. PyTorch's private parameters
(``_stacklevel``, ``_weight``) are not compared but hold their position. ``DELIBERATE``
lists the reviewed differences, each with its reason, ``PENDING`` those not aligned yet
(the test fails when
one of them is fixed, so that it leaves its list, and on any difference in neither).
"""
from __future__ import annotations

import ast
import inspect
import re

import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

# (namespace, name) -> reason
DELIBERATE: dict[tuple[str, str], str] = {
    ("torch", "compile"): "minigrad.compile takes the options its own compiler has",
    ("torch", "set_num_threads"): "PyTorch's docstring names the argument after its type (int)",
    ("torch", "set_num_interop_threads"): "as set_num_threads",
    ("nn", "Module"): "PyTorch's Module.__init__(*args, **kwargs) only rejects arguments",
    ("nn", "Parameter"): "PyTorch's __new__ holds the signature; __init__ is generic",
    ("nn", "Sigmoid"): "PyTorch's __init__ is Module's generic (*args, **kwargs)",
    ("nn", "Tanh"): "PyTorch's __init__ is Module's generic (*args, **kwargs)",
    ("nn", "RNN"): "PyTorch's __init__(*args, **kwargs) dispatches overloads; minigrad "
                   "names the same parameters",
    ("nn", "LSTM"): "as RNN",
    ("nn", "GRU"): "as RNN",
    ("nn.functional", "max_pool1d"): "PyTorch's boolean_dispatch wrapper takes *args",
    ("nn.functional", "max_pool2d"): "PyTorch's boolean_dispatch wrapper takes *args",
    ("torch", "unique"): "PyTorch's boolean_dispatch wrapper takes *args",
    ("torch", "unique_consecutive"): "PyTorch's boolean_dispatch wrapper takes *args",
    ("nn", "LogSigmoid"): "PyTorch's __init__ is Module's generic (*args, **kwargs)",
    ("nn", "Softsign"): "PyTorch's __init__ is Module's generic (*args, **kwargs)",
    ("nn", "Tanhshrink"): "PyTorch's __init__ is Module's generic (*args, **kwargs)",
    ("nn", "Softmax2d"): "PyTorch's __init__ is Module's generic (*args, **kwargs)",
    ("nn", "UninitializedParameter"): "PyTorch's __new__ holds the signature; __init__ is "
                                      "generic",
    ("nn", "UninitializedBuffer"): "as UninitializedParameter",
    ("nn.functional", "max_pool3d"): "PyTorch's boolean_dispatch wrapper takes *args",
    ("nn.functional", "adaptive_max_pool1d"): "PyTorch's boolean_dispatch wrapper takes *args",
    ("nn.functional", "adaptive_max_pool2d"): "PyTorch's boolean_dispatch wrapper takes *args",
    ("nn.functional", "adaptive_max_pool3d"): "PyTorch's boolean_dispatch wrapper takes *args",
    ("nn.functional", "fractional_max_pool2d"): "PyTorch's boolean_dispatch wrapper takes "
                                                "*args",
    ("nn.functional", "fractional_max_pool3d"): "as fractional_max_pool2d",
    ("nn", "Buffer"): "as Parameter",
    ("torch", "lu"): "PyTorch's torch.lu is a wrapper taking (*args, **kwargs); minigrad names "
                     "the parameters its docstring gives (A, pivot, get_infos)",
    ("torch", "tril_indices"): "device=None means the default device (set_default_device), "
                               "which PyTorch's docstring spells 'cpu'",
    ("torch", "triu_indices"): "as tril_indices",
    ("torch", "searchsorted"): "PyTorch's docstring names the second argument values, its "
                               "argument parser input= (values= fails there): minigrad takes "
                               "the parser's name",
}

# Differences not aligned yet, each named (a new mismatch anywhere else fails the test, and an
# entry fails once it matches, so that it leaves the list).
PENDING: dict[tuple[str, str], str] = {}


def _public(mod):
    names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
    return {n for n in names if not n.startswith("_")}


def _namespaces():
    import torch.nn.functional as tF
    import torch.utils.data as tdata

    import minigrad.nn.functional as mF
    import minigrad.utils.data as mdata

    out = []
    for ns, m, t in [("torch", mg, torch), ("nn.functional", mF, tF),
                     ("utils.data", mdata, tdata)]:
        for n in sorted(_public(m) & set(dir(t))):
            a, b = getattr(m, n, None), getattr(t, n, None)
            if callable(a) and callable(b) and not inspect.ismodule(a):
                out.append((ns, n, a, b, False))
    for n in sorted(n for n in dir(mg.Tensor) if not n.startswith("_") and hasattr(torch.Tensor, n)):
        a, b = getattr(mg.Tensor, n), getattr(torch.Tensor, n)
        if callable(a) and callable(b) and not isinstance(inspect.getattr_static(mg.Tensor, n),
                                                          property):
            out.append(("Tensor", n, a, b, True))
    for ns, m, t in [("nn", mg.nn, torch.nn), ("optim", mg.optim, torch.optim)]:
        for n in sorted(_public(m) & set(dir(t))):
            a, b = getattr(m, n), getattr(t, n)
            if inspect.isclass(a) and inspect.isclass(b):
                out.append((ns, n, a.__init__, b.__init__, True))
    return out


def _doc_signature(fn, name):
    """Parameters from the first ``name(...)`` line of a builtin's docstring."""
    doc = getattr(fn, "__doc__", None) or ""
    for line in doc.strip().splitlines()[:3]:
        m = re.match(rf"^\s*{re.escape(name)}\((.*)\)\s*(->.*)?$", line.strip())
        if m:
            args = m.group(1)
            try:
                tree = ast.parse(f"def f({args}): pass")
            except SyntaxError:
                return None
            return _from_ast(tree.body[0].args)
    return None


def _from_ast(a):
    params = []
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    for p, d in zip(pos, defaults):
        params.append((p.arg, "pos", _literal(d)))
    if a.vararg:
        params.append((a.vararg.arg, "var", None))
    for p, d in zip(a.kwonlyargs, a.kw_defaults):
        params.append((p.arg, "kw", _literal(d)))
    return params


_REQUIRED = object()
_NONLITERAL = object()


def _literal(node):
    if node is None:
        return _REQUIRED
    try:
        return ast.literal_eval(node)
    except ValueError:
        return _NONLITERAL


def _torch_params(fn, name, method):
    try:
        sig = inspect.signature(fn)
    except (ValueError, TypeError):
        # Tensor methods' docstrings name arguments differently from PyTorch's argument
        # parser (``mul(value)`` where the parser takes ``other=``): only torch.* ones count
        return None if method else _doc_signature(fn, name)
    params = []
    for i, p in enumerate(sig.parameters.values()):
        if method and i == 0:
            continue
        kind = {p.VAR_POSITIONAL: "var", p.KEYWORD_ONLY: "kw",
                p.VAR_KEYWORD: "varkw"}.get(p.kind, "pos")
        d = p.default
        params.append((p.name, kind, _REQUIRED if d is p.empty else
                       (d if isinstance(d, (int, float, str, bool, type(None), tuple)) else
                        _NONLITERAL)))
    return params


def mismatches(fn_m, params_t, method):
    """How minigrad's ``fn_m`` fails to accept torch's parameters (empty when it does)."""
    try:
        sig = inspect.signature(fn_m)
    except (ValueError, TypeError):
        return ["no signature"]
    ps = list(sig.parameters.values())
    if method:
        ps = ps[1:]
    by_name = {p.name: p for p in ps}
    pos = [p for p in ps if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    var = any(p.kind == p.VAR_POSITIONAL for p in ps)
    varkw = any(p.kind == p.VAR_KEYWORD for p in ps)
    out = []
    i = 0
    for name, kind, default in params_t:
        if kind == "varkw" or name.startswith("_"):
            i += kind == "pos"  # a private parameter (_weight...) still holds its position
            continue
        if kind == "var":
            if not var:
                out.append(f"*{name} not accepted")
            i = len(pos) + 1
            continue
        if kind == "pos":
            if i < len(pos):
                if pos[i].name != name:
                    out.append(f"argument {i} is {pos[i].name!r}, torch calls it {name!r}")
            elif not var:
                out.append(f"argument {i} ({name!r}) not accepted positionally")
            i += 1
        p = by_name.get(name)
        if p is None:
            if not varkw and not (kind == "pos" and var):
                out.append(f"keyword {name!r} not accepted")
            continue
        if default is _NONLITERAL:
            continue
        if default is _REQUIRED:
            continue  # torch requires it; minigrad may default it
        if p.default is p.empty:
            out.append(f"{name!r} has no default (torch: {default!r})")
        elif isinstance(p.default, (int, float, str, bool, type(None), tuple)) and \
                p.default != default and not (isinstance(default, tuple) and p.default in ((), None)):
            out.append(f"{name!r} defaults to {p.default!r} (torch: {default!r})")
    return out


def _check_all():
    failures, skipped, checked = {}, [], 0
    for ns, name, fm, ft, method in _namespaces():
        params = _torch_params(ft, name, method)
        if params is None:
            skipped.append((ns, name))
            continue
        checked += 1
        bad = mismatches(fm, params, method)
        if bad:
            failures[(ns, name)] = bad
    return failures, skipped, checked


def test_signatures_match_torch():
    failures, skipped, checked = _check_all()
    pending = {k: v for k, v in failures.items() if k not in DELIBERATE}
    print(f"\nsignatures: {checked} compared, {len(skipped)} without a torch signature "
          f"(skipped), {checked - len(failures)} matching, {len(failures)} differing "
          f"({len(failures) - len(pending)} deliberate, {len(pending)} pending)")
    unexpected = {k: v for k, v in pending.items() if k not in PENDING}
    assert not unexpected, "signatures differing from torch:\n" + "\n".join(
        f"  {ns}.{n}: {'; '.join(v)}" for (ns, n), v in sorted(unexpected.items()))
    stale = sorted(k for k in (*DELIBERATE, *PENDING) if k not in failures)
    assert not stale, f"now matching torch, remove from DELIBERATE/PENDING: {stale}"


def test_checker_catches_differences():
    """The checker itself: a renamed argument, a changed default and a missing keyword."""
    params = _doc_signature(torch.cat, "cat")
    assert [p[0] for p in params] == ["tensors", "dim", "out"]

    def cat_bad(xs, dim=1):
        pass

    bad = mismatches(cat_bad, params, method=False)
    assert any("'xs'" in b for b in bad) and any("defaults to 1" in b for b in bad)
    assert any("'out'" in b for b in bad)
    assert mismatches(lambda tensors, dim=0, *, out=None: None, params, method=False) == []
