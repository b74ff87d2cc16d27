"""``load(..., weights_only=True)`` for pickled checkpoints: an unpickler that runs no code.

A pickle can name any importable callable (``GLOBAL os.system``) and call it (``REDUCE``).
Every such name goes through ``find_class``; this unpickler answers only for an allow-list
of objects held here (never importing anything named by the file), so unpickling can build
containers, tensors and the classes a user has declared trustworthy, and nothing else.

The default list is minigrad's own tensor, Parameter, dtype, device and Size rebuilders
plus a few harmless builtins (``set``, ``frozenset``, ``complex``, ``OrderedDict``).
``add_safe_globals`` extends it for the process; ``safe_globals`` for a ``with`` block.
A name off the list raises ``WeightsOnlyUnpicklingError`` (a ``pickle.UnpicklingError``),
worded as PyTorch's, with both remedies.
"""
from __future__ import annotations

import _compat_pickle
import collections
import contextlib
import pickle
import threading

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "safe_globals",
           "WeightsOnlyUnpicklingError", "RestrictedUnpickler"]

_user: list = []  # add_safe_globals entries: objects or (object, "module.name") pairs
_lock = threading.Lock()


class WeightsOnlyUnpicklingError(pickle.UnpicklingError, RuntimeError):
    """``weights_only`` loading met something off the allow-list (or a broken pickle)."""


def _default_globals() -> list:
    from . import backend, dtypes
    from .nn.parameter import Parameter
    from .tensor import Size, Tensor, _rebuild_tensor

    return [set, frozenset, complex, collections.OrderedDict, Tensor, Parameter, Size,
            _rebuild_tensor, dtypes._by_name, backend.Device]


def _qualified(entry) -> tuple[str, object]:
    if isinstance(entry, tuple):
        obj, name = entry
        return name, obj
    return f"{entry.__module__}.{entry.__qualname__}", entry


def add_safe_globals(safe_globals: list) -> None:
    """Trust these classes/functions when ``load`` runs with ``weights_only=True``.

    Args:
        safe_globals: objects (classes, functions), or ``(object, "module.name")`` pairs
            for an object pickled under another name.
    """
    with _lock:
        _user.extend(safe_globals)


def get_safe_globals() -> list:
    """The objects added with :func:`add_safe_globals` / :func:`safe_globals`."""
    with _lock:
        return list(_user)


def clear_safe_globals() -> None:
    """Forget every object added with :func:`add_safe_globals`."""
    with _lock:
        _user.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list):
    """Trust these classes/functions inside the ``with`` block only (see add_safe_globals)."""
    with _lock:
        before = list(_user)
        _user.extend(safe_globals)
    try:
        yield
    finally:
        with _lock:
            _user[:] = before


def _message(name: str) -> str:
    return (
        "Weights only load failed. This file can still be loaded, to do so you have two "
        "options, do those steps only if you trust the source of the checkpoint.\n"
        "\t(1) minigrad.load (torch.load under minigrad.as_torch) defaults to "
        "`weights_only=True`, as PyTorch does since 2.6. Re-running it with `weights_only` set "
        "to `False` will likely succeed, but it can result in arbitrary code execution. Do it "
        "only if you got the file from a trusted source.\n"
        "\t(2) Alternatively, to load with `weights_only=True` please check the recommended "
        "steps in the following error message.\n"
        f"\tWeightsUnpickler error: Unsupported global: GLOBAL {name} was not an allowed global "
        f"by default. Please use `minigrad.serialization.add_safe_globals([{name}])` or the "
        f"`minigrad.serialization.safe_globals([{name}])` context manager (torch.serialization"
        ".* under minigrad.as_torch) to allowlist this global if you trust this class/function.")


class RestrictedUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` whose globals come only from the allow-list.

    Args:
        file: the pickle stream.
        persistent_load: resolves persistent ids (the checkpoint's tensors), or None to
            reject any.
    """

    def __init__(self, file, persistent_load=None):
        super().__init__(file)
        self._persistent = persistent_load
        with _lock:
            entries = _default_globals() + list(_user)
        self._allowed = dict(_qualified(e) for e in entries)

    def find_class(self, module, name):
        # protocol 0-2 pickles name Python 2's modules (``__builtin__.set``): map them as
        # pickle's own find_class does, without importing anything
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        key = f"{module}.{name}"
        if key in self._allowed:
            return self._allowed[key]
        raise WeightsOnlyUnpicklingError(_message(key))

    def persistent_load(self, pid):
        if self._persistent is None:
            raise WeightsOnlyUnpicklingError("Weights only load failed: the pickle refers to "
                                             f"external data ({pid!r}) this file does not hold")
        return self._persistent(pid)
