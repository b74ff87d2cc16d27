"""``Optimizer``: param groups, per-parameter state, ``zero_grad``, ``step``, state_dict.

Optimizers see tensors, never modules: any leaf Tensor (an ``nn.Parameter`` or a
plain tensor with ``requires_grad=True``) can be optimized. Updates are written
straight into ``p.array`` with ufuncs that take ``out=``; each algorithm touches
every array as few times as it can, and borrows temporaries from a per-optimizer
scratch pool instead of allocating them on every step.
"""
from __future__ import annotations

import math
import numbers
from collections import defaultdict
from copy import deepcopy
from typing import Any, Callable, Iterable

from .. import _threads, dtypes
from ..autograd.grad_mode import _State, enable_grad, no_grad
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


class _Required:
    """Marks a hyper-parameter that has no default (``lr`` in old PyTorch SGD)."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


def check_hparam(name: str, value, low: float = 0.0, high: float | None = None,
                 high_open: bool = True, label: str | None = None) -> None:
    """Raise ValueError unless ``value`` is a finite real number in ``[low, high)``.

    ``high_open=False`` makes the interval ``[low, high]``. NaN and inf always fail.
    """
    label = label or name
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"Invalid {label}: expected a number, got a tensor of shape "
                             f"{list(value.shape)}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"Invalid {label}: expected a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"Invalid {label}: {value} (must be finite)")
    if v < low:
        raise ValueError(f"Invalid {label}: {value} (must be >= {low})")
    if high is not None and (v >= high if high_open else v > high):
        bracket = ")" if high_open else "]"
        raise ValueError(f"Invalid {label}: {value} (must be in [{low}, {high}{bracket})")


def impl_flags(group: dict) -> None:
    """Validate PyTorch's implementation selectors ``foreach``, ``fused``, ``capturable`` and
    ``differentiable`` as PyTorch does.

    minigrad has one implementation per optimizer (in-place ufuncs over cache-sized blocks),
    so ``foreach``/``fused``/``capturable`` choose nothing: they are accepted, kept in the
    param groups (as PyTorch keeps them) and have no effect. ``differentiable=True`` asks for
    autograd through the update itself, which minigrad's in-place steps can't give: it raises.
    """
    if group.get("fused") and group.get("foreach"):
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if group.get("fused") and group.get("differentiable"):
        raise RuntimeError("`fused` does not support `differentiable`")
    if group.get("differentiable"):
        raise NotImplementedError("differentiable=True (autograd through the optimizer step) is "
                                  "not supported by minigrad's in-place optimizers")


def check_betas(betas) -> None:
    """``betas`` must be a pair of numbers, each in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2))")
    check_hparam("beta1", betas[0], 0.0, 1.0, label="beta parameter at index 0")
    check_hparam("beta2", betas[1], 0.0, 1.0, label="beta parameter at index 1")


class Optimizer:
    """Base class of all optimizers (as ``torch.optim.Optimizer``).

    Args:
        params: an iterable of Tensors, or of dicts (param groups) each holding
            ``'params'`` and optional per-group hyper-parameters.
        defaults: hyper-parameter values used by groups that don't set them.

    Subclasses implement ``_step_group(group)`` (called under ``no_grad`` for each
    group by ``step``) and may validate a group's hyper-parameters in
    ``_check_group(group)``. A custom optimizer may override ``step`` instead.
    """

    def __init__(self, params: Iterable, defaults: dict[str, Any]):
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._scratch: dict = {}
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got a Tensor of shape {list(params.shape)}"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    # ---- groups -------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with optional hyper-parameter overrides)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"] if "params" in param_group else None
        if params is None:
            raise ValueError("param_group must contain a 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            params = list(params)
        seen = set()
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but param {i} of the group "
                                f"is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (param {i} of the group has "
                                 f"grad_fn={type(p.grad_fn).__name__})")
            if id(p) in seen:
                raise ValueError(f"optimizer parameter group contains param {i} more than once")
            seen.add(id(p))
        group = dict(param_group)
        group["params"] = params
        for k, v in self.defaults.items():
            if v is required and k not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {k}")
            group.setdefault(k, v)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if not existing.isdisjoint(seen):
            raise ValueError("some parameters appear in more than one parameter group")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyper-parameters (ValueError); subclasses extend."""
        if "lr" in group and group["lr"] is not required:
            check_hparam("lr", group["lr"], label="learning rate")
        impl_flags(group)

    # ---- gradients and steps -----------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad`` (to None by default, else to zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g = p.grad
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    with no_grad():
                        g.zero_()

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss.

        Args:
            closure: re-evaluates the model and returns the loss (run with grad enabled).
        """
        rec = _State.recorder
        if rec is not None:  # a recorded program replays the whole step as one call
            return rec.opaque(self._step, closure)
        return self._step(closure)

    def _step(self, closure):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def _run_blocked(self, kernel, work) -> None:
        """Run ``kernel(arrays, coefs)`` over ``work``, a list of (same-shaped arrays, coefs)
        per parameter, cut into cache-sized blocks spread over minigrad's threads
        (``minigrad._threads``): each block's passes stay in L2, and NumPy releases the GIL
        inside each ufunc, so the blocks of large parameters run in parallel."""
        tasks = []
        total = 0
        for arrays, coefs in work:
            total += arrays[0].size
            tasks += [(blk, coefs) for blk in _threads.split(arrays)]
        _threads.parallel_for(lambda t: kernel(*t), tasks, total)

    def _buffers(self, x, n: int = 1):
        """``n`` scratch arrays shaped like ``x`` (reused across steps; contents undefined)."""
        key = (type(x), _device_of(x), x.dtype)  # CuPy's own Device objects are unhashable
        bufs = self._scratch.get(key)
        if bufs is None or len(bufs) < n or bufs[0].size < x.size:
            size = max(x.size, bufs[0].size if bufs else 0)
            xp = _xp(x)
            bufs = [xp.empty(size, dtype=x.dtype) for _ in range(max(n, len(bufs or ())))]
            self._scratch[key] = bufs
        return [b[: x.size].reshape(x.shape) for b in bufs[:n]]

    # ---- state -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer state in PyTorch's layout.

        ``{'state': {index: {name: Tensor | number}}, 'param_groups': [{..., 'params':
        [indices]}]}``; parameters are numbered in order across the groups. The state
        tensors are the optimizer's own (not copies), as in PyTorch.
        """
        index: dict[int, int] = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        state = dict(sorted(state.items()))
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state saved by ``state_dict`` (after ``minigrad.load`` or directly).

        Group count and sizes must match this optimizer's. State tensors are copied to each
        parameter's device, and floating ones to its dtype (``step`` counters are kept).
        """
        saved_groups = check_state_dict_groups(state_dict, self.param_groups)
        id_map = {}
        for g, sg in zip(self.param_groups, saved_groups):
            for p, idx in zip(g["params"], sg["params"]):
                id_map[idx] = p
        saved_state = state_dict["state"]
        new_state: defaultdict = defaultdict(dict)
        for k, s in saved_state.items():
            key = int(k) if isinstance(k, str) and k.isdigit() else k
            p = id_map.get(key)
            if p is None:
                continue
            new_state[p] = {name: _cast_state(p, name, v) for name, v in s.items()}
        new_groups = []
        for g, sg in zip(self.param_groups, saved_groups):
            ng = {k: deepcopy(v) for k, v in sg.items() if k != "params"}
            if "betas" in ng and isinstance(ng["betas"], list):
                ng["betas"] = tuple(ng["betas"])
            ng["params"] = g["params"]
            new_groups.append(ng)
        self.state = new_state
        self.param_groups = new_groups

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)

    def __getstate__(self):
        raise TypeError(f"{type(self).__name__} is not picklable; save its state_dict() with "
                        "minigrad.save instead")


def check_state_dict_groups(state_dict, param_groups) -> list:
    """``state_dict["param_groups"]`` after checking it is an optimizer state of groups the
    sizes of ``param_groups`` (ValueError with PyTorch's wording otherwise)."""
    if not isinstance(state_dict, dict) or "state" not in state_dict \
            or "param_groups" not in state_dict:
        raise ValueError("optimizer state_dict must be a dict with 'state' and "
                         "'param_groups' entries")
    saved_groups = state_dict["param_groups"]
    if len(saved_groups) != len(param_groups):
        raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, but "
                         f"the optimizer has {len(param_groups)}")
    for i, (g, sg) in enumerate(zip(param_groups, saved_groups)):
        if len(g["params"]) != len(sg["params"]):
            raise ValueError(
                f"loaded state dict contains a parameter group that doesn't match the size "
                f"of optimizer's group: group {i} has {len(sg['params'])} params in the "
                f"state dict and {len(g['params'])} in the optimizer"
            )
    return saved_groups


def _xp(array):
    from .. import backend

    return backend.get_array_module(array)


def _device_of(array):
    from .. import backend

    return backend.device_of(array)


def _cast_state(p: Tensor, name: str, v):
    """A copy of one saved state value, placed on ``p``'s device (and dtype if floating)."""
    if not isinstance(v, Tensor):
        return deepcopy(v)
    v = v.detach()
    if name == "step":
        return v.clone()
    dtype = p.dtype if (p.is_floating_point() and v.is_floating_point()) else v.dtype
    out = v.to(device=p.device, dtype=dtype, copy=True)
    have, want = out.array.shape, p.array.shape
    if have and (len(have) != len(want) or any(h not in (1, w) for h, w in zip(have, want))):
        # 1s allowed: factored state (Adafactor's row/column averages)
        raise ValueError(f"state {name!r} has shape {list(out.shape)} but its parameter has "
                         f"shape {list(p.shape)}")
    return out


def init_state(state: dict, p: Tensor, *buffers: str, **scalars: float) -> None:
    """Fill an empty per-parameter ``state`` in PyTorch's layout and key order: a 0-d float32
    ``step`` counter, then the 0-d float32 ``scalars`` (``mu_product=1.0``), then the zeroed
    ``buffers`` shaped like ``p``."""
    from ..creation import full, zeros_like

    state["step"] = full((), 0.0, dtype=dtypes.float32, device="cpu")
    for name, value in scalars.items():
        state[name] = full((), float(value), dtype=dtypes.float32, device="cpu")
    for name in buffers:
        state[name] = zeros_like(p)


def lerp_(xp, a, b, w: float) -> None:
    """``a += w * (b - a)`` in place, with PyTorch's two-sided formula (exact at ``w = 1``)."""
    if w < 0.5:
        a += w * (b - a)
    else:
        a[...] = b - (b - a) * (1 - w)


def step_counter(state: dict) -> float:
    """Increment ``state['step']`` (a 0-d float32 tensor, as in PyTorch) and return it."""
    st = state["step"]
    st.array += 1
    return float(st.array)


def axpy(xp, y, a: float, x, tmp) -> None:
    """``y += a * x`` in place (``tmp`` is scratch shaped like ``y``)."""
    if a == 1:
        xp.add(y, x, out=y)
    elif a == -1:
        xp.subtract(y, x, out=y)
    elif a != 0:
        xp.multiply(x, a, out=tmp)
        xp.add(y, tmp, out=y)


def effective_grad(xp, p: Tensor, weight_decay: float, maximize: bool, tmp):
    """``(g, s)`` with the update direction ``d = s * g`` (``s`` = +/-1).

    With L2 weight decay, ``d = (+/-grad) + weight_decay * p`` is materialised in ``tmp``
    (and ``s`` is 1); without it the raw gradient is returned and the sign is folded into
    the caller's coefficients, which saves a pass over memory.
    """
    return direction(xp, p.array, p.grad.array, weight_decay, maximize, tmp)


def direction(xp, x, g, weight_decay: float, maximize: bool, tmp):
    """``effective_grad`` on arrays (a block of the parameter ``x`` and its gradient ``g``)."""
    if weight_decay == 0:
        return g, (-1.0 if maximize else 1.0)
    xp.multiply(x, weight_decay, out=tmp)
    (xp.subtract if maximize else xp.add)(tmp, g, out=tmp)
    return tmp, 1.0


def array_module(x):
    """numpy or cupy for an array (numpy without a lookup in the common case)."""
    from .. import backend

    return backend.np if type(x) is backend.np.ndarray else backend.get_array_module(x)
