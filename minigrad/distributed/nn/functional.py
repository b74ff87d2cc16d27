"""Differentiable collectives, as ``torch.distributed.nn.functional``.

Unlike ``minigrad.distributed.all_reduce`` (in place, invisible to autograd), these return
a new tensor and take part in the graph: the gradient of a sum over ranks is the sum over
ranks of the gradients, so backward is itself an all-reduce, which every rank must run.
"""
from __future__ import annotations

from ...autograd.function import Function
from ..collectives import ReduceOp, _op_name
from ..collectives import all_reduce as _all_reduce

__all__ = ["all_reduce"]


class _AllReduce(Function):
    """y = sum (or mean) over ranks of x; gx = sum (or mean) over ranks of gy."""

    @staticmethod
    def forward(ctx, x, op, group):
        ctx.op, ctx.group = op, group
        y = x.detach().clone()
        _all_reduce(y, op=op, group=group)
        return y

    @staticmethod
    def backward(ctx, gy):
        gx = gy.detach().clone()
        _all_reduce(gx, op=ctx.op, group=ctx.group)
        return gx, None, None


def all_reduce(tensor, op=ReduceOp.SUM, group=None):
    """Return the reduction of ``tensor`` over the ranks of ``group``, differentiably.

    Args:
        tensor: the input (not modified).
        op: ``ReduceOp.SUM`` or ``ReduceOp.AVG`` (the differentiable reductions).
        group: the process group (default: the world).
    """
    if _op_name(op) not in ("sum", "avg"):
        raise RuntimeError(f"all_reduce: only ReduceOp.SUM and ReduceOp.AVG are "
                           f"differentiable here, got {op}")
    return _AllReduce.apply(tensor, op, group)
