"""Bucketed gradient averaging for DistributedDataParallel.

Parameters are grouped into buckets of about ``bucket_cap_mb`` (in reverse registration
order at first, which roughly follows the order backward produces gradients; after the
first iteration, in the order rank 0 saw them become ready). A post-accumulate-grad hook
on each parameter counts down its bucket; when a bucket is complete its gradients are
copied into one flat buffer, scaled by 1/world and handed to a non-blocking all-reduce,
while backward goes on producing the next gradients. Buckets start in index order on
every rank (collectives must be issued in the same order everywhere). Once the last
bucket has started, the reducer waits for all of them and writes the averages back.
"""
from __future__ import annotations

import time
import weakref

import numpy as np

_MB = 1024 * 1024


class _Bucket:
    __slots__ = ("index", "idx", "params", "offsets", "buffer", "pending", "req")

    def __init__(self, index, idx, params):
        self.index, self.idx, self.params = index, idx, params
        self.offsets, n = [], 0
        for p in params:
            self.offsets.append(n)
            n += p.numel()
        self.buffer = params[0].xp.empty(n, params[0].array.dtype)
        self.pending, self.req = 0, None


def _walk_leaves(outputs):
    """The leaf tensors the autograd graph of ``outputs`` reaches (for unused parameters)."""
    seen, leaves, stack = set(), set(), []
    for t in outputs:
        node = t._ctx if t._ctx is not None else t
        stack.append(node)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if getattr(node, "_is_tensor", False):
            leaves.add(id(node))
            continue
        for p in node.parents or ():
            if p is not None:
                stack.append(p)
    return leaves


class Reducer:
    """Averages the gradients of ``params`` over the process group ``pg`` during backward."""

    def __init__(self, params, pg, bucket_cap_mb, find_unused_parameters, grad_as_view=False):
        """``bucket_cap_mb`` None means PyTorch's default: a 1 MiB first bucket (so that
        communication starts early in backward), then 25 MiB buckets."""
        self.params = params
        self.pg, self.impl = pg, pg.impl
        self.world = pg.size()
        self.cap = max(1, int((25 if bucket_cap_mb is None else bucket_cap_mb) * _MB))
        self.first_cap = min(self.cap, _MB) if bucket_cap_mb is None else self.cap
        self.find_unused = find_unused_parameters
        self.grad_as_view = grad_as_view  # .grad becomes a view of its bucket (no copy back)
        self.expect = False  # a synchronised backward is under way
        self.ready_order: list[int] = []
        self.rebuilt = False
        self.last_wait_s = 0.0
        self._build(list(reversed(range(len(params)))))
        me = weakref.ref(self)
        self.handles = [p.register_post_accumulate_grad_hook(_hook(me, i))
                        for i, p in enumerate(params)]

    def _build(self, order):
        """Buckets over parameter indices in ``order``, split by dtype/device and size."""
        self.buckets, self.where = [], {}
        cur, size, key = [], 0, None
        for i in order:
            p = self.params[i]
            k = (p.array.dtype, str(p.device))
            nbytes = p.numel() * p.array.itemsize
            cap = self.first_cap if not self.buckets else self.cap
            if cur and (k != key or size + nbytes > cap):
                self._add_bucket(cur)
                cur, size = [], 0
            cur.append(i)
            size += nbytes
            key = k
        if cur:
            self._add_bucket(cur)

    def _add_bucket(self, idx):
        b = _Bucket(len(self.buckets), idx, [self.params[i] for i in idx])
        for j, i in enumerate(idx):
            self.where[i] = (b, j)
        self.buckets.append(b)

    # ---- per iteration ----------------------------------------------------------------------
    def prepare(self, outputs):
        """Called by forward when the next backward must synchronise gradients."""
        if self.expect:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a "
                "new one. This error indicates that your module has parameters that were not "
                "used in producing loss (or that backward was not called on its output). You "
                "can enable unused parameter detection by passing the keyword argument "
                "`find_unused_parameters=True` to DistributedDataParallel."
            )
        if not self.rebuilt and len(self.ready_order) == len(self.params):
            self._rebuild()
        self.ready_order = []
        for b in self.buckets:
            b.pending, b.req = len(b.params), None
        self.next_launch = 0
        self.expect = True
        self.used = None
        if self.find_unused:
            reached = _walk_leaves(outputs)
            self.used = np.array([id(p) in reached for p in self.params], dtype=np.int32)
            for i, p in enumerate(self.params):
                if not self.used[i]:
                    self._ready(i)

    def _rebuild(self):
        """Re-bucket in the order gradients became ready on rank 0 (same on all ranks)."""
        order = self.impl.host.bcast(self.ready_order, 0)
        self._build(order)
        self.rebuilt = True

    def on_grad(self, i):
        if self.expect:
            self.ready_order.append(i)
            self._ready(i)

    def _ready(self, i):
        b, _ = self.where[i]
        b.pending -= 1
        if b.pending == 0:
            while self.next_launch < len(self.buckets) and \
                    self.buckets[self.next_launch].pending == 0:
                self._launch(self.buckets[self.next_launch])
                self.next_launch += 1
            if self.next_launch == len(self.buckets):
                self._finish()
        elif self.next_launch and self.buckets[self.next_launch - 1].req is not None:
            # MPI moves non-blocking collectives forward inside MPI calls: poll one
            self.impl.test(self.buckets[self.next_launch - 1].req)

    def _launch(self, b):
        buf, xp, scale = b.buffer, b.params[0].xp, 1.0 / self.world
        for p, off in zip(b.params, b.offsets):
            n = p.numel()
            if p.grad is None:
                buf[off:off + n] = 0
            else:  # copy and divide by the world size in one pass
                xp.multiply(p.grad.array.reshape(-1), scale, out=buf[off:off + n])
        b.req = self.impl.allreduce(buf, "sum", True)

    def _finish(self):
        """Wait for every bucket and write the averaged gradients back (end of backward)."""
        from ...distributed.process_group import _watch

        used = self.used
        if used is not None:  # was each parameter used on some rank?
            self.impl.allreduce_host_max(used)
        wd = _watch("DistributedDataParallel gradient all-reduce")
        t0 = time.perf_counter()
        try:
            for b in self.buckets:
                self.impl.wait(b.req)
        finally:
            if wd is not None:
                wd.stop()
        self.last_wait_s = time.perf_counter() - t0  # communication left exposed at the end
        for b in self.buckets:
            for i, p, off in zip(b.idx, b.params, b.offsets):
                g = b.buffer[off:off + p.numel()].reshape(p.array.shape)
                if p.grad is None and used is not None and not used[i]:
                    continue  # unused on every rank: the gradient stays None, as in PyTorch
                if self.grad_as_view:
                    if p.grad is None or p.grad.array.base is not b.buffer:
                        p.grad = _wrap(g)
                elif p.grad is None:
                    p.grad = _wrap(g.copy())
                else:
                    p.grad.array[...] = g
        self.expect = False

    def remove(self):
        for h in self.handles:
            h.remove()


def _wrap(array):
    from ...tensor import Tensor

    return Tensor._wrap(array)


def _hook(reducer_ref, i):
    def hook(_param):
        r = reducer_ref()
        if r is not None:
            r.on_grad(i)
    return hook
