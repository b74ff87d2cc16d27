"""``ZeroRedundancyOptimizer``: the optimizer state sharded over the ranks (ZeRO stage 1,
https://arxiv.org/abs/1910.02054), as ``torch.distributed.optim.ZeroRedundancyOptimizer``.

Every rank still holds the whole model and the whole (DDP-averaged) gradient, but the
optimizer state (Adam's two moments, ...) and the update itself are split: rank r runs a
local ``optimizer_class`` on its shard only, then the updated parameters travel to every
rank. Memory for the state and time for the update both drop to about 1/world.

Partition (the same as PyTorch's, so a state_dict maps the same way): group by group, the
parameters sorted by size, largest first, each to the rank whose shard is smallest so far
(the lowest such rank on ties), the running sizes carried from group to group.

Parameter exchange: PyTorch broadcasts each parameter (or, with
``parameters_as_bucket_view``, each rank's bucket) from its owner. Here one in-place
all-gather of a flat buffer does it: block r holds rank r's shard (blocks are as long as
the largest shard; the others are padded), so every rank sends its block once and receives
the others'. With ``parameters_as_bucket_view=True`` the parameters *are* views into that
buffer, so the local step writes straight into the block and the all-gather writes straight
into the other ranks' parameters (no copies); otherwise each step copies this rank's
shard in and the others' shards out.
"""
from __future__ import annotations

from copy import deepcopy

import numpy as np

from ...backend import as_numpy
from ...optim.optimizer import Optimizer, check_state_dict_groups
from ...tensor import Tensor
from ..objects import all_gather_object
from ..process_group import GroupMember, _resolve, _watch

__all__ = ["ZeroRedundancyOptimizer"]


class ZeroRedundancyOptimizer(Optimizer):
    """Wrap an optimizer class so that each rank keeps and updates ~1/world of the state.

    Call it on every rank of ``process_group`` with the same parameters (same order,
    shapes and dtype; checked). ``step()`` updates this rank's shard and then makes every
    rank's parameters equal again; it must run on every rank (it communicates).

    Args:
        params: an iterable of Tensors or of param-group dicts (all of one dtype and
            device, as PyTorch requires).
        optimizer_class: the local optimizer, e.g. ``minigrad.optim.Adam``.
        process_group: the group to shard over (default: the world).
        parameters_as_bucket_view: make every parameter's storage a view into the flat
            communication buffer (``param.data`` changes, the values do not), which saves
            the copies in and out of that buffer at each step.
        overlap_with_ddp: not supported (it needs DDP communication hooks); True raises.
        **defaults: keyword arguments of ``optimizer_class`` (``lr=...``).

    Attributes:
        optim: the local optimizer over this rank's shard.
        rank, world_size, global_rank: this process in ``process_group``.
        initialized: True once construction is complete (as PyTorch's).

    Not supported: ``overlap_with_ddp=True`` and ``join_hook`` (uneven inputs with
    ``Join``). Parameters frozen with ``requires_grad=False`` stay in their shard and are
    sent along with it (PyTorch leaves them out of the buckets; the values are the same).
    """

    def __init__(self, params, optimizer_class, process_group=None,
                 parameters_as_bucket_view: bool = False, overlap_with_ddp: bool = False,
                 **defaults):
        if overlap_with_ddp:
            raise NotImplementedError(
                "ZeroRedundancyOptimizer(overlap_with_ddp=True) is not supported by minigrad "
                "(it needs DistributedDataParallel communication hooks); use the default "
                "overlap_with_ddp=False, which steps after backward as usual"
            )
        if not (isinstance(optimizer_class, type) and issubclass(optimizer_class, Optimizer)):
            raise TypeError(
                "ZeroRedundancyOptimizer: optimizer_class must be an optimizer class such as "
                f"minigrad.optim.Adam, got {optimizer_class!r}"
            )
        params = _verify_params(params)
        self.initialized = False
        super().__init__(params, defaults)
        pg = _resolve(process_group)
        if pg is None:
            raise ValueError("ZeroRedundancyOptimizer: this rank is not a member of "
                             "process_group")
        self.process_group = GroupMember.WORLD if process_group is None else process_group
        self._pg = pg
        self.world_size = pg.size()
        self.rank = pg.rank()
        self.global_rank = pg.ranks[self.rank]
        self.parameters_as_bucket_view = bool(parameters_as_bucket_view)
        self._optim_defaults = defaults
        self._partition_cache = None
        self._check_params()
        self.optim = optimizer_class(self._partition_parameters()[self.rank], **defaults)
        _sync_param_groups(self.optim.param_groups, self.param_groups)
        self._build_flat()
        self._all_state_dicts: list = []
        self.initialized = True

    # ---- partition and buffer -----------------------------------------------------------
    @property
    def _all_params(self) -> list:
        return [p for g in self.param_groups for p in g["params"]]

    def _check_params(self):
        """Same dtype and device everywhere; the same parameter shapes on every rank."""
        ps = self._all_params
        first = ps[0]
        for p in ps[1:]:
            if p.dtype != first.dtype or p.device != first.device:
                raise ValueError(
                    "ZeroRedundancyOptimizer only supports using the same dense type for all "
                    f"parameters but got both {first.dtype} on {first.device} and {p.dtype} "
                    f"on {p.device}"
                )
        mine = [[(tuple(p.shape), str(p.dtype)) for p in g["params"]]
                for g in self.param_groups]
        everyone = [None] * self.world_size
        all_gather_object(everyone, mine, group=self.process_group)
        for r, theirs in enumerate(everyone):
            if theirs != everyone[0]:
                raise RuntimeError(
                    "ZeroRedundancyOptimizer: the parameters differ between ranks (group rank "
                    f"0 has groups of shapes {everyone[0]}, group rank {r} has {theirs}); "
                    "every rank must pass the same parameters in the same order"
                )

    def _partition_parameters(self) -> list:
        """For each rank, its param groups (one per group of this optimizer, maybe empty)."""
        if self._partition_cache is None:
            world = self.world_size
            parts = [[] for _ in range(world)]
            sizes = [0] * world
            for group in self.param_groups:
                per_rank = [[] for _ in range(world)]
                for p in sorted(group["params"], key=lambda t: t.numel(), reverse=True):
                    r = sizes.index(min(sizes))
                    per_rank[r].append(p)
                    sizes[r] += p.numel()
                for r in range(world):
                    rank_group = dict(group)
                    rank_group["params"] = per_rank[r]
                    parts[r].append(rank_group)
            self._partition_cache = parts
        return self._partition_cache

    def _build_flat(self):
        """The flat buffer of ``world`` equal blocks, block r holding rank r's shard."""
        parts = self._partition_parameters()
        shards = [[p for g in groups for p in g["params"]] for groups in parts]
        block = max(1, max(sum(p.numel() for p in s) for s in shards))
        p0 = self._all_params[0]
        flat = p0.xp.zeros(self.world_size * block, dtype=p0.array.dtype)
        self._mine, self._theirs = [], []
        for r, shard in enumerate(shards):
            off = r * block
            for p in shard:
                n = p.numel()
                view = flat[off:off + n].reshape(p.array.shape)
                view[...] = p.array
                if self.parameters_as_bucket_view:
                    p.array = view
                (self._mine if r == self.rank else self._theirs).append((p, view))
                off += n
        self._flat = flat

    def _sync_params(self):
        """Every rank's updated shard to every rank (one in-place all-gather)."""
        if self.world_size == 1:
            return
        for p, view in self._mine:
            if p.array is not view:  # a copy, or a step that gave the parameter new storage
                view[...] = p.array
                if self.parameters_as_bucket_view:
                    p.array = view
        wd = _watch("ZeroRedundancyOptimizer parameter all-gather")
        try:
            self._pg.impl.allgather_inplace(self._flat, False)
        finally:
            if wd is not None:
                wd.stop()
        for p, view in self._theirs:
            if p.array is not view:
                if self.parameters_as_bucket_view:
                    p.array = view
                else:
                    p.array[...] = view

    # ---- the optimizer API --------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group (on every rank: the partition is recomputed, a collective check).
        Parameters already in the optimizer keep their rank."""
        super().add_param_group(param_group)
        if self.initialized:
            self._check_params()
            self._partition_cache = None
            self.optim.add_param_group(self._partition_parameters()[self.rank][-1])
            _sync_param_groups(self.optim.param_groups, self.param_groups)
            self._build_flat()

    def step(self, closure=None, **kwargs):
        """Step this rank's shard, then bring every rank's parameters up to date.

        Returns:
            The loss ``closure`` returned (the local optimizer runs it), else None.
        """
        _sync_param_groups(self.param_groups, self.optim.param_groups)  # e.g. an LR scheduler's
        if closure is None:
            loss = self.optim.step(**kwargs)
        else:
            loss = self.optim.step(closure=closure, **kwargs)
        _sync_param_groups(self.optim.param_groups, self.param_groups)
        self._sync_params()
        return loss

    def consolidate_state_dict(self, to: int = 0) -> None:
        """Collect every rank's shard of the state on group rank ``to`` (call on every
        rank); ``state_dict()`` on that rank then returns the whole state."""
        if not isinstance(to, int) or not 0 <= to < self.world_size:
            raise ValueError(f"consolidate_state_dict: to={to!r} is not a rank of the process "
                             f"group (0..{self.world_size - 1})")
        _sync_param_groups(self.param_groups, self.optim.param_groups)
        local = _to_host(self.optim.state_dict())
        wd = _watch("ZeroRedundancyOptimizer.consolidate_state_dict")
        try:
            got = self._pg.impl.host.gather(local, root=to)
        finally:
            if wd is not None:
                wd.stop()
        self._all_state_dicts = [_from_host(sd) for sd in got] if self.rank == to else []

    def state_dict(self) -> dict:
        """The whole optimizer state as a plain (unsharded) optimizer over the same
        parameters would give it, as of the last ``consolidate_state_dict`` to this rank."""
        if not self._all_state_dicts:
            raise RuntimeError(
                "Optimizer state has not been consolidated on this rank. Please call "
                f"`consolidate_state_dict(to={self.rank})` on all ranks beforehand if you meant "
                "to save the global state."
            )
        sd = super().state_dict()
        index = {id(p): i for i, p in enumerate(self._all_params)}
        for r, local in enumerate(self._all_state_dicts):
            groups = self._partition_parameters()[r]
            if len(local["param_groups"]) != len(groups):
                raise RuntimeError("the consolidated state is older than the last "
                                   "add_param_group; call consolidate_state_dict again")
            for local_group, group in zip(local["param_groups"], groups):
                for i, p in zip(local_group["params"], group["params"]):
                    if i in local["state"]:
                        sd["state"][index[id(p)]] = local["state"][i]
        sd["state"] = dict(sorted(sd["state"].items()))
        return sd

    def load_state_dict(self, state_dict: dict) -> None:
        """Load a whole state (from ``state_dict()``, or a plain optimizer's over the same
        parameters): each rank keeps the part of its shard."""
        saved_groups = check_state_dict_groups(state_dict, self.param_groups)
        saved_index = {}
        for g, sg in zip(self.param_groups, saved_groups):
            saved_index.update((id(p), idx) for p, idx in zip(g["params"], sg["params"]))
        saved_state = {(int(k) if isinstance(k, str) and k.isdigit() else k): v
                       for k, v in state_dict["state"].items()}
        local_state, local_groups, n = {}, [], 0
        for group, sg in zip(self._partition_parameters()[self.rank], saved_groups):
            ids = []
            for p in group["params"]:
                s = saved_state.get(saved_index[id(p)])
                if s is not None:
                    local_state[n] = s
                ids.append(n)
                n += 1
            local_groups.append({**{k: v for k, v in sg.items() if k != "params"},
                                 "params": ids})
        self.optim.load_state_dict({"state": local_state, "param_groups": local_groups})
        for g, sg in zip(self.param_groups, saved_groups):
            for k, v in sg.items():
                if k != "params":
                    g[k] = tuple(v) if k == "betas" and isinstance(v, list) else deepcopy(v)
        _sync_param_groups(self.param_groups, self.optim.param_groups)


def _verify_params(params) -> list:
    """``params`` as a list of Tensors or of group dicts, with PyTorch's errors."""
    if isinstance(params, Tensor):
        raise TypeError("`params` argument should be an iterable of Tensors, but got a Tensor "
                        f"of shape {list(params.shape)}")
    try:
        items = list(params)
    except TypeError as e:
        raise TypeError("`params` argument should be an iterable of Tensors or dicts, but got "
                        f"{type(params).__name__}") from e
    if not items:
        raise ValueError("ZeroRedundancyOptimizer got an empty parameter list")
    if all(isinstance(p, dict) for p in items):
        for g in items:
            if "params" not in g:
                raise ValueError("Each parameter group passed-in via `params` must have a "
                                 "'params' key mapping to the parameters in the group")
    elif not all(isinstance(p, Tensor) for p in items):
        raise TypeError("`params` argument should be an iterable of Tensors or dicts")
    return items


def _sync_param_groups(src: list, dst: list) -> None:
    """Copy the hyper-parameters (all but 'params') of each group from ``src`` to ``dst``."""
    for s, d in zip(src, dst):
        for k, v in s.items():
            if k != "params":
                d[k] = v


def _to_host(obj):
    """A picklable snapshot: Tensors become NumPy copies."""
    if isinstance(obj, Tensor):
        return np.array(as_numpy(obj.array), copy=True)
    if isinstance(obj, dict):
        return {k: _to_host(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_host(v) for v in obj)
    return obj


def _from_host(obj):
    """Back from ``_to_host``: NumPy arrays become (CPU) Tensors, as PyTorch keeps the
    consolidated state on the CPU."""
    if isinstance(obj, np.ndarray):
        return Tensor._wrap(obj)
    if isinstance(obj, dict):
        return {k: _from_host(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_from_host(v) for v in obj)
    return obj
