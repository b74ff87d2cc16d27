"""Matrix products: matmul (1-D, 2-D, batched with broadcasting), mm, bmm, dot, outer, einsum.

Two primitives: ``MatMul`` (plain ``@``, BLAS) and ``Einsum``; the rest are checked
wrappers over them.
"""
from __future__ import annotations

import string

import numpy as np

from .._autocast import autocast_op
from ..autograd.function import Function
from ..autograd.grad_mode import _State
from ..tensor import Tensor
from ._util import cast, promote

_wrap = Tensor._wrap


class MatMul(Function):
    """y = x0 @ x1 (both at least 2-D); gx0 = gy @ x1^T, gx1 = x0^T @ gy"""

    def forward(self, x0, x1):
        self.save_for_backward(x0, x1)
        y = x0 @ x1
        # ml_dtypes' bfloat16 matmul returns float32 (it accumulates there, as PyTorch does)
        return y if y.dtype == x0.dtype else y.astype(x0.dtype)

    def backward(self, gy):
        x0, x1 = self.saved_tensors
        n0, n1 = self.needs_input_grad
        if _State.enabled:  # create_graph: differentiable ops
            gx0 = matmul(gy, x1.mT) if n0 else None
            gx1 = matmul(x0.mT, gy) if n1 else None
            return gx0, gx1
        # first order: straight to BLAS (transposes are views; the engine sums broadcast
        # batch dimensions down to each input's shape)
        g = gy.array
        gx0 = _wrap((g @ x1.array.swapaxes(-1, -2)).astype(g.dtype, copy=False)) if n0 else None
        gx1 = _wrap((x0.array.swapaxes(-1, -2) @ g).astype(g.dtype, copy=False)) if n1 else None
        return gx0, gx1


@autocast_op("matmul")
def matmul(a, b):
    """Matrix product with NumPy/PyTorch semantics: 1-D operands are promoted to a
    matrix and the added dimension removed; leading (batch) dimensions broadcast."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.is_sparse or b.is_sparse:  # minigrad.sparse: sparse @ dense, dense @ sparse
            return a.__matmul__(b) if a.is_sparse else b.__rmatmul__(a)
        ad, bd = a.array, b.array
        # the common case (two matrices of one dtype that fit) skips the general checks
        if ad.ndim == 2 and bd.ndim == 2 and ad.dtype is bd.dtype and ad.shape[1] == bd.shape[0]:
            return MatMul.apply(a, b)
    a, b = promote(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D "
            f"(shapes {tuple(a.shape)} and {tuple(b.shape)})"
        )
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_mat(a.shape)} and {_mat(b.shape)}): "
            f"inner dimensions {ka} and {kb} differ"
        )
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
        except ValueError:
            raise RuntimeError(
                f"matmul: the batch dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} "
                f"do not broadcast ({tuple(a.shape[:-2])} vs {tuple(b.shape[:-2])})"
            ) from None
    if a.ndim == 1 and b.ndim == 1:
        return MatMul.apply(a.unsqueeze(0), b.unsqueeze(-1)).reshape(())
    if a.ndim == 1:
        return matmul(a.unsqueeze(0), b).squeeze(-2)
    if b.ndim == 1:
        return matmul(a, b.unsqueeze(-1)).squeeze(-1)
    return MatMul.apply(a, b)



class Linear(Function):
    """y = x @ w^T + b (x's leading dims flattened to rows); gx = gy @ w, gw = gy^T @ x,
    gb = sum of gy over the rows. One GEMM per output; the bias is added in place and the
    weight gradient comes out contiguous in w's layout (no transposed copy)."""

    def forward(self, x, w, b=None):
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
        y = x2 @ w.T
        if y.dtype != x.dtype:  # bfloat16 (ml_dtypes) products come back in float32
            y = y.astype(x.dtype)
        if b is not None:
            y += b
        self.save_for_backward(x, w)
        return y if x.ndim == 2 else y.reshape(x.shape[:-1] + (w.shape[0],))

    def backward(self, gy):
        x, w = self.saved_tensors
        need = self.needs_input_grad
        if _State.enabled:  # create_graph: the same formulas as differentiable ops
            gy2 = gy.reshape(-1, gy.shape[-1])
            gx = matmul(gy, w) if need[0] else None
            gw = matmul(gy2.mT, x.reshape(-1, x.shape[-1])) if need[1] else None
            if len(need) == 2:
                return gx, gw
            return gx, gw, gy2.sum(0) if need[2] else None
        g, xd, wd = gy.array, x.array, w.array
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
        x2 = xd if xd.ndim == 2 else xd.reshape(-1, xd.shape[-1])
        gx = _wrap((g @ wd).astype(xd.dtype, copy=False)) if need[0] else None
        gw = _wrap((g2.T @ x2).astype(wd.dtype, copy=False)) if need[1] else None
        if len(need) == 2:
            return gx, gw
        return gx, gw, _wrap(g2.sum(axis=0)) if need[2] else None


@autocast_op("linear")
def linear(x, w, b=None):
    """``x @ w.T + b`` as one primitive: x (*, in), w (out, in), b (out,) or None."""
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise RuntimeError(
            f"linear: input of shape {tuple(x.shape)} doesn't match weight of shape "
            f"{tuple(w.shape)} (expected input.shape[-1] == weight.shape[1])"
        )
    if b is not None and (b.ndim != 1 or b.shape[0] != w.shape[0] or b.array.dtype != w.array.dtype):
        return linear(x, w) + b  # an unusual bias: ordinary broadcasting and promotion
    if x.array.dtype != w.array.dtype:
        x, w = promote(x, w)
        if b is not None:
            b = cast(b, w.array.dtype)
    return Linear.apply(x, w) if b is None else Linear.apply(x, w, b)


def _mat(shape):
    return "x".join(str(s) for s in shape)


@autocast_op("mm")
def mm(a, b):
    """Matrix product of two 2-D tensors, (n, k) @ (k, m) -> (n, m)."""
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(
            f"mm: both arguments must be matrices (2-D), got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}; use matmul for 1-D or batched operands"
        )
    return matmul(a, b)


@autocast_op("bmm")
def bmm(a, b):
    """Batched matrix product of two 3-D tensors, (B, n, k) @ (B, k, m) -> (B, n, m)
    (no broadcasting of the batch dimension)."""
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(
            f"bmm: both arguments must be 3-D (batch, n, m), got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(
            f"bmm: expected shapes (B, n, k) and (B, k, m), got {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    return matmul(a, b)


def dot(a, b):
    """Inner product of two 1-D tensors of the same size (a 0-d tensor)."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(
            f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors (shapes "
            f"{tuple(a.shape)} and {tuple(b.shape)})"
        )
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"dot: inconsistent tensor size, expected tensors of shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)} to have the same number of elements"
        )
    return matmul(a, b)


def outer(a, b):
    """Outer product of two 1-D tensors: ``out[i, j] = a[i] * b[j]``."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(
            f"outer: 1D tensors expected, but got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    a, b = promote(a, b)
    return a.unsqueeze(1) * b.unsqueeze(0)


# ---- einsum ------------------------------------------------------------------------------


class Einsum(Function):
    """y = einsum(terms -> out); gx_k = einsum(out, terms except k -> term_k), with labels
    only term k has broadcast back and repeated labels (diagonals) scattered back."""

    def forward(self, *xs, terms, out, sizes):
        self.terms, self.out, self.sizes = terms, out, sizes
        self.save_for_backward(*xs)
        big = len(xs) > 2 or max(x.size for x in xs) >= 4096
        return self.xp.einsum(",".join(terms) + "->" + out, *xs, optimize=big)

    def backward(self, gy):
        from .indexing import IndexAdd, _Index

        xs = self.saved_tensors
        sizes = self.sizes
        gxs = []
        for k, need in enumerate(self.needs_input_grad):
            if not need:
                gxs.append(None)
                continue
            term = self.terms[k]
            uniq = "".join(dict.fromkeys(term))
            others = [j for j in range(len(xs)) if j != k]
            avail = set(self.out).union(*[self.terms[j] for j in others])
            keep = "".join(c for c in uniq if c in avail)
            g = Einsum.apply(gy, *[xs[j] for j in others],
                             terms=(self.out,) + tuple(self.terms[j] for j in others),
                             out=keep, sizes=sizes)
            if keep != uniq:  # labels summed within operand k alone: broadcast back
                g = g.reshape(tuple(sizes[c] if c in avail else 1 for c in uniq))
                g = g.expand(tuple(sizes[c] for c in uniq))
            if len(uniq) != len(term):  # repeated labels: g lives on a diagonal of x_k
                xp, n = gy.xp, len(uniq)
                key = tuple(
                    xp.arange(sizes[c]).reshape([-1 if q == uniq.index(c) else 1 for q in range(n)])
                    for c in term
                )
                g = IndexAdd.apply(g, shape=tuple(xs[k].shape), idx=_Index(key, unique=True))
            gxs.append(g)
        return tuple(gxs)


def _einsum_error(equation, msg):
    return RuntimeError(f"einsum(): {msg} (equation '{equation}')")


def _parse_term(equation, term, where):
    """Letters of one subscript term and whether it has an ellipsis."""
    if term.count("...") > 1:
        raise _einsum_error(equation, f"{where} has more than one ellipsis ('...')")
    ell = "..." in term
    letters = term.replace("...", "")
    for c in letters:
        if c not in string.ascii_letters:
            raise _einsum_error(
                equation, f"invalid subscript {c!r} in {where}: subscripts must be in [a-zA-Z]"
            )
    return letters, ell


@autocast_op("einsum")
def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``.

    Supports implicit output (the labels that appear once, sorted), ``'...'`` for
    broadcast dimensions, repeated labels (diagonals) and size-1 broadcasting. Operands
    may also be passed as one list. Differentiable to any order.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError(
            "einsum(): must specify the equation string and at least one operand, or at least "
            "one operand and its subscripts list"
        )
    if not all(isinstance(t, Tensor) for t in operands):
        raise TypeError("einsum(): expected one or more Tensor operands after the equation")
    ref = operands[0]
    for t in operands[1:]:
        ref = promote(ref, t)[0]  # ends with the common dtype of all operands
    operands = tuple(cast(t, ref.array.dtype) for t in operands)
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    if "->" in out:
        raise _einsum_error(equation, "more than one '->'")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise _einsum_error(
            equation, f"the equation has {len(terms)} operand term(s) but {len(operands)} "
            "operand(s) were given"
        )
    parsed = [_parse_term(equation, t, f"operand {i}") for i, t in enumerate(terms)]
    n_ell = []
    for i, ((letters, ell), t) in enumerate(zip(parsed, operands)):
        if len(letters) > t.ndim or (not ell and len(letters) != t.ndim):
            raise _einsum_error(
                equation, f"{len(letters)} subscripts for operand {i} of shape {tuple(t.shape)} "
                f"({t.ndim} dimensions)" + ("" if ell else " and no ellipsis was given")
            )
        n_ell.append(t.ndim - len(letters) if ell else 0)
    used = set("".join(p[0] for p in parsed))
    n_e = max(n_ell)
    spare = [c for c in string.ascii_letters if c not in used]
    if n_e > len(spare):
        raise _einsum_error(equation, "too many dimensions: einsum supports at most 52 labels")
    ell_letters = "".join(spare[:n_e])
    new_terms = tuple(
        t.replace("...", ell_letters[n_e - e:]) for t, e in zip(terms, n_ell)
    )
    if arrow:
        letters, ell = _parse_term(equation, out, "the output")
        for c in letters:
            if letters.count(c) > 1:
                raise _einsum_error(equation, f"output subscript {c} appears more than once")
            if c not in used:
                raise _einsum_error(
                    equation, f"output subscript {c} does not appear in any operand's subscripts"
                )
        new_out = out.replace("...", ell_letters)
    else:
        once = sorted(c for c in used if lhs.count(c) == 1)
        new_out = ell_letters + "".join(once)
    # label sizes; a size-1 dimension broadcasts against the others (as in PyTorch)
    sizes: dict = {}
    for i, (t, term) in enumerate(zip(operands, new_terms)):
        for c, s in zip(term, t.shape):
            if c in sizes and s != sizes[c] and s != 1 and sizes[c] != 1:
                raise _einsum_error(
                    equation, f"subscript {c} has size {s} for operand {i} of shape "
                    f"{tuple(t.shape)}, which does not broadcast with the size {sizes[c]} seen before"
                )
            if c not in sizes or sizes[c] == 1:
                sizes[c] = s
    ops = []
    for t, term in zip(operands, new_terms):
        target = tuple(sizes[c] for c in term)
        ops.append(t.expand(target) if target != tuple(t.shape) else t)
    if len(ops) <= 2:
        return Einsum.apply(*ops, terms=new_terms, out=new_out, sizes=sizes)
    return _contract_pairwise(ops, list(new_terms), new_out, sizes)


def _contract_pairwise(ops, terms, out, sizes):
    """Three or more operands, as a chain of two-operand Einsums in the order NumPy's
    greedy ``einsum_path`` picks for a few operands (its multi-operand steps split into
    pairs) and left to right for many, so any number of operands works (NumPy's own
    einsum takes at most 64) and the backward of each step involves two operands."""
    if len(ops) <= 8:
        shapes = [np.broadcast_to(np.empty((), np.int8), t.shape) for t in ops]  # no memory
        path = np.einsum_path(",".join(terms) + "->" + out, *shapes, optimize="greedy")[0][1:]
    else:  # the greedy search is quadratic in the operand count: take them in order
        path = [tuple(range(len(ops)))]
    left = {}  # label -> in how many remaining terms (and the output) it appears
    for term in terms + [out]:
        for c in set(term):
            left[c] = left.get(c, 0) + 1
    ops = list(ops)
    for step in path:
        picked = [(ops[i], terms[i]) for i in step]
        for i in sorted(step, reverse=True):
            del ops[i], terms[i]
        x, tx = picked[0]
        for y, ty in picked[1:]:
            for c in set(tx) | set(ty):
                left[c] -= (c in tx) + (c in ty)
            keep = "".join(c for c in dict.fromkeys(tx + ty) if left[c] > 0)
            for c in keep:
                left[c] += 1
            x, tx = Einsum.apply(x, y, terms=(tx, ty), out=keep, sizes=sizes), keep
        ops.append(x)
        terms.append(tx)
    x, tx = ops[0], terms[0]
    return x if tx == out else Einsum.apply(x, terms=(tx,), out=out, sizes=sizes)


__all__ = ["bmm", "dot", "einsum", "matmul", "mm", "outer"]  # linear: nn.functional only
