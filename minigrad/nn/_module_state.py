"""``Module.state_dict`` / ``load_state_dict`` with PyTorch's per-module protocol.

Each module saves its own tensors in ``_save_to_state_dict`` and loads them in
``_load_from_state_dict`` (subclasses override these, as in PyTorch); the walk over the
module tree is iterative. Hooks: ``register_state_dict_pre_hook`` /
``register_state_dict_post_hook`` (and the private ``_register_state_dict_hook``),
``register_load_state_dict_pre_hook`` / ``register_load_state_dict_post_hook`` (and the
private ``_register_load_state_dict_pre_hook``, used by ``nn.utils`` to rename old keys).
``get_extra_state`` / ``set_extra_state`` add a ``<prefix>_extra_state`` entry.
"""
from __future__ import annotations

import functools
from collections import OrderedDict, namedtuple
from typing import Any

from .. import backend
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

_EXTRA_STATE_KEY_SUFFIX = "_extra_state"

#: the hook registries a Module holds (created in ``Module.__init__``, or lazily for modules
#: unpickled from an older minigrad)
HOOK_DICTS = ("_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
              "_load_state_dict_post_hooks")


def _hooks(mod, name: str) -> OrderedDict:
    d = mod.__dict__.get(name)
    if d is None:
        d = OrderedDict()
        object.__setattr__(mod, name, d)
    return d


def _with_module(hook, module):
    return functools.partial(hook, module)


class StateDictMixin:
    """The state-dict half of ``nn.Module`` (mixed into it)."""

    _version: int = 1

    # ---- extra state ---------------------------------------------------------------------
    def get_extra_state(self) -> Any:
        """Override (with ``set_extra_state``) to store any picklable object under
        ``<prefix>_extra_state`` in the state dict."""
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called. "
            "Please file an issue at https://github.com/pytorch/pytorch/issues/new?template="
            "bug-report.yml to report this bug."
        )

    def set_extra_state(self, state: Any) -> None:
        """Restore what ``get_extra_state`` returned (override both together)."""
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called. "
            "Please file an issue at https://github.com/pytorch/pytorch/issues/new?template="
            "bug-report.yml to report this bug."
        )

    def _has_extra_state(self) -> bool:
        return type(self).get_extra_state is not StateDictMixin.get_extra_state

    # ---- hooks ---------------------------------------------------------------------------
    def _add_hook(self, registry: str, hook):
        from .module import RemovableHandle

        d = _hooks(self, registry)
        h = RemovableHandle(d)
        d[h.id] = hook
        return h

    def _register_state_dict_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata)`` after the module's entries
        are saved; a non-None return replaces the state dict."""
        return self._add_hook("_state_dict_hooks", hook)

    def register_state_dict_post_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata)`` after the module's entries
        are saved; it edits ``state_dict`` in place and must return None."""
        def checked(module, state_dict, prefix, local_metadata):
            if hook(module, state_dict, prefix, local_metadata) is not None:
                raise RuntimeError("state_dict post-hook must return None")

        return self._add_hook("_state_dict_hooks", checked)

    def register_state_dict_pre_hook(self, hook):
        """``hook(module, prefix, keep_vars)`` before the module's entries are saved."""
        return self._add_hook("_state_dict_pre_hooks", hook)

    def _register_load_state_dict_pre_hook(self, hook, with_module: bool = False):
        """``hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs)`` (``module`` first with ``with_module``) before the module loads."""
        return self._add_hook("_load_state_dict_pre_hooks",
                              _with_module(hook, self) if with_module else hook)

    def register_load_state_dict_pre_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before the module loads its entries."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def register_load_state_dict_post_hook(self, hook):
        """``hook(module, incompatible_keys)`` after ``load_state_dict``; it may edit the
        ``missing_keys``/``unexpected_keys`` lists in place (before ``strict`` raises)."""
        return self._add_hook("_load_state_dict_post_hooks", hook)

    # ---- saving --------------------------------------------------------------------------
    def _save_to_state_dict(self, destination, prefix: str, keep_vars: bool) -> None:
        """Put this module's own parameters, persistent buffers and extra state (not its
        children's) into ``destination`` under ``prefix``."""
        for k, p in self._parameters.items():
            if p is not None:
                destination[prefix + k] = p if keep_vars else p.detach()
        for k, b in self._buffers.items():
            if b is not None and k not in self._non_persistent_buffers_set:
                destination[prefix + k] = b if keep_vars else b.detach()
        if self._has_extra_state():
            destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    def state_dict(self, *args, destination=None, prefix: str = "", keep_vars: bool = False):
        """An ordered dict of every parameter and persistent buffer under dotted names; values
        are detached tensors sharing memory with the module (``keep_vars`` keeps the
        Parameters themselves)."""
        if args:  # PyTorch's deprecated positional (destination, prefix, keep_vars)
            destination, prefix, keep_vars = (
                tuple(args) + (destination, prefix, keep_vars)[len(args):])[:3]
        if destination is None:
            destination = OrderedDict()
        if not hasattr(destination, "_metadata"):
            try:
                destination._metadata = OrderedDict()
            except AttributeError:  # a plain dict given as destination
                pass
        meta = getattr(destination, "_metadata", None)
        walk = []
        for mod_prefix, mod in self.named_modules(prefix=prefix.rstrip("."),
                                                  remove_duplicate=False):
            pre = mod_prefix + "." if mod_prefix else ""
            for hook in tuple(_hooks(mod, "_state_dict_pre_hooks").values()):
                hook(mod, pre, keep_vars)
            local_metadata = {"version": mod._version}
            if meta is not None:
                meta[mod_prefix] = local_metadata
            mod._save_to_state_dict(destination, pre, keep_vars)
            walk.append((pre, mod, local_metadata))
        # post hooks run children first, as PyTorch's recursion does
        for pre, mod, local_metadata in reversed(walk):
            for hook in tuple(_hooks(mod, "_state_dict_hooks").values()):
                res = hook(mod, destination, pre, local_metadata)
                if res is not None:
                    destination = res
        return destination

    # ---- loading -------------------------------------------------------------------------
    def _load_from_state_dict(self, state_dict, prefix: str, local_metadata: dict,
                              strict: bool, missing_keys: list, unexpected_keys: list,
                              error_msgs: list) -> None:
        """Copy this module's own entries from ``state_dict`` (keys under ``prefix``),
        recording missing and unexpected keys and size mismatches in the lists."""
        assign = local_metadata.get("assign_to_params_buffers", False)
        persistent = [(k, v) for k, v in self._buffers.items()
                      if k not in self._non_persistent_buffers_set]
        local = [(k, v) for k, v in list(self._parameters.items()) + persistent
                 if v is not None]
        with no_grad():
            for name, dst in local:
                key = prefix + name
                if key not in state_dict:
                    if strict:
                        missing_keys.append(key)
                    continue
                src = state_dict[key]
                src = src if isinstance(src, Tensor) else Tensor(src)
                if tuple(src.shape) != tuple(dst.shape):
                    error_msgs.append(
                        f"size mismatch for {key}: copying a param with shape {src.shape} "
                        f"from checkpoint, the shape in current model is {dst.shape}."
                    )
                    continue
                try:
                    if assign:
                        dst.array = backend.to_device(
                            src.array.astype(dst.array.dtype, copy=False), dst.device)
                    else:
                        dst.copy_(src)
                except Exception as e:  # noqa: BLE001  (reported like PyTorch)
                    error_msgs.append(
                        f'While copying the parameter named "{key}", whose dimensions in the '
                        f"model are {dst.shape} and whose dimensions in the checkpoint are "
                        f"{src.shape}, an exception occurred : {e.args}."
                    )
        extra_key = prefix + _EXTRA_STATE_KEY_SUFFIX
        if self._has_extra_state():
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            own = {k for k, _ in local}
            for key in state_dict:
                if not key.startswith(prefix) or key == extra_key:
                    continue
                head, dot, _ = key[len(prefix):].partition(".")
                if (not dot and head not in own) or (dot and head not in self._modules):
                    unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy parameters and buffers from ``state_dict`` (values: Tensors or arrays).

        Returns:
            ``(missing_keys, unexpected_keys)``. With ``strict`` (default) a missing or an
            unexpected key raises RuntimeError; a shape mismatch always does.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)  # pre-hooks may rename keys: work on a copy
        missing, unexpected, errors = [], [], []
        walk = list(self.named_modules(remove_duplicate=False))
        for name, mod in walk:
            pre = name + "." if name else ""
            local_metadata = dict(metadata.get(name, {})) if metadata is not None else {}
            if assign:
                local_metadata["assign_to_params_buffers"] = True
            for hook in tuple(_hooks(mod, "_load_state_dict_pre_hooks").values()):
                hook(state_dict, pre, local_metadata, True, missing, unexpected, errors)
            mod._load_from_state_dict(state_dict, pre, local_metadata, True, missing,
                                      unexpected, errors)
        incompatible = _IncompatibleKeys(missing, unexpected)
        for _, mod in reversed(walk):
            for hook in tuple(_hooks(mod, "_load_state_dict_post_hooks").values()):
                if hook(mod, incompatible) is not None:
                    raise RuntimeError("load_state_dict post-hook must return None")
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        return incompatible
