"""``DistributedDataParallel``: data-parallel training over a process group.

Every rank holds a full replica of the module and feeds it its own part of the batch;
after ``loss.backward()`` every replica's ``.grad`` holds the gradient averaged over
the ranks, so any optimizer then takes the same step everywhere. See docs/distributed.md.
"""
from __future__ import annotations

from contextlib import contextmanager

from ...autograd.grad_mode import is_grad_enabled
from ...tensor import Tensor
from ..module import Module
from ._reducer import Reducer

__all__ = ["DistributedDataParallel"]


def _tensors_in(obj, out):
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _tensors_in(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tensors_in(o, out)
    return out


class DistributedDataParallel(Module):
    """Wrap ``module`` so that backward averages gradients across the process group.

    At construction the parameters and buffers of rank 0 are copied to every rank (the
    ranks must hold the same parameter shapes, checked). During backward, gradients are
    averaged in buckets of about ``bucket_cap_mb`` with non-blocking all-reduces started
    as soon as a bucket's gradients are complete, overlapping the rest of backward.

    Args:
        module: the model replica (on the device the backend handles).
        device_ids, output_device, dim: accepted for PyTorch compatibility (one device
            per process, as PyTorch recommends).
        broadcast_buffers: copy rank 0's buffers (e.g. BatchNorm statistics) to every
            rank at each forward.
        process_group: the group to average over (default: the world).
        bucket_cap_mb: bucket size in MiB (default: PyTorch's 25, with a first bucket of
            1 MiB so that communication starts early in backward).
        find_unused_parameters: walk the graph of forward's outputs to find parameters
            that will get no gradient, so backward does not wait for them; a parameter
            unused on every rank keeps ``grad=None``.
        gradient_as_bucket_view: after backward, each ``.grad`` is a view into its
            communication bucket instead of a copy (saves a pass over the gradients; the
            next synchronised backward overwrites them, as in PyTorch).
        static_graph, check_reduction: accepted, no effect.

    Attributes:
        module: the wrapped module (save ``ddp.module.state_dict()`` on rank 0).
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, **kwargs):
        super().__init__()
        from ... import distributed as dist
        from ...distributed.process_group import _resolve

        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel wraps a Module, got {type(module).__name__}")
        pg = _resolve(process_group)
        if pg is None:
            raise ValueError("DistributedDataParallel: this rank is not in process_group")
        self.module = module
        self.process_group = pg
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.dim = dim
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self._verify_shapes(dist, pg)
        self._sync(list(module.parameters()) + list(module.buffers()))
        self.reducer = Reducer(params, pg, bucket_cap_mb, find_unused_parameters,
                               gradient_as_bucket_view)

    def _verify_shapes(self, dist, pg):
        mine = [(n, tuple(p.shape), p.dtype.name) for n, p in self.module.named_parameters()]
        everyone = [None] * pg.size()
        dist.all_gather_object(everyone, mine, group=pg)
        for r, theirs in enumerate(everyone):
            if theirs != everyone[0]:
                diff = next((a, b) for a, b in zip(everyone[0] + [None], theirs + [None])
                            if a != b)
                raise RuntimeError(
                    f"DistributedDataParallel: the module's parameters differ between rank "
                    f"{pg.ranks[0]} and rank {pg.ranks[r]} (first difference: {diff[0]} vs "
                    f"{diff[1]}); every rank must build the same model"
                )

    def _sync(self, tensors):
        """Copy rank 0's tensors to every rank, one flat broadcast per dtype."""
        groups: dict = {}
        for t in tensors:
            groups.setdefault((t.array.dtype, str(t.device)), []).append(t)
        root = 0
        for ts in groups.values():
            xp = ts[0].xp
            flat = xp.concatenate([t.array.reshape(-1) for t in ts])
            self.process_group.impl.broadcast(flat, root, False)
            off = 0
            for t in ts:
                n = t.numel()
                t.array[...] = flat[off:off + n].reshape(t.array.shape)
                off += n

    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers:  # as PyTorch: also under no_sync and no_grad
            bufs = list(self.module.buffers())
            if bufs and self.process_group.size() > 1:
                self._sync(bufs)
        out = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self.reducer.prepare(_tensors_in(out, []))
        return out

    @contextmanager
    def no_sync(self):
        """Backward passes inside this block accumulate local gradients without
        communicating; the first synchronised backward after it averages the sum."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def __del__(self):
        reducer = self.__dict__.get("reducer")
        if reducer is not None:
            reducer.remove()
