"""A stand-in for ``cupy.cuda.nccl`` on top of tests/fake_cupy.py, for MPI jobs on CPUs.

NCCL's calls take device pointers; the fake arrays live in host memory, so each call
views the memory at the pointer as a NumPy array and does the same collective with
mpi4py. Only world-sized communicators are modelled (every rank creates each one).
"""
import ctypes
import types

import numpy as np
from mpi4py import MPI

# NCCL's enum values (nccl.h)
_DTYPES = {0: np.int8, 1: np.uint8, 2: np.int32, 4: np.int64, 6: np.float16, 7: np.float32,
           8: np.float64}
_OPS = {0: MPI.SUM, 1: MPI.PROD, 2: MPI.MAX, 3: MPI.MIN}
_group: list = []


def _view(ptr, count, dtype):
    dt = np.dtype(_DTYPES[dtype])
    if count == 0:
        return np.empty(0, dt)
    return np.frombuffer((ctypes.c_char * (count * dt.itemsize)).from_address(ptr), dt, count)


class NcclCommunicator:
    def __init__(self, ndev, uid, rank):
        assert uid == "fake-nccl-id" and ndev == MPI.COMM_WORLD.size
        self.comm = MPI.COMM_WORLD.Split(0, rank)
        self.calls = []

    def allReduce(self, send, recv, count, dtype, op, stream):
        r = _view(recv, count, dtype)
        s = MPI.IN_PLACE if send == recv else _view(send, count, dtype)
        self.comm.Allreduce(s, r, _OPS[op])

    def broadcast(self, send, recv, count, dtype, root, stream):
        r = _view(recv, count, dtype)
        if self.comm.rank == root and send != recv:
            r[:] = _view(send, count, dtype)
        self.comm.Bcast(r, root)

    def reduce(self, send, recv, count, dtype, op, root, stream):
        me = self.comm.rank == root
        s = MPI.IN_PLACE if me and send == recv else _view(send, count, dtype)
        self.comm.Reduce(s, _view(recv, count, dtype) if me else None, _OPS[op], root)

    def allGather(self, send, recv, count, dtype, stream):
        r = _view(recv, count * self.comm.size, dtype)
        in_place = send == recv + self.comm.rank * count * r.itemsize  # NCCL's in-place form
        self.comm.Allgather(MPI.IN_PLACE if in_place else _view(send, count, dtype), r)

    def reduceScatter(self, send, recv, count, dtype, op, stream):
        self.comm.Reduce_scatter_block(_view(send, count * self.comm.size, dtype),
                                       _view(recv, count, dtype), _OPS[op])

    def send(self, ptr, count, dtype, peer, stream):
        _group.append(lambda: self.comm.Isend(_view(ptr, count, dtype), peer))
        if len(_group) == 1 and not _in_group[0]:
            groupEnd()

    def recv(self, ptr, count, dtype, peer, stream):
        _group.append(lambda: self.comm.Irecv(_view(ptr, count, dtype), peer))
        if len(_group) == 1 and not _in_group[0]:
            groupEnd()

    def destroy(self):
        self.comm.Free()


_in_group = [False]


def groupStart():
    _in_group[0] = True


def groupEnd():
    _in_group[0] = False
    reqs = [start() for start in _group]
    _group.clear()
    MPI.Request.Waitall(reqs)


class Event:
    done = True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass


def install(cupy):
    """Give the fake CuPy module a ``cuda.nccl``, ``cuda.Event`` and stream pointers."""
    nccl = types.SimpleNamespace(
        NcclCommunicator=NcclCommunicator, get_unique_id=lambda: "fake-nccl-id",
        groupStart=groupStart, groupEnd=groupEnd,
        NCCL_INT8=0, NCCL_UINT8=1, NCCL_INT32=2, NCCL_INT64=4, NCCL_FLOAT16=6,
        NCCL_FLOAT32=7, NCCL_FLOAT64=8, NCCL_SUM=0, NCCL_PROD=1, NCCL_MAX=2, NCCL_MIN=3)
    cupy.cuda.nccl = nccl
    cupy.cuda.Event = Event
    cupy.cuda.get_current_stream().ptr = 0
    return nccl
