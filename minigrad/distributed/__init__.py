"""``minigrad.distributed``: process groups and collectives, as ``torch.distributed``.

Runs on MPI through mpi4py (CPU tensors; ``pip install "minigrad[distributed]"``) and
on NCCL through CuPy (CUDA tensors). Start a job with ``mpiexec -n 2 python train.py``
and call ``init_process_group("mpi")`` in every process. Importing this package needs
neither runtime; ``init_process_group`` raises an ImportError naming the extra when
mpi4py is missing. See docs/distributed.md.
"""
from .collectives import (
    ReduceOp, Work, all_gather, all_gather_into_tensor, all_reduce, barrier, broadcast, gather,
    irecv, isend, recv, reduce, reduce_scatter_tensor, scatter, send,
)
from . import nn  # noqa: F401  (differentiable collectives)
from . import optim  # noqa: F401  (ZeroRedundancyOptimizer)
from .objects import all_gather_object, broadcast_object_list, gather_object, scatter_object_list
from .process_group import (
    Backend, GroupMember, ProcessGroup, default_pg_timeout, destroy_process_group,
    get_backend, get_global_rank, get_group_rank, get_process_group_ranks, get_rank,
    get_world_size, init_process_group, is_available, is_initialized, is_mpi_available,
    is_nccl_available, new_group,
)

group = GroupMember

__all__ = [
    "Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather",
    "all_gather_into_tensor", "all_gather_object", "all_reduce", "barrier", "broadcast",
    "broadcast_object_list", "default_pg_timeout", "destroy_process_group", "gather",
    "gather_object", "get_backend", "get_global_rank", "get_group_rank",
    "get_process_group_ranks", "get_rank", "get_world_size", "init_process_group", "irecv",
    "is_available", "is_initialized", "is_mpi_available", "is_nccl_available", "isend",
    "new_group", "recv", "reduce", "reduce_scatter_tensor", "scatter", "scatter_object_list",
    "send",
]
