"""Process groups: ``init_process_group``, ``new_group`` and the rank/size queries.

Under ``mpiexec -n N`` each process learns its rank and the world size from MPI. A
``RANK`` (or ``rank=``) different from MPI's renumbers the processes, and ``WORLD_SIZE``
(or ``world_size=``) must agree with MPI's, so launchers that set those variables work
unchanged. Ranks given to collectives (``src``, ``dst``) are global ranks, as in PyTorch.
"""
from __future__ import annotations

import datetime
import os

from . import _runtime

default_pg_timeout = datetime.timedelta(minutes=30)


class Backend:
    """Backend names, as ``torch.distributed.Backend``."""

    MPI = "mpi"
    NCCL = "nccl"
    GLOO = "gloo"


class ProcessGroup:
    """A set of ranks that communicate together (PyTorch's ``ProcessGroup``).

    Attributes:
        ranks: the global ranks of the members, in group-rank order.
        impl: the backend object doing the communication (mpi or nccl).
    """

    def __init__(self, impl, ranks, backend: str):
        self.impl, self.ranks, self.backend = impl, list(ranks), backend
        self._index = {r: i for i, r in enumerate(self.ranks)}

    def rank(self) -> int:
        return self.impl.comm.rank if self.backend == "mpi" else self.impl.rank

    def size(self) -> int:
        return len(self.ranks)

    def __repr__(self):
        return f"ProcessGroup(backend={self.backend!r}, ranks={self.ranks})"


class GroupMember:
    """``GroupMember.WORLD`` is the default group; ``NON_GROUP_MEMBER`` is what
    ``new_group`` returns on ranks outside the new group."""

    WORLD = None
    NON_GROUP_MEMBER = object()


class _State:
    world: ProcessGroup | None = None
    watchdog: _runtime.Watchdog | None = None
    rank = -1
    groups: list = []


def is_available() -> bool:
    """Whether the MPI runtime (mpi4py) is installed; the package itself always imports."""
    return _runtime.mpi_available()


def is_mpi_available() -> bool:
    return _runtime.mpi_available()


def is_nccl_available() -> bool:
    from .backends import nccl

    return nccl.available()


def is_initialized() -> bool:
    return _State.world is not None


def _env_int(name: str, default: int) -> int:
    v = os.environ.get(name)
    return default if v in (None, "") else int(v)


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1,
                       rank: int = -1, store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Join the default process group (every process of the job must call it).

    Args:
        backend: ``"mpi"`` (CPU tensors) or ``"nccl"`` (CUDA tensors through CuPy's NCCL,
            bootstrapped over MPI); None picks ``"mpi"``.
        init_method: accepted for compatibility; processes meet through ``mpiexec``
            (``"env://"`` and None are the supported values).
        timeout: how long a collective may wait for the other ranks before the job is
            aborted with an error naming the call (default 30 minutes, as PyTorch's).
        world_size: number of processes; -1 takes ``WORLD_SIZE`` or MPI's size.
        rank: this process's rank; -1 takes ``RANK`` or MPI's rank.
        store, group_name, pg_options, device_id: accepted for compatibility, unused.
    """
    if _State.world is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    backend = (backend or "mpi").lower()
    if backend not in ("mpi", "nccl"):
        raise ValueError(
            f"init_process_group: backend {backend!r} is not supported by minigrad; "
            "use 'mpi' (CPU) or 'nccl' (CUDA)"
        )
    if init_method not in (None, "env://"):
        raise ValueError(
            f"init_process_group: init_method={init_method!r} is not supported: processes "
            "meet through mpiexec (use init_method=None or 'env://')"
        )
    if store is not None:
        raise ValueError("init_process_group: store= is not supported (processes meet "
                         "through mpiexec)")
    MPI = _runtime.load_mpi()
    comm = MPI.COMM_WORLD
    size = comm.Get_size()
    want_size = world_size if world_size != -1 else _env_int("WORLD_SIZE", size)
    if want_size != size:
        raise RuntimeError(
            f"init_process_group: world_size is {want_size} but MPI started {size} "
            f"process(es); start the job with mpiexec -n {want_size} python script.py"
        )
    want_rank = rank if rank != -1 else _env_int("RANK", comm.Get_rank())
    wanted = comm.allgather(want_rank)
    if sorted(wanted) != list(range(size)):
        raise RuntimeError(
            f"init_process_group: the requested ranks {wanted} are not 0..{size - 1} once each"
        )
    comm = comm.Split(0, want_rank)  # our own communicator, numbered as requested
    seconds = (timeout or default_pg_timeout).total_seconds()
    from .backends.mpi import MPIBackend

    impl = MPIBackend(comm, MPI)
    if backend == "nccl":
        from .backends.nccl import NCCLBackend

        impl = NCCLBackend(impl, _local_rank(comm, MPI))
    _State.rank = want_rank
    _State.world = ProcessGroup(impl, range(size), backend)
    if size > 1:
        _State.watchdog = _runtime.Watchdog(want_rank, seconds)


def _local_rank(comm, MPI) -> int:
    """``LOCAL_RANK`` if set, else this process's index among the ranks on its host."""
    if os.environ.get("LOCAL_RANK", "") != "":
        return int(os.environ["LOCAL_RANK"])
    node = comm.Split_type(MPI.COMM_TYPE_SHARED, comm.rank)
    local = node.rank
    node.Free()
    return local


def destroy_process_group(group=None) -> None:
    """Leave ``group`` (default: the world, which also frees every sub-group)."""
    if group is None or group is _State.world:
        if _State.world is None:
            raise RuntimeError("Default process group has not been initialized, please make "
                               "sure to call init_process_group.")
        for g in _State.groups:
            g.impl.free()
        _State.groups = []
        _State.world.impl.free()
        _State.world = None
        _State.rank = -1
        if _State.watchdog is not None:
            _State.watchdog.close()
            _State.watchdog = None
        return
    if group in _State.groups:
        _State.groups.remove(group)
        group.impl.free()


def _world() -> ProcessGroup:
    if _State.world is None:
        raise RuntimeError("Default process group has not been initialized, please make sure "
                           "to call init_process_group.")
    return _State.world


def _resolve(group) -> ProcessGroup | None:
    """The ProcessGroup to use, or None when this rank is not a member."""
    world = _world()
    if group is None or group is GroupMember.WORLD:
        return world
    if group is GroupMember.NON_GROUP_MEMBER:
        return None
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup or None, got {type(group).__name__}")
    return group


def get_rank(group=None) -> int:
    """This process's rank in ``group`` (-1 if it is not a member)."""
    pg = _resolve(group)
    return -1 if pg is None else (_State.rank if pg is _State.world else pg.rank())


def get_world_size(group=None) -> int:
    """Number of processes in ``group`` (-1 if this rank is not a member)."""
    pg = _resolve(group)
    return -1 if pg is None else pg.size()


def get_backend(group=None) -> str:
    pg = _resolve(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return pg.backend


def get_process_group_ranks(group) -> list[int]:
    pg = _resolve(group)
    return list(pg.ranks) if pg is not None else []


def get_group_rank(group, global_rank: int) -> int:
    """The rank within ``group`` of the process whose global rank is ``global_rank``."""
    pg = _resolve(group)
    try:
        return pg._index[global_rank]
    except (KeyError, AttributeError):
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}") from None


def get_global_rank(group, group_rank: int) -> int:
    pg = _resolve(group)
    if not 0 <= group_rank < pg.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
    return pg.ranks[group_rank]


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None):
    """A group of some of the processes; every process of the world must call it.

    Args:
        ranks: global ranks of the members (None: all); they are sorted, as in PyTorch.
        backend: the world's backend when None.

    Returns:
        The ProcessGroup on members, ``GroupMember.NON_GROUP_MEMBER`` elsewhere.
    """
    world = _world()
    size = world.size()
    ranks = list(range(size)) if ranks is None else sorted(int(r) for r in ranks)
    if len(set(ranks)) != len(ranks) or any(not 0 <= r < size for r in ranks):
        raise ValueError(f"new_group: ranks must be distinct values in 0..{size - 1}, "
                         f"got {ranks}")
    backend = (backend or world.backend).lower()
    base = world.impl if world.backend == "mpi" else world.impl.host_backend
    MPI = base.MPI
    comm = base.comm.Create(base.comm.group.Incl(ranks))
    if comm == MPI.COMM_NULL:
        return GroupMember.NON_GROUP_MEMBER
    from .backends.mpi import MPIBackend

    impl = MPIBackend(comm, MPI)
    if backend == "nccl":
        from .backends.nccl import NCCLBackend

        impl = NCCLBackend(impl, world.impl.device_id if world.backend == "nccl" else 0)
    pg = ProcessGroup(impl, ranks, backend)
    _State.groups.append(pg)
    return pg


def _watch(what: str):
    wd = _State.watchdog
    if wd is not None:
        wd.start(what)
    return wd
