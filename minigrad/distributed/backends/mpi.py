"""The ``mpi`` backend: collectives on contiguous NumPy arrays through mpi4py.

Each method starts one MPI call and returns the MPI request when ``async_op`` is true
(MPI's non-blocking ``I*`` collectives), otherwise completes it and returns None.
Reductions are done in place (``MPI.IN_PLACE``) on the caller's buffer.
"""
from __future__ import annotations

import numpy as np


class MPIBackend:
    """Collectives of one MPI communicator (a process group) on host arrays."""

    name = "mpi"

    def __init__(self, comm, MPI):
        self.comm, self.MPI = comm, MPI
        self._ops = {"sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN, "product": MPI.PROD,
                     "band": MPI.BAND, "bor": MPI.BOR, "bxor": MPI.BXOR}
        # MPI has no SUM/PROD on C bool: the logical ops give PyTorch's results
        self._bool_ops = {"sum": MPI.LOR, "max": MPI.LOR, "min": MPI.LAND, "product": MPI.LAND,
                          "band": MPI.LAND, "bor": MPI.LOR, "bxor": MPI.LXOR}

    # ---- helpers ---------------------------------------------------------------------------
    def check_array(self, a, who: str):
        if not isinstance(a, np.ndarray):
            raise RuntimeError(
                f"{who}: the mpi backend works on CPU tensors, got a tensor on "
                "another device; move it with .cpu() or use backend='nccl' for CUDA tensors"
            )

    def _spec(self, a):
        return [a, self.MPI.C_BOOL] if a.dtype == np.bool_ else a

    def _op(self, op: str, a):
        return (self._bool_ops if a.dtype == np.bool_ else self._ops)[op]

    def wait(self, req):
        req.Wait()

    def test(self, req) -> bool:
        return req.Test()

    def abort(self, code: int):
        self.MPI.COMM_WORLD.Abort(code)

    # ---- collectives -------------------------------------------------------------------------
    def allreduce(self, buf, op, async_op):
        c, ip = self.comm, self.MPI.IN_PLACE
        return (c.Iallreduce if async_op else c.Allreduce)(ip, self._spec(buf), self._op(op, buf))

    def broadcast(self, buf, root, async_op):
        return (self.comm.Ibcast if async_op else self.comm.Bcast)(self._spec(buf), root)

    def reduce(self, buf, op, root, async_op):
        c = self.comm
        send = self.MPI.IN_PLACE if c.rank == root else self._spec(buf)
        recv = self._spec(buf) if c.rank == root else None
        return (c.Ireduce if async_op else c.Reduce)(send, recv, self._op(op, buf), root)

    def allgather(self, send, recv, async_op):
        c = self.comm
        return (c.Iallgather if async_op else c.Allgather)(self._spec(send), self._spec(recv))

    def allgather_inplace(self, buf, async_op):
        """All-gather within ``buf``: rank r's block r (``buf.size // size`` elements) to
        every rank, no send buffer (``MPI_IN_PLACE``)."""
        c = self.comm
        return (c.Iallgather if async_op else c.Allgather)(self.MPI.IN_PLACE, self._spec(buf))

    def reduce_scatter(self, send, recv, op, async_op):
        c = self.comm
        f = c.Ireduce_scatter_block if async_op else c.Reduce_scatter_block
        return f(self._spec(send), self._spec(recv), self._op(op, send))

    def gather(self, send, recv, root, async_op):
        c = self.comm
        rbuf = self._spec(recv) if c.rank == root else None
        return (c.Igather if async_op else c.Gather)(self._spec(send), rbuf, root)

    def scatter(self, send, recv, root, async_op):
        c = self.comm
        sbuf = self._spec(send) if c.rank == root else None
        return (c.Iscatter if async_op else c.Scatter)(sbuf, self._spec(recv), root)

    def barrier(self, async_op):
        return self.comm.Ibarrier() if async_op else self.comm.Barrier()

    def send(self, buf, dst, tag, async_op):
        return (self.comm.Isend if async_op else self.comm.Send)(self._spec(buf), dst, tag)

    def recv(self, buf, src, tag, async_op):
        """Receive into ``buf``; the blocking form checks the message size first and
        returns the sender's rank in this group."""
        MPI, c = self.MPI, self.comm
        src = MPI.ANY_SOURCE if src is None else src
        if async_op:
            return c.Irecv(self._spec(buf), src, tag)
        status = MPI.Status()
        c.Probe(src, tag, status)
        nbytes = status.Get_count(MPI.BYTE)
        if nbytes != buf.nbytes:
            raise RuntimeError(
                f"recv: the tensor from rank {status.Get_source()} has {nbytes} bytes but the "
                f"receiving tensor has {buf.nbytes} ({buf.shape} {buf.dtype}); shapes and "
                "dtypes of send and recv must match"
            )
        c.Recv(self._spec(buf), status.Get_source(), tag, status)
        return status.Get_source()

    # ---- host-side helpers shared with the object collectives -------------------------------------
    def allreduce_host_max(self, a):
        self.comm.Allreduce(self.MPI.IN_PLACE, a, self.MPI.MAX)

    @property
    def host(self):
        """The mpi4py communicator used for pickled objects and shape checks."""
        return self.comm

    def free(self):
        if self.comm != self.MPI.COMM_NULL:
            self.comm.Free()
