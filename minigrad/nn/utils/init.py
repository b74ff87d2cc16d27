"""``torch.nn.utils.init.skip_init``: build a module without running its initialisation."""
from __future__ import annotations

import inspect

from ..module import Module

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs) -> Module:
    """Instantiate ``module_cls(*args, **kwargs)`` on ``kwargs['device']`` (default CPU).

    PyTorch builds the module on the meta device and allocates uninitialised storage, so
    the parameter values are unspecified. minigrad has no meta device: the module is
    built normally, so the values are the class's default initialisation (one valid choice
    of "unspecified"); the contract (``module_cls`` must accept ``device``) is PyTorch's.
    """
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")  # noqa: TRY004  (PyTorch's type)
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs.setdefault("device", "cpu")
    return module_cls(*args, **kwargs)
