"""Collectives on picklable Python objects (``all_gather_object`` and friends).

Objects travel pickled (mpi4py's lowercase calls), between the ranks of one job only:
unpickling runs code chosen by the sender, so use these with trusted peers, as in PyTorch.
"""
from __future__ import annotations

from .process_group import _resolve, _watch, get_group_rank

__all__ = ["all_gather_object", "broadcast_object_list", "gather_object",
           "scatter_object_list"]


def _call(pg, what, fn, *args):
    wd = _watch(what)
    try:
        return fn(*args)
    finally:
        if wd is not None:
            wd.stop()


def _length(lst, n, who, name):
    if not isinstance(lst, list) or len(lst) != n:
        got = len(lst) if isinstance(lst, list) else type(lst).__name__
        raise ValueError(f"{who}: {name} must be a list of {n} entries (one per rank), got {got}")


def all_gather_object(object_list: list, obj, group=None) -> None:
    """Set ``object_list[i]`` to ``obj`` of group rank i, on every rank."""
    pg = _resolve(group)
    if pg is None:
        return
    _length(object_list, pg.size(), "all_gather_object", "object_list")
    object_list[:] = _call(pg, "all_gather_object", pg.impl.host.allgather, obj)


def broadcast_object_list(object_list: list, src: int = 0, group=None, device=None) -> None:
    """Replace the entries of ``object_list`` by those of rank ``src`` (same length on all)."""
    pg = _resolve(group)
    if pg is None:
        return
    root = get_group_rank(pg, src)
    got = _call(pg, "broadcast_object_list", pg.impl.host.bcast,
                list(object_list) if pg.rank() == root else None, root)
    if len(got) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(got)} objects but "
                         f"object_list here has {len(object_list)}")
    object_list[:] = got


def gather_object(obj, object_gather_list: list | None = None, dst: int = 0,
                  group=None) -> None:
    """Collect ``obj`` of every rank into ``object_gather_list`` on rank ``dst``."""
    pg = _resolve(group)
    if pg is None:
        return
    root = get_group_rank(pg, dst)
    if pg.rank() == root:
        _length(object_gather_list, pg.size(), "gather_object", "object_gather_list")
    got = _call(pg, "gather_object", pg.impl.host.gather, obj, root)
    if pg.rank() == root:
        object_gather_list[:] = got


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list=None,
                        src: int = 0, group=None) -> None:
    """Rank i gets ``scatter_object_input_list[i]`` of rank ``src`` in
    ``scatter_object_output_list[0]``."""
    pg = _resolve(group)
    if pg is None:
        return
    root = get_group_rank(pg, src)
    if pg.rank() == root:
        _length(scatter_object_input_list, pg.size(), "scatter_object_list",
                "scatter_object_input_list")
    if not isinstance(scatter_object_output_list, list) or not scatter_object_output_list:
        raise ValueError("scatter_object_list: scatter_object_output_list must be a non-empty "
                         "list")
    scatter_object_output_list[0] = _call(
        pg, "scatter_object_list", pg.impl.host.scatter,
        list(scatter_object_input_list) if pg.rank() == root else None, root)
