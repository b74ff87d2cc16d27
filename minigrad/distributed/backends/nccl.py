"""The ``nccl`` backend: collectives on CUDA arrays through CuPy's ``cupy.cuda.nccl``.

The ranks meet over MPI (rank 0 creates the NCCL id and broadcasts it), which also
carries pickled objects and the argument checks. Calls are enqueued on CuPy's current
stream, so, as with PyTorch's NCCL backend, a "blocking" call returns once enqueued and
later work on that stream sees its result; an async call's ``Work.wait()`` waits for a
CUDA event recorded after it.
"""
from __future__ import annotations

import numpy as np

from ... import backend as _backend

_DTYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64",
           "int8": "NCCL_INT8", "uint8": "NCCL_UINT8", "int32": "NCCL_INT32",
           "int64": "NCCL_INT64", "bool": "NCCL_UINT8"}
_OPS = {"sum": "NCCL_SUM", "product": "NCCL_PROD", "max": "NCCL_MAX", "min": "NCCL_MIN"}
_BOOL_OPS = {"sum": "NCCL_MAX", "product": "NCCL_MIN", "max": "NCCL_MAX", "min": "NCCL_MIN"}


def available() -> bool:
    cp = _backend._load_cupy()
    if cp is None:
        return False
    try:
        return cp.cuda.nccl is not None
    except Exception:  # cupy without NCCL support
        return False


def _nccl():
    cp = _backend.require_cuda()
    try:
        return cp, cp.cuda.nccl
    except Exception as e:
        raise RuntimeError(f"backend='nccl' needs CuPy built with NCCL ({e}); install the "
                           "NCCL wheel for your CUDA version (pip install nvidia-nccl-cu12)")


class NCCLBackend:
    """Collectives of one NCCL communicator on CuPy arrays (host work goes to ``host``)."""

    name = "nccl"

    def __init__(self, host_backend, local_rank: int):
        self.cp, self.nccl = _nccl()
        self.host_backend = host_backend
        self.comm_host = host_backend.comm
        self.rank, self.size = self.comm_host.rank, self.comm_host.size
        self.device_id = local_rank % self.cp.cuda.runtime.getDeviceCount()
        self.cp.cuda.Device(self.device_id).use()
        uid = self.nccl.get_unique_id() if self.rank == 0 else None
        uid = self.comm_host.bcast(uid, 0)
        self.comm = self.nccl.NcclCommunicator(self.size, uid, self.rank)

    # ---- helpers ---------------------------------------------------------------------------
    def check_array(self, a, who: str):
        if not isinstance(a, self.cp.ndarray):
            raise RuntimeError(f"{who}: the nccl backend works on CUDA tensors, got a CPU "
                               "tensor; move it with .cuda() or use backend='mpi'")

    def _dtype(self, a):
        name = _DTYPES.get(np.dtype(a.dtype).name)
        if name is None:
            raise RuntimeError(f"the nccl backend does not handle dtype {a.dtype}")
        return getattr(self.nccl, name)

    def _op(self, op, a):
        table = _BOOL_OPS if a.dtype == np.bool_ else _OPS
        if op not in table:
            raise RuntimeError(f"the nccl backend has no {op} reduction")
        return getattr(self.nccl, table[op])

    def _stream(self):
        return self.cp.cuda.get_current_stream().ptr

    def _done(self, async_op):
        if not async_op:
            return None
        ev = self.cp.cuda.Event()
        ev.record()
        return ev

    def wait(self, ev):
        ev.synchronize()

    def test(self, ev) -> bool:
        return ev.done

    @property
    def host(self):
        return self.comm_host

    def allreduce_host_max(self, a):
        self.host_backend.allreduce_host_max(a)

    def free(self):
        self.comm.destroy()
        self.host_backend.free()

    # ---- collectives -------------------------------------------------------------------------
    def allreduce(self, buf, op, async_op):
        p = buf.data.ptr
        self.comm.allReduce(p, p, buf.size, self._dtype(buf), self._op(op, buf), self._stream())
        return self._done(async_op)

    def broadcast(self, buf, root, async_op):
        p = buf.data.ptr
        self.comm.broadcast(p, p, buf.size, self._dtype(buf), root, self._stream())
        return self._done(async_op)

    def reduce(self, buf, op, root, async_op):
        p = buf.data.ptr
        self.comm.reduce(p, p, buf.size, self._dtype(buf), self._op(op, buf), root,
                         self._stream())
        return self._done(async_op)

    def allgather(self, send, recv, async_op):
        self.comm.allGather(send.data.ptr, recv.data.ptr, send.size, self._dtype(send),
                            self._stream())
        return self._done(async_op)

    def allgather_inplace(self, buf, async_op):
        """All-gather within ``buf`` (NCCL is in place when the send block sits at the
        rank's offset of the receive buffer)."""
        n = buf.size // self.size
        p = buf.data.ptr
        self.comm.allGather(p + self.rank * n * buf.itemsize, p, n, self._dtype(buf),
                            self._stream())
        return self._done(async_op)

    def reduce_scatter(self, send, recv, op, async_op):
        self.comm.reduceScatter(send.data.ptr, recv.data.ptr, recv.size, self._dtype(send),
                                self._op(op, send), self._stream())
        return self._done(async_op)

    def _grouped(self, pairs, async_op):
        """Run (kind, array, peer) sends and receives as one NCCL group."""
        s = self._stream()
        self.nccl.groupStart()
        for kind, a, peer in pairs:
            f = self.comm.send if kind == "send" else self.comm.recv
            f(a.data.ptr, a.size, self._dtype(a), peer, s)
        self.nccl.groupEnd()
        return self._done(async_op)

    def gather(self, send, recv, root, async_op):
        pairs = [("send", send, root)]
        if self.rank == root:
            pairs += [("recv", recv[i], i) for i in range(self.size)]
        return self._grouped(pairs, async_op)

    def scatter(self, send, recv, root, async_op):
        pairs = [("recv", recv, root)]
        if self.rank == root:
            pairs += [("send", send[i], i) for i in range(self.size)]
        return self._grouped(pairs, async_op)

    def barrier(self, async_op):
        ev = self.allreduce(self.cp.zeros(1, self.cp.float32), "sum", True)
        if async_op:
            return ev
        ev.synchronize()

    def send(self, buf, dst, tag, async_op):
        return self._grouped([("send", buf, dst)], async_op)

    def recv(self, buf, src, tag, async_op):
        if src is None:
            raise RuntimeError("recv: the nccl backend needs an explicit src rank")
        ev = self._grouped([("recv", buf, src)], async_op)
        return ev if async_op else src
