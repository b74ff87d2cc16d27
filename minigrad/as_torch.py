"""Run an unmodified PyTorch program on minigrad.

Usage::

    python -m minigrad.as_torch SCRIPT [ARGS...]
    python -m minigrad.as_torch -m MODULE [ARGS...]
    python -m minigrad.as_torch -c CODE [ARGS...]

While the program runs, ``import torch`` gives ``minigrad`` and ``import torch.X.Y`` gives
``minigrad.X.Y``: the very same module objects, so ``isinstance`` checks and module-level
state agree whichever name a program (or a library it uses) imports. A torch submodule that
minigrad lacks raises ``ModuleNotFoundError`` naming it; a real PyTorch, even if installed,
is never imported.

``sys.argv``, ``sys.path[0]`` (the script's directory, so the program's own modules import),
``__main__`` and ``if __name__ == "__main__":`` behave as under ``python SCRIPT`` (the
program runs through :mod:`runpy`).

This module is an entry point: nothing in minigrad imports it. :func:`install` is the
same aliasing for use from Python (tests, notebooks).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import runpy
import sys
import types

__all__ = ["install", "uninstall", "main"]

_ALIAS = "torch"
_TARGET = "minigrad"

_USAGE = """usage: python -m minigrad.as_torch SCRIPT [ARGS...]
       python -m minigrad.as_torch -m MODULE [ARGS...]
       python -m minigrad.as_torch -c CODE [ARGS...]

Runs a PyTorch program unchanged on minigrad: `import torch` (and every
`import torch.X.Y`) resolves to minigrad's module of the same path."""


class _AliasLoader(importlib.abc.Loader):
    """Hands back the already-imported minigrad module; executes nothing."""

    def __init__(self, module):
        self._module = module

    def create_module(self, spec):
        return self._module

    def exec_module(self, module):
        pass


class _TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Claims ``torch`` and every ``torch.*`` name before any other finder can.

    The minigrad module is imported under its own name (so it exists once) and returned
    for the torch name; importing a submodule minigrad lacks raises ModuleNotFoundError
    with the torch name, instead of letting the path finders look for a real torch.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _ALIAS and not fullname.startswith(_ALIAS + "."):
            return None
        real = _TARGET + fullname[len(_ALIAS):]
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name is not None and e.name != real and not real.startswith(e.name + "."):
                raise  # something minigrad's module itself imports is missing
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: minigrad has no {real!r} (running under "
                "minigrad.as_torch, which maps torch to minigrad)", name=fullname) from None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module),
                                              is_package=hasattr(module, "__path__"))


_finder = _TorchAliasFinder()


def install() -> None:
    """Make ``torch`` and ``torch.*`` imports resolve to minigrad from now on.

    Raises:
        RuntimeError: a real ``torch`` is already imported in this process (the two
            would then coexist and disagree).
    """
    existing = sys.modules.get(_ALIAS)
    target = importlib.import_module(_TARGET)
    if existing is not None and existing is not target:
        raise RuntimeError("minigrad.as_torch: a real torch is already imported in this "
                           "process; start a fresh interpreter")
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    # names imported before now: alias them directly, the finder handles the rest lazily
    for name, mod in list(sys.modules.items()):
        if mod is not None and (name == _TARGET or name.startswith(_TARGET + ".")):
            sys.modules.setdefault(_ALIAS + name[len(_TARGET):], mod)
    _spawned_children_alias_too(True)


def _spawned_children_alias_too(on: bool) -> None:
    """Processes started with the ``spawn`` method (``torch.multiprocessing.spawn``'s
    default) are fresh interpreters that re-import the program, ``import torch`` included,
    before any of its code runs: the command line that starts them installs the alias
    first. (``fork`` children inherit it; ``forkserver`` ones are not covered.)"""
    import multiprocessing.spawn as mp_spawn

    current = mp_spawn.get_command_line
    original = getattr(current, "_minigrad_original", None)
    if not on:
        if original is not None:
            mp_spawn.get_command_line = original
        return
    if original is not None:
        return

    def get_command_line(**kwds):
        cmd = current(**kwds)
        if "-c" in cmd:
            i = cmd.index("-c") + 1
            cmd[i] = "import minigrad.as_torch as _alias; _alias.install(); " + cmd[i]
        return cmd

    get_command_line._minigrad_original = current
    mp_spawn.get_command_line = get_command_line


def uninstall() -> None:
    """Undo :func:`install`: drop the finder and every ``torch`` alias of a minigrad module."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _spawned_children_alias_too(False)
    for name, mod in list(sys.modules.items()):
        if (name == _ALIAS or name.startswith(_ALIAS + ".")) and \
                getattr(mod, "__name__", "").split(".")[0] == _TARGET:
            del sys.modules[name]


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: parse ``[-m MODULE | -c CODE | SCRIPT] ARGS...`` and run it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE, file=sys.stderr if not argv else sys.stdout)
        raise SystemExit(2 if not argv else 0)
    install()
    if argv[0] == "-m":
        if len(argv) < 2:
            raise SystemExit("minigrad.as_torch: -m needs a module name")
        # as `python -m`: the current directory first on the path, argv[0] the module's file
        sys.argv = [argv[1]] + argv[2:]
        sys.path[0] = os.getcwd()
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    elif argv[0] == "-c":
        if len(argv) < 2:
            raise SystemExit("minigrad.as_torch: -c needs a code string")
        sys.argv = ["-c"] + argv[2:]
        sys.path[0] = ""
        main_mod = types.ModuleType("__main__")  # a fresh __main__, as `python -c` has
        main_mod.__builtins__ = __builtins__
        sys.modules["__main__"] = main_mod
        exec(compile(argv[1], "<string>", "exec"), main_mod.__dict__)
    else:
        script = argv[0]
        if not os.path.exists(script):
            raise SystemExit(f"minigrad.as_torch: can't open file {script!r}: "
                             "No such file or directory")
        sys.argv = argv
        # as `python SCRIPT`: the script's directory first on the path (a directory or zip
        # with __main__.py is itself the path entry)
        sys.path[0] = os.path.dirname(os.path.abspath(script)) if os.path.isfile(script) \
            else os.path.abspath(script)
        runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
