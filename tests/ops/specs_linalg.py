"""Specs for linear algebra: matmul (batched, broadcasting), mm, bmm, dot, outer, einsum."""
import numpy as np

from minigrad import ops

from .specs import OpSpec


def _torch():
    import torch

    return torch


def _es(eq, shapes, ref=None, name=None, torch=True):
    """An einsum entry; the reference is np.einsum on the same equation unless given."""
    return OpSpec(
        "einsum", lambda *xs: ops.einsum(eq, *xs),
        ref if ref is not None else (lambda *xs: np.einsum(eq, *xs)), shapes,
        torch_fn=(lambda *xs: _torch().einsum(eq, *xs)) if torch else None,
        id=f"einsum_{name or eq.replace('->', '_to_').replace(',', '_').replace('...', 'E')}",
    )


SPECS = [
    OpSpec("matmul", lambda a, b: a @ b, np.matmul,
           [((2, 1, 3, 4), (1, 5, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)), ((1, 2, 3), (3, 1))],
           id="matmul_batch", torch_fn=lambda a, b: a @ b),
    OpSpec("mm", ops.mm, np.matmul, [((3, 4), (4, 5)), ((1, 3), (3, 1))],
           torch_fn=lambda a, b: a.mm(b)),
    OpSpec("bmm", ops.bmm, np.matmul, [((2, 3, 4), (2, 4, 5)), ((1, 1, 2), (1, 2, 3))],
           torch_fn=lambda a, b: a.bmm(b)),
    OpSpec("linear", ops.linalg.linear, lambda x, w, b: x @ w.T + b,
           [((4, 3), (5, 3), (5,)), ((2, 3, 3), (4, 3), (4,)), ((3,), (2, 3), (2,))],
           id="linear_fused", torch_fn=lambda x, w, b: _torch().nn.functional.linear(x, w, b)),
    OpSpec("linear", ops.linalg.linear, lambda x, w: x @ w.T, [((4, 3), (5, 3)), ((2, 1, 3), (1, 3))],
           id="linear_fused_nobias", torch_fn=lambda x, w: _torch().nn.functional.linear(x, w)),
    OpSpec("dot", ops.dot, np.dot, [((4,), (4,)), ((1,), (1,))], torch_fn=lambda a, b: a.dot(b)),
    OpSpec("outer", ops.outer, np.outer, [((3,), (4,)), ((1,), (2,))],
           torch_fn=lambda a, b: a.outer(b)),
    _es("ij,jk->ik", [((3, 4), (4, 5))]),
    _es("ij,jk", [((3, 4), (4, 2))], name="implicit"),
    _es("bij,bjk->bik", [((2, 3, 4), (2, 4, 5))]),
    _es("ba,ab", [((3, 2), (2, 3))], name="implicit_scalar"),
    _es("ij->ji", [((3, 4),)]),
    _es("ij->", [((3, 4),)]),
    _es("ij->j", [((3, 4),)]),
    _es("i,i->", [((4,), (4,))]),
    _es("i,j->ij", [((3,), (4,))]),
    _es(",i->i", [((), (3,))], name="scalar_operand"),
    _es("ii->i", [((3, 3),)], name="diag"),
    _es("ii", [((3, 3),)], name="trace"),
    _es("iij,jk->ki", [((2, 2, 3), (3, 4))], name="diag_contract"),
    _es("ij,jk,kl->il", [((2, 3), (3, 4), (4, 2))], name="chain3"),
    _es("...ij,...jk->...ik", [((2, 3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2))], name="ellipsis"),
    _es("...ij,...jk", [((2, 1, 3, 4), (5, 4, 2))], name="ellipsis_implicit"),
    _es("i...->...", [((3, 2, 2),)], name="ellipsis_tail"),
    _es("Ab,bA->A", [((3, 2), (2, 3))], name="upper"),
    # size-1 labels and ellipsis dims not in the output broadcast / are summed (as in PyTorch)
    _es("ij,j->i", [((2, 3), (1,))], ref=lambda a, b: a @ np.broadcast_to(b, (3,)), name="bcast_label"),
    _es("...i->i", [((2, 3),)], ref=lambda a: a.sum(0), name="sum_ellipsis"),
]
