"""Collectives and point-to-point calls on Tensors, with ``torch.distributed``'s signatures.

Every call works in place on the tensors PyTorch writes to. ``async_op=True`` returns a
``Work`` whose ``wait()`` completes the call; otherwise the call returns None once done.

Before each collective the ranks compare a fingerprint of what they were asked to do
(the call, shapes, dtypes, op, root) in one small all-reduce, so a shape mismatch raises
a ``RuntimeError`` listing every rank's arguments instead of hanging or returning garbage.
Set ``MINIGRAD_DISTRIBUTED_CHECKS=0`` to skip that check (one tiny message per call).
"""
from __future__ import annotations

import enum
import functools
import hashlib
import os

import numpy as np

from ..tensor import Tensor
from .process_group import _resolve, _watch, get_group_rank

__all__ = ["ReduceOp", "Work", "all_reduce", "broadcast", "reduce", "all_gather",
           "all_gather_into_tensor", "reduce_scatter_tensor", "gather", "scatter", "barrier",
           "send", "recv", "isend", "irecv"]


class ReduceOp(enum.Enum):
    """Reduction of a collective: ``ReduceOp.SUM``, ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``
    (and the bitwise ``BAND``, ``BOR``, ``BXOR`` for integer tensors)."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    BAND = "band"
    BOR = "bor"
    BXOR = "bxor"


_OP_NAMES = {op: op.value for op in ReduceOp}  # Enum.value is slow on a hot path


class Work:
    """Handle of an ``async_op=True`` call: ``wait()`` blocks until it completes (and then
    the output tensors hold the result); ``is_completed()`` polls without blocking."""

    def __init__(self, pg, req, finish, what: str):
        self._pg, self._req, self._finish, self._what = pg, req, finish, what
        self._done = req is None
        self._result = None
        if self._done:
            self._result = finish() if finish is not None else None

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._result = self._finish()

    def wait(self, timeout=None) -> bool:
        if not self._done:
            wd = _watch(self._what)
            try:
                self._pg.impl.wait(self._req)
            finally:
                if wd is not None:
                    wd.stop()
            self._complete()
        return True

    def is_completed(self) -> bool:
        if not self._done and self._pg.impl.test(self._req):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def result(self):
        """The call's result (the sender's rank for ``irecv``), after ``wait()``."""
        self.wait()
        return self._result


# ---- shared helpers -------------------------------------------------------------------------

def _checks_enabled() -> bool:
    return os.environ.get("MINIGRAD_DISTRIBUTED_CHECKS", "1") not in ("0", "false", "False")


def _describe(t: Tensor) -> str:
    return f"shape {tuple(t.shape)} {t.dtype.name}"


@functools.lru_cache(maxsize=4096)  # a speed-up only: calls repeat the same few signatures
def _fingerprint(what: str, shape: tuple, dtype: str, extra: str) -> int:
    key = f"{what}|{shape}|{dtype}|{extra}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=7).digest(), "big")


def _check_same(pg, what: str, t: Tensor, extra: str = ""):
    """All ranks of ``pg`` must call ``what`` on the same shape and dtype with the same
    ``extra`` (op, root); else every rank raises, listing what each rank called."""
    if pg.size() == 1 or not _checks_enabled():
        return
    a = t.array
    h = _fingerprint(what, a.shape, a.dtype.str, extra)
    fp = np.array([h, -h], dtype=np.int64)
    wd = _watch(what)
    try:
        pg.impl.allreduce_host_max(fp)
        if fp[0] == -fp[1]:
            return
        desc = _describe(t) + (f", {extra}" if extra else "")
        seen = pg.impl.host.allgather(f"{what}({desc})")
    finally:
        if wd is not None:
            wd.stop()
    lines = "\n".join(f"  rank {pg.ranks[i]}: {s}" for i, s in enumerate(seen))
    raise RuntimeError(f"{what}: the ranks called collectives with different arguments "
                       f"(shapes, dtypes, ops and roots must match):\n{lines}")


def _tensor(t, who: str, name: str = "tensor") -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{who}: {name} must be a Tensor, got {type(t).__name__}")
    return t


def _contiguous(pg, t: Tensor, who: str):
    """The array to communicate, and whether it must be copied back into ``t``."""
    a = t.array
    pg.impl.check_array(a, who)
    if a.flags.c_contiguous:
        return a, False
    return t.xp.ascontiguousarray(a), True


def _written(t: Tensor, buf, copy_back: bool):
    if copy_back:
        t.array[...] = buf.reshape(t.array.shape)
    t._vc[0] += 1


def _root(pg, global_rank: int, who: str) -> int:
    try:
        return get_group_rank(pg, global_rank)
    except ValueError:
        raise ValueError(f"{who}: rank {global_rank} is not a member of {pg}") from None


def _op_name(op) -> str:
    name = _OP_NAMES.get(op) if isinstance(op, ReduceOp) else None
    if name is not None:
        return name
    if isinstance(op, str):
        op = ReduceOp(op.lower())
    if not isinstance(op, ReduceOp):
        raise TypeError(f"op must be a ReduceOp, got {type(op).__name__}")
    return op.value


def _reduce_op(op, t: Tensor, who: str) -> tuple[str, bool]:
    """(the backend's op, whether to divide by the group size afterwards)."""
    name = _op_name(op)
    if name in ("band", "bor", "bxor") and t.dtype.is_floating_point:
        raise RuntimeError(f"{who}: {op} needs an integer or bool tensor, got {t.dtype.name}")
    if name == "avg" and t.dtype.name == "bool":
        raise RuntimeError(f"{who}: ReduceOp.AVG is not defined for bool tensors")
    return ("sum", True) if name == "avg" else (name, False)


def _average(buf, n: int):
    if buf.dtype.kind == "f":
        buf /= n
    else:  # integer mean rounds toward zero, like NCCL's
        buf[...] = (buf / n).astype(buf.dtype)


def _run(pg, what: str, start, finish, async_op: bool):
    """Start a call (``start(async_op)`` gives a request or None) and complete it."""
    if async_op:
        return Work(pg, start(True), finish, what)
    wd = _watch(what)
    try:
        start(False)
    finally:
        if wd is not None:
            wd.stop()
    if finish is not None:
        finish()
    return None


# ---- collectives ------------------------------------------------------------------------------

def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` over all ranks of ``group``; every rank gets the result in place."""
    pg = _resolve(group)
    if pg is None:
        return None
    _tensor(tensor, "all_reduce")
    mop, avg = _reduce_op(op, tensor, "all_reduce")
    buf, back = _contiguous(pg, tensor, "all_reduce")
    _check_same(pg, "all_reduce", tensor, f"op={_op_name(op)}")

    def finish():
        if avg:
            _average(buf, pg.size())
        _written(tensor, buf, back)

    return _run(pg, "all_reduce", lambda a: pg.impl.allreduce(buf, mop, a), finish, async_op)


def broadcast(tensor: Tensor, src: int = 0, group=None, async_op: bool = False):
    """Copy ``tensor`` of rank ``src`` (a global rank) into ``tensor`` on every rank."""
    pg = _resolve(group)
    if pg is None:
        return None
    _tensor(tensor, "broadcast")
    root = _root(pg, src, "broadcast")
    buf, back = _contiguous(pg, tensor, "broadcast")
    _check_same(pg, "broadcast", tensor, f"src={src}")
    return _run(pg, "broadcast", lambda a: pg.impl.broadcast(buf, root, a),
                lambda: _written(tensor, buf, back), async_op)


def reduce(tensor: Tensor, dst: int = 0, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` over all ranks into ``tensor`` of rank ``dst`` (others unchanged)."""
    pg = _resolve(group)
    if pg is None:
        return None
    _tensor(tensor, "reduce")
    root = _root(pg, dst, "reduce")
    mop, avg = _reduce_op(op, tensor, "reduce")
    buf, back = _contiguous(pg, tensor, "reduce")
    _check_same(pg, "reduce", tensor, f"op={_op_name(op)}, dst={dst}")
    is_root = pg.rank() == root

    def finish():
        if is_root:
            if avg:
                _average(buf, pg.size())
            _written(tensor, buf, back)

    return _run(pg, "reduce", lambda a: pg.impl.reduce(buf, mop, root, a), finish, async_op)


def _check_list(tensors, n: int, like: Tensor, who: str, name: str):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != n:
        got = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{who}: {name} must be a list of {n} tensors (one per rank), got {got}")
    for i, t in enumerate(tensors):
        _tensor(t, who, f"{name}[{i}]")
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(f"{who}: {name}[{i}] has {_describe(t)}, expected {_describe(like)}")


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """Fill ``tensor_list[i]`` with ``tensor`` of group rank i, on every rank."""
    pg = _resolve(group)
    if pg is None:
        return None
    _tensor(tensor, "all_gather")
    n = pg.size()
    _check_list(tensor_list, n, tensor, "all_gather", "tensor_list")
    send, _ = _contiguous(pg, tensor, "all_gather")
    recv = tensor.xp.empty((n,) + send.shape, send.dtype)
    _check_same(pg, "all_gather", tensor)

    def finish():
        for i, out in enumerate(tensor_list):
            out.array[...] = recv[i]
            out._vc[0] += 1

    return _run(pg, "all_gather", lambda a: pg.impl.allgather(send, recv, a), finish, async_op)


def _flat_output(pg, out: Tensor, who: str):
    a = out.array
    pg.impl.check_array(a, who)
    if a.flags.c_contiguous:
        return a.reshape(-1), False
    return out.xp.empty(a.size, a.dtype), True


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group=None,
                           async_op: bool = False):
    """Gather ``input_tensor`` of every rank into ``output_tensor``, concatenated along dim 0
    (output shape ``(world * d0, ...)``) or stacked (``(world, d0, ...)``)."""
    pg = _resolve(group)
    if pg is None:
        return None
    who = "all_gather_into_tensor"
    _tensor(output_tensor, who, "output_tensor")
    _tensor(input_tensor, who, "input_tensor")
    n = pg.size()
    if output_tensor.numel() != n * input_tensor.numel() or \
            output_tensor.dtype != input_tensor.dtype:
        raise ValueError(f"{who}: output_tensor ({_describe(output_tensor)}) must hold "
                         f"{n} x input_tensor ({_describe(input_tensor)})")
    send, _ = _contiguous(pg, input_tensor, who)
    recv, back = _flat_output(pg, output_tensor, who)
    _check_same(pg, who, input_tensor)
    return _run(pg, who, lambda a: pg.impl.allgather(send.reshape(-1), recv, a),
                lambda: _written(output_tensor, recv, back), async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op=ReduceOp.SUM, group=None,
                          async_op: bool = False):
    """Reduce ``input`` over all ranks and give group rank i the i-th of ``world`` equal
    chunks (along dim 0) of the result, in ``output``."""
    pg = _resolve(group)
    if pg is None:
        return None
    who = "reduce_scatter_tensor"
    _tensor(output, who, "output")
    _tensor(input, who, "input")
    n = pg.size()
    if input.numel() != n * output.numel() or output.dtype != input.dtype:
        raise ValueError(f"{who}: input ({_describe(input)}) must hold {n} x output "
                         f"({_describe(output)})")
    mop, avg = _reduce_op(op, input, who)
    send, _ = _contiguous(pg, input, who)
    recv, back = _flat_output(pg, output, who)
    _check_same(pg, who, input, f"op={_op_name(op)}")

    def finish():
        if avg:
            _average(recv, n)
        _written(output, recv, back)

    return _run(pg, who, lambda a: pg.impl.reduce_scatter(send.reshape(-1), recv, mop, a),
                finish, async_op)


def gather(tensor: Tensor, gather_list: list | None = None, dst: int = 0, group=None,
           async_op: bool = False):
    """Collect ``tensor`` of every rank into ``gather_list`` on rank ``dst`` (None elsewhere)."""
    pg = _resolve(group)
    if pg is None:
        return None
    _tensor(tensor, "gather")
    root = _root(pg, dst, "gather")
    n, is_root = pg.size(), pg.rank() == root
    if is_root:
        _check_list(gather_list, n, tensor, "gather", "gather_list")
    elif gather_list:
        raise ValueError("gather: gather_list must be None or empty on non-destination ranks")
    send, _ = _contiguous(pg, tensor, "gather")
    recv = tensor.xp.empty((n,) + send.shape, send.dtype) if is_root else None
    _check_same(pg, "gather", tensor, f"dst={dst}")

    def finish():
        if is_root:
            for i, out in enumerate(gather_list):
                out.array[...] = recv[i]
                out._vc[0] += 1

    return _run(pg, "gather", lambda a: pg.impl.gather(send, recv, root, a), finish, async_op)


def scatter(tensor: Tensor, scatter_list: list | None = None, src: int = 0, group=None,
            async_op: bool = False):
    """Give group rank i ``scatter_list[i]`` of rank ``src``, written into ``tensor``."""
    pg = _resolve(group)
    if pg is None:
        return None
    _tensor(tensor, "scatter")
    root = _root(pg, src, "scatter")
    n, is_root = pg.size(), pg.rank() == root
    send = None
    if is_root:
        _check_list(scatter_list, n, tensor, "scatter", "scatter_list")
        send = tensor.xp.stack([t.array for t in scatter_list])
    elif scatter_list:
        raise ValueError("scatter: scatter_list must be None or empty on non-source ranks")
    recv, back = _contiguous(pg, tensor, "scatter")
    _check_same(pg, "scatter", tensor, f"src={src}")
    return _run(pg, "scatter", lambda a: pg.impl.scatter(send, recv, root, a),
                lambda: _written(tensor, recv, back), async_op)


def barrier(group=None, async_op: bool = False, device_ids=None):
    """Block until every rank of ``group`` has reached this call."""
    pg = _resolve(group)
    if pg is None:
        return None
    return _run(pg, "barrier", lambda a: pg.impl.barrier(a), None, async_op)


# ---- point to point ---------------------------------------------------------------------------

def _peer(pg, rank, who):
    return None if rank is None else _root(pg, rank, who)


def isend(tensor: Tensor, dst: int, group=None, tag: int = 0) -> Work | None:
    """Start sending ``tensor`` to global rank ``dst``; returns a Work."""
    pg = _resolve(group)
    if pg is None:
        return None
    _tensor(tensor, "isend")
    buf, _ = _contiguous(pg, tensor, "isend")
    peer = _peer(pg, dst, "isend")
    work = Work(pg, pg.impl.send(buf, peer, tag, True), None, "isend")
    work._buf = buf  # the send buffer must outlive the request
    return work


def send(tensor: Tensor, dst: int, group=None, tag: int = 0) -> None:
    """Send ``tensor`` to global rank ``dst`` (returns once the buffer may be reused)."""
    pg = _resolve(group)
    if pg is None:
        return None
    _tensor(tensor, "send")
    buf, _ = _contiguous(pg, tensor, "send")
    peer = _peer(pg, dst, "send")
    return _run(pg, "send", lambda a: pg.impl.send(buf, peer, tag, a), None, False)


def irecv(tensor: Tensor, src: int | None = None, group=None, tag: int = 0) -> Work | None:
    """Start receiving into ``tensor`` from global rank ``src`` (None: any rank)."""
    pg = _resolve(group)
    if pg is None:
        return None
    _tensor(tensor, "irecv")
    buf, back = _contiguous(pg, tensor, "irecv")
    peer = _peer(pg, src, "irecv")
    return Work(pg, pg.impl.recv(buf, peer, tag, True), lambda: _written(tensor, buf, back),
                "irecv")


def recv(tensor: Tensor, src: int | None = None, group=None, tag: int = 0) -> int:
    """Receive into ``tensor`` from global rank ``src`` (None: any); returns the sender."""
    pg = _resolve(group)
    if pg is None:
        return -1
    _tensor(tensor, "recv")
    buf, back = _contiguous(pg, tensor, "recv")
    peer = _peer(pg, src, "recv")
    wd = _watch("recv")
    try:
        sender = pg.impl.recv(buf, peer, tag, False)
    finally:
        if wd is not None:
            wd.stop()
    _written(tensor, buf, back)
    return pg.ranks[sender]
