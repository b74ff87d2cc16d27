"""``functional_call``: run a module with some of its parameters and buffers replaced
(``torch.nn.utils.stateless`` / ``torch.func.functional_call``).

The given tensors are swapped into the modules' registries for the duration of the call
and the originals put back afterwards (also on error), so the call is differentiable with
respect to the given tensors, which need not be leaves or Parameters (meta-learning,
per-sample functional models).
"""
# ruff: noqa: TRY004  (ValueError where PyTorch raises it for a wrong type)
from __future__ import annotations

import contextlib
import warnings
from typing import Any

from ...tensor import Tensor
from ..module import Module

__all__ = ["NamedMemberAccessor", "functional_call"]

_MISSING = object()


class NamedMemberAccessor:
    """Get, set and swap a module's tensors by dotted name (``"0.weight"``)."""

    def __init__(self, module: Module) -> None:
        self.module = module

    def get_submodule(self, name: str) -> Module:
        return self.module.get_submodule(name)

    def _split(self, name: str):
        prefix, _, attr = name.rpartition(".")
        return self.get_submodule(prefix), attr

    def get_tensor(self, name: str) -> Tensor:
        mod, attr = self._split(name)
        t = getattr(mod, attr)
        if not isinstance(t, Tensor) and t is not None:
            raise TypeError(f"{t} is not an instance of Tensor")
        return t

    def swap_tensor(self, name: str, value, allow_missing: bool = False):
        """Put ``value`` (a Tensor, None, or the missing marker: delete) under ``name``;
        return what was there."""
        mod, attr = self._split(name)
        if attr in mod._parameters:
            orig = mod._parameters[attr]
        elif attr in mod._buffers:
            orig = mod._buffers[attr]
        elif hasattr(mod, attr):
            orig = getattr(mod, attr)
        elif allow_missing:
            orig = _MISSING
        else:
            raise AttributeError(f"{mod._get_name()} has no attribute `{attr}`")
        if orig is not _MISSING and orig is not None and not isinstance(orig, Tensor):
            raise TypeError(f"attribute `{attr}`: {orig} is not an instance of Tensor")
        if value is _MISSING:
            if attr in mod._parameters or attr in mod._buffers:
                (mod._parameters if attr in mod._parameters else mod._buffers).pop(attr)
            elif orig is not _MISSING:
                delattr(mod, attr)
        elif attr in mod._parameters:
            mod._parameters[attr] = value  # a non-Parameter stand-in is the point
        elif attr in mod._buffers:
            mod._buffers[attr] = value
        else:
            object.__setattr__(mod, attr, value)
        return orig

    def set_tensor(self, name: str, value: Tensor) -> None:
        self.swap_tensor(name, value)

    def swap_tensors_dict(self, named_tensors: dict, allow_missing: bool = False):
        """Swap every entry; returns ``(originals, missing_names)``."""
        orig, missing = {}, []
        try:
            for name, t in named_tensors.items():
                old = self.swap_tensor(name, t, allow_missing=allow_missing)
                if old is _MISSING:
                    missing.append(name)
                orig[name] = old
        except Exception:
            for name, t in reversed(orig.items()):  # undo the swaps done so far
                self.swap_tensor(name, t, allow_missing=True)
            raise
        return orig, missing

    def check_keys(self, keys) -> tuple[list[str], list[str]]:
        """``(missing_keys, unexpected_keys)`` of ``keys`` against the module's tensors."""
        keys = set(keys)
        valid = {n for n, _ in self.named_tensors(remove_duplicate=False)}
        return sorted(valid - keys), sorted(keys - valid)

    def named_parameters(self, remove_duplicate: bool = True):
        yield from self.module.named_parameters(remove_duplicate=remove_duplicate)

    def named_buffers(self, remove_duplicate: bool = True):
        yield from self.module.named_buffers(remove_duplicate=remove_duplicate)

    def named_tensors(self, remove_duplicate: bool = True):
        yield from self.named_parameters(remove_duplicate)
        yield from self.named_buffers(remove_duplicate)

    def named_modules(self, remove_duplicate: bool = True):
        yield from self.module.named_modules(remove_duplicate=remove_duplicate)


def _untie(module: Module, given: dict) -> dict:
    """Extend ``given`` so that a value for one name of a tied (shared) tensor applies to
    every name of it."""
    names_of: dict[int, set[str]] = {}
    for name, t in list(module.named_parameters(remove_duplicate=False)) + \
            list(module.named_buffers(remove_duplicate=False)):
        names_of.setdefault(id(t), set()).add(name)
    tied = {n: names for names in names_of.values() if len(names) > 1 for n in names}
    out = dict(given)
    for name in [n for n in given if n in tied]:
        group = tied[name]
        values = {id(given[n]) for n in group if n in given}
        if len(values) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(group)}, "
                             "which are tied. Consider using tie_weights=False")
        for n in group:
            out[n] = given[name]
    return out


@contextlib.contextmanager
def _reparametrize_module(module: Module, parameters_and_buffers: dict,
                          tie_weights: bool = False, strict: bool = False):
    values = _untie(module, parameters_and_buffers) if tie_weights else parameters_and_buffers
    accessor = NamedMemberAccessor(module)
    if strict:
        missing, unexpected = accessor.check_keys(values)
        msgs = []
        if unexpected:
            msgs.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            msgs.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if msgs:
            raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n\t"
                               + "\n\t".join(msgs))
    orig = {}
    try:
        orig, _ = accessor.swap_tensors_dict(values, allow_missing=True)
        yield
    finally:
        accessor.swap_tensors_dict({k: (_MISSING if v is _MISSING else v)
                                    for k, v in orig.items()}, allow_missing=True)


def _functional_call(module: Module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                     tie_weights: bool = True, strict: bool = False):
    from ..parallel.data_parallel import DataParallel

    if isinstance(module, DataParallel):
        raise RuntimeError("The stateless API can't be used with nn.DataParallel module")
    if isinstance(parameter_and_buffer_dicts, dict):
        merged = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        merged = {}
        for d in parameter_and_buffer_dicts:
            for k, v in d.items():
                if k in merged:
                    raise ValueError(f"{k} appeared in multiple dictionaries; behavior of "
                                     "functional call is ambiguous")
                merged[k] = v
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple "
                         f"of dicts, but got {type(parameter_and_buffer_dicts)}")
    kwargs = {} if kwargs is None else kwargs
    args = () if args is None else (args if isinstance(args, tuple) else (args,))
    with _reparametrize_module(module, merged, tie_weights=tie_weights, strict=strict):
        return module(*args, **kwargs)


def functional_call(module: Module, parameters_and_buffers: dict, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False):
    """``module(*args, **kwargs)`` with the tensors named in ``parameters_and_buffers``
    standing in for the module's own (deprecated here as in PyTorch: FutureWarning; the
    same function without the warning is ``minigrad.func.functional_call``).

    Args:
        module: the module to call.
        parameters_and_buffers: ``{dotted_name: tensor}`` (a tuple of such dicts is merged;
            a name in two raises ValueError).
        args: one positional argument or a tuple of them.
        kwargs: keyword arguments.
        tie_weights: a value given for one name of a shared tensor replaces every name of
            it (as the module itself shares it).
        strict: raise RuntimeError unless the names are exactly the module's parameters
            and buffers.

    Returns:
        What the module returns; the module's own tensors are back in place afterwards.
    """
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 "
                  "and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    return _functional_call(module, parameters_and_buffers, args, kwargs,
                            tie_weights=tie_weights, strict=strict)
