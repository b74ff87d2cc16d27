"""The machinery behind ``minigrad.nn.modules.<name>``: PyTorch's import paths, lazily.

PyTorch defines each layer in a file of ``torch/nn/modules/`` and programs (and pickles)
name them by that path, e.g. ``torch.nn.modules.loss._Loss``. minigrad keeps its layers in
its own files; each module of this package only lists the names PyTorch keeps in the file
of the same name, and resolves them on first access from minigrad's real definitions. A
name PyTorch has there but minigrad does not provide raises an AttributeError saying so.
"""
from __future__ import annotations

import importlib


def reexport(module_name: str, names: list[str], sources: tuple[str, ...] = ()):
    """Return ``(__getattr__, __dir__)`` for a module that re-exports ``names``.

    Args:
        module_name: the re-exporting module's ``__name__`` (for error messages).
        names: the names PyTorch keeps in the corresponding ``torch.nn.modules`` file.
        sources: minigrad modules searched for them, after ``minigrad.nn`` (where private
            base classes like ``_Loss`` live).

    ``__all__`` is computed on request, so ``from ... import *`` brings exactly the names
    that exist, including layers added to ``minigrad.nn`` after this file was written.
    """
    wanted = frozenset(names)
    search = ("minigrad.nn",) + tuple(sources)

    def lookup(name):
        for src in search:
            obj = getattr(importlib.import_module(src), name, None)
            if obj is not None:
                return obj
        return None

    def __getattr__(name):
        if name == "__all__":
            return [n for n in names if lookup(n) is not None]
        if name in wanted:
            obj = lookup(name)
            if obj is not None:
                return obj
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}: minigrad "
                                 f"does not provide PyTorch's {name} yet")
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    def __dir__():
        return sorted(__getattr__("__all__"))

    return __getattr__, __dir__
