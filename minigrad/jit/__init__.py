"""``torch.jit`` as a documented pass-through: minigrad runs every program eagerly.

Programs written for TorchScript decorate methods (``@torch.jit.ignore``,
``@torch.jit.export``), script or trace their models and branch on
``torch.jit.is_scripting()``. Here each of those returns what it was given and behaves as
PyTorch's eager mode does outside scripting:

- ``script(obj)``, ``trace(func, example_inputs)``, ``trace_module(mod, inputs)``,
  ``freeze(mod)``, ``optimize_for_inference(mod)`` return ``obj``/``func``/``mod`` unchanged
  (nothing is compiled; ``trace`` does not run the function);
- ``ignore``, ``unused``, ``export``, ``interface``, ``script_method`` are identity decorators
  (``ignore(drop=True)`` too);
- ``is_scripting()`` and ``is_tracing()`` are False; ``annotate(type, value)`` and
  ``Attribute(value, type)`` return ``value``; ``Final`` is ``typing.Final``;
- ``fork(fn, *args)`` calls ``fn`` at once and ``wait(future)`` returns its result;
- ``ScriptModule``/``ScriptFunction`` are classes to subclass or test against (an ordinary
  module is not one, as in PyTorch before scripting);
- ``save``/``load`` of TorchScript archives raise ``NotImplementedError`` (use
  ``minigrad.save(model.state_dict(), path)``).
"""
from __future__ import annotations

import builtins
import typing
from typing import Any

from ..nn.module import Module

__all__ = [
    "Attribute", "Final", "Future", "ScriptFunction", "ScriptModule", "annotate",
    "enable_onednn_fusion", "export", "fork", "freeze", "ignore", "interface", "is_scripting",
    "is_tracing", "isinstance", "load", "optimize_for_inference", "save", "script",
    "script_method", "set_fusion_strategy", "trace", "trace_module", "unused", "wait",
]

Final = typing.Final


class ScriptModule(Module):
    """Base class of scripted modules in PyTorch; here an ordinary ``Module``."""


class ScriptFunction:
    """The type of scripted functions in PyTorch; nothing here is one."""


def script(obj: Any, optimize=None, _frames_up: int = 0, _rcb=None, example_inputs=None) -> Any:
    """Returns ``obj`` (a module, function or class) unchanged: it runs eagerly."""
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace: bool = True,
          check_inputs=None, check_tolerance: float = 1e-5, strict: bool = True,
          _force_outplace: bool = False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs: bool = True):
    """Returns ``func`` (a module or function) unchanged; the example inputs are not run."""
    return func


def trace_module(mod, inputs, optimize=None, check_trace: bool = True, check_inputs=None,
                 check_tolerance: float = 1e-5, strict: bool = True,
                 _force_outplace: bool = False, _module_class=None, _compilation_unit=None,
                 example_inputs_is_kwarg: bool = False, _store_inputs: bool = True):
    """Returns ``mod`` unchanged."""
    return mod


def ignore(drop=False, **kwargs):
    """Identity decorator, usable bare (``@ignore``) or called (``@ignore(drop=True)``)."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    """Identity decorator."""
    return fn


def export(fn):
    """Identity decorator."""
    return fn


def interface(obj):
    """Identity decorator."""
    return obj


def script_method(fn):
    """Identity decorator."""
    return fn


def is_scripting() -> bool:
    """False: minigrad never scripts."""
    return False


def is_tracing() -> bool:
    """False: minigrad never traces."""
    return False


def annotate(the_type, the_value):
    """Returns ``the_value`` (a type hint for the TorchScript compiler)."""
    return the_value


def Attribute(value, type):  # noqa: N802  (PyTorch's name)
    """Returns ``value`` (a type hint for a TorchScript module attribute)."""
    return value


def freeze(mod, preserved_attrs=None, optimize_numerics: bool = True):
    """Returns ``mod`` unchanged."""
    return mod


def optimize_for_inference(mod, other_methods=None):
    """Returns ``mod`` unchanged."""
    return mod


class Future:
    """The result of ``fork``: already computed."""

    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value

    def done(self) -> bool:
        return True


def fork(func, *args, **kwargs) -> Future:
    """Calls ``func(*args, **kwargs)`` now and wraps the result for ``wait``."""
    return Future(func(*args, **kwargs))


def wait(future: Future):
    """The result of a ``fork``."""
    return future.wait()


def isinstance(obj, target_type) -> bool:  # noqa: A001  (PyTorch's name)
    """Python's ``isinstance`` (typing generics such as ``List[int]`` are checked by origin)."""
    origin = typing.get_origin(target_type)
    return builtins.isinstance(obj, origin or target_type)


def enable_onednn_fusion(enabled: bool) -> None:
    """Accepted; no effect (nothing is fused)."""


def set_fusion_strategy(strategy):
    """Accepted; returns the strategy given (nothing is fused)."""
    return strategy


def save(m, f, _extra_files=None) -> None:
    raise NotImplementedError("minigrad has no TorchScript archives: save the weights with "
                              "minigrad.save(model.state_dict(), path) instead")


def load(f, map_location=None, _extra_files=None, _restore_shapes: bool = False):
    raise NotImplementedError("minigrad cannot load TorchScript archives: rebuild the model "
                              "in Python and load its state_dict with minigrad.load")
