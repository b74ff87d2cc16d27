"""Random expression DAGs: forward against NumPy, gradcheck, ``grad`` == ``backward``, and
bit-identical reruns.

A graph is a list of steps. Each step applies one entry of the op table to earlier steps
(any earlier step, so intermediates are reused) and carries a minigrad function and a pure
NumPy function side by side. The generator evaluates the NumPy side as it builds, which lets
it keep every op inside its smooth domain: positive-only ops get a ``softplus(x) + 0.5`` guard,
``exp`` a ``tanh`` guard, kinked ops (abs, relu, max, maximum) are only drawn where their
input stays ``KINK`` away from the kink or tie, and large values are rescaled. Detach points
and in-place updates of detached clones (under ``no_grad``) become constants for gradcheck, so
finite differences see the same function autograd differentiates.

``HYPOTHESIS_PROFILE=long`` runs 2000 graphs (see docs/reliability.md for the last result).
"""
from __future__ import annotations

import math
import os
import random

import numpy as np
from hypothesis import given, note
from hypothesis import strategies as st

import minigrad as mg
from minigrad import ops
from minigrad.autograd import grad, gradcheck

from . import _report

MAX_SIZE = 48  # elements per node: keeps gradcheck cheap
BIG = 30.0  # values beyond this are rescaled (keeps exp/pow/prod chains finite)
KINK = 0.05  # distance kept from kinks and ties
LEAF_RANGE = 2.0


# ---- choosers: hypothesis (shrinkable) or a seeded Random (for the coverage test) -------------

class HypChooser:
    def __init__(self, data):
        self._draw = data.draw

    def int(self, lo, hi):
        return self._draw(st.integers(lo, hi))

    def choice(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def coin(self, p=0.5):
        return self.int(0, 99) < int(p * 100)


class RandomChooser:
    def __init__(self, seed):
        self._r = random.Random(seed)

    def int(self, lo, hi):
        return self._r.randint(lo, hi)

    def choice(self, seq):
        return seq[self._r.randrange(len(seq))]

    def coin(self, p=0.5):
        return self._r.random() < p


# ---- the graph -----------------------------------------------------------------------------------

class Step:
    __slots__ = ("args", "frozen", "leaf", "mg", "name", "np", "text")

    def __init__(self, name, args, mg_fn, np_fn, frozen=False, leaf=None, text=""):
        self.name, self.args, self.mg, self.np = name, tuple(args), mg_fn, np_fn
        self.frozen, self.leaf, self.text = frozen, leaf, text


class Graph:
    """Steps plus, per step, the NumPy value and whether gradient reaches a leaf through it."""

    def __init__(self):
        self.steps: list[Step] = []
        self.values: list[np.ndarray] = []
        self.live: list[bool] = []
        self.leaves: list[tuple[int, np.ndarray, bool]] = []  # (step, value, requires_grad)

    @property
    def n_ops(self):
        return len(self.steps) - len(self.leaves)

    def leaf(self, ch, shape, requires_grad=True):
        seed = ch.int(0, 2**31 - 1)
        value = np.random.default_rng(seed).uniform(-LEAF_RANGE, LEAF_RANGE, shape)
        k = len(self.steps)
        self.steps.append(Step("leaf", (), None, None, leaf=len(self.leaves),
                               text=f"leaf{shape}{'' if requires_grad else ' const'}"))
        self.values.append(value)
        self.live.append(requires_grad)
        self.leaves.append((k, value, requires_grad))
        return k

    def add(self, name, args, mg_fn, np_fn, frozen=False, text=""):
        """Append a step if its NumPy value is finite and small; return its index or None."""
        with np.errstate(all="raise"):
            try:
                v = np.asarray(np_fn(*[self.values[a] for a in args]), dtype=np.float64)
            except (FloatingPointError, ValueError, IndexError):
                return None
        if v.size > MAX_SIZE or v.size == 0 or not np.isfinite(v).all():
            return None
        k = len(self.steps)
        self.steps.append(Step(name, args, mg_fn, np_fn, frozen, text=text))
        self.values.append(v)
        self.live.append(not frozen and any(self.live[a] for a in args))
        if v.size and np.abs(v).max() > BIG:
            c = float(BIG / 4 / np.abs(v).max())
            return self.add("rescale", (k,), lambda x: x * c, lambda x: x * c, text=f"* {c:.3g}")
        return k

    def sinks(self):
        used = {a for s in self.steps for a in s.args}
        return [k for k in range(len(self.steps)) if k not in used and self.live[k]
                and self.steps[k].name != "leaf"]

    def describe(self):
        return "\n".join(f"%{k} = {s.name}({', '.join(f'%{a}' for a in s.args)}) {s.text}"
                         f"{' [frozen]' if s.frozen else ''} -> {self.values[k].shape}"
                         for k, s in enumerate(self.steps))


def run(g: Graph, leaves, frozen=None):
    """Evaluate the graph with minigrad; ``frozen`` maps frozen steps to constant arrays."""
    vals = []
    for k, s in enumerate(g.steps):
        if s.leaf is not None:
            vals.append(leaves[s.leaf])
        elif frozen is not None and s.frozen:
            vals.append(mg.tensor(frozen[k]))
        else:
            vals.append(s.mg(*[vals[a] for a in s.args]))
    return vals


# ---- NumPy references ------------------------------------------------------------------------

def _axis(dim, ndim):
    if dim is None or ndim == 0:
        return None
    if isinstance(dim, tuple):
        return tuple(d % ndim for d in dim)
    return dim % ndim


def _np_lse(x, ax, keep=True):
    m = x.max(axis=ax, keepdims=True)
    r = m + np.log(np.exp(x - m).sum(axis=ax, keepdims=True))
    return r if keep else np.squeeze(r, axis=ax) if ax is not None else r.reshape(())


def _np_softmax(x, ax):
    e = np.exp(x - x.max(axis=ax, keepdims=True))
    return e / e.sum(axis=ax, keepdims=True)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _flat_along(x, ax):
    """x reshaped to (rest, reduced) for the given axis (None: all)."""
    if ax is None:
        return x.reshape(1, -1)
    axes = ax if isinstance(ax, tuple) else (ax,)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    n = math.prod(x.shape[a] for a in axes)
    return moved.reshape(-1, n)


def _gap(x, ax):
    """Smallest distance between the top two values of each reduced slice."""
    f = _flat_along(x, ax)
    if f.shape[1] < 2:
        return math.inf
    s = np.sort(f, axis=1)
    return float(min((s[:, -1] - s[:, -2]).min(), (s[:, 1] - s[:, 0]).min()))


# ---- op table: each builder draws attributes and appends one step (or returns None) ----------

def _pick(ch, g, live_bias=0.85):
    """An earlier step: mostly live ones, mostly recent ones (depth), sometimes any (reuse)."""
    pool = [k for k in range(len(g.steps)) if g.live[k]] if ch.coin(live_bias) else []
    pool = pool or list(range(len(g.steps)))
    if ch.coin(0.6):
        pool = pool[-4:]
    return ch.choice(pool)


def _guard_pos(g, x):
    """softplus(x) + 0.5 > 0.5: the input of log, sqrt, reciprocal, pow, division."""
    if g.values[x].min() > 0.2:
        return x
    return g.add("guard_pos", (x,), lambda t: ops.softplus(t) + 0.5,
                 lambda a: np.logaddexp(0.0, a) + 0.5)


def _guard_small(g, x, lim=3.0):
    if np.abs(g.values[x]).max() < lim:
        return x
    return g.add("guard_tanh", (x,), ops.tanh, np.tanh)


UNARY = {  # name: (minigrad, NumPy, guard)
    "neg": (ops.neg, np.negative, None),
    "tanh": (ops.tanh, np.tanh, None),
    "sigmoid": (ops.sigmoid, lambda a: 1 / (1 + np.exp(-a)), None),
    "sin": (ops.sin, np.sin, None),
    "cos": (ops.cos, np.cos, None),
    "atan": (ops.atan, np.arctan, None),
    "erf": (ops.erf, _erf, None),
    "softplus": (ops.softplus, lambda a: np.logaddexp(0.0, a), None),
    "silu": (ops.silu, lambda a: a / (1 + np.exp(-a)), None),
    "gelu": (ops.gelu, lambda a: 0.5 * a * (1 + _erf(a / math.sqrt(2))), None),
    "square": (ops.square, np.square, None),
    "exp": (ops.exp, np.exp, _guard_small),
    "expm1": (ops.expm1, np.expm1, _guard_small),
    "sinh": (ops.sinh, np.sinh, _guard_small),
    "cosh": (ops.cosh, np.cosh, _guard_small),
    "log": (ops.log, np.log, _guard_pos),
    "log1p": (ops.log1p, np.log1p, _guard_pos),
    "sqrt": (ops.sqrt, np.sqrt, _guard_pos),
    "rsqrt": (ops.rsqrt, lambda a: 1 / np.sqrt(a), _guard_pos),
    "reciprocal": (ops.reciprocal, np.reciprocal, _guard_pos),
    "abs": (ops.abs, np.abs, "kink"),
    "relu": (ops.relu, lambda a: np.maximum(a, 0.0), "kink"),
    "leaky_relu": (lambda t: ops.leaky_relu(t, 0.1), lambda a: np.where(a > 0, a, 0.1 * a), "kink"),
}


def b_unary(ch, g):
    name = ch.choice(sorted(UNARY))
    fm, fn, guard = UNARY[name]
    x = _pick(ch, g)
    if guard == "kink":
        if np.abs(g.values[x]).min() <= KINK:
            return None
    elif guard is not None:
        x = guard(g, x)
        if x is None:
            return None
    return g.add(name, (x,), fm, fn)


def _partner(ch, g, x, ok, make_shape):
    """Second operand: an earlier step for which ``ok(value)`` holds, or a fresh leaf."""
    if ch.coin(0.6):
        cands = [k for k in range(len(g.steps)) if ok(g.values[k])]
        if cands:
            return ch.choice(cands)
    shape = make_shape()
    if shape is None:
        return None
    return g.leaf(ch, shape, requires_grad=ch.coin(0.75))


def _broadcast_shape(ch, s):
    """A shape that broadcasts with s: s itself, a suffix, some dims set to 1, a new dim."""
    s = list(s)
    r = ch.int(0, 4)
    if r == 1:
        s = s[ch.int(0, len(s)):]
    elif r == 2:
        s = [1 if ch.coin() else d for d in s]
    elif r == 3 and math.prod(s) * 3 <= MAX_SIZE:
        s = [ch.int(2, 3)] + s
    elif r == 4:
        s = [1] * ch.int(0, 2) + s[len(s) // 2:]
    return tuple(s)


def _broadcasts(a_shape, b_shape):
    try:
        out = np.broadcast_shapes(a_shape, b_shape)
    except ValueError:
        return False
    return math.prod(out) <= MAX_SIZE


BINARY = {
    "add": (ops.add, np.add),
    "sub": (ops.sub, np.subtract),
    "mul": (ops.mul, np.multiply),
    "div": (ops.div, np.divide),
    "pow": (ops.pow, np.power),
    "maximum": (ops.maximum, np.maximum),
    "minimum": (ops.minimum, np.minimum),
}


def b_binary(ch, g):
    name = ch.choice(sorted(BINARY))
    fm, fn = BINARY[name]
    x = _pick(ch, g)
    sx = g.values[x].shape
    y = _partner(ch, g, x, lambda v: _broadcasts(sx, v.shape), lambda: _broadcast_shape(ch, sx))
    if y is None:
        return None
    if ch.coin(0.2):
        x, y = y, x
    if name == "div":
        y = _guard_pos(g, y)
    elif name == "pow":
        x = _guard_pos(g, x)
        if x is not None and y is not None:
            y = _guard_small(g, y)
    elif name in ("maximum", "minimum"):
        if not _broadcasts(g.values[x].shape, g.values[y].shape):
            return None
        if np.abs(g.values[x] - g.values[y]).min() <= KINK:
            return None
    if x is None or y is None:
        return None
    return g.add(name, (x, y), fm, fn)


def b_scalar(ch, g):
    """Tensor-scalar arithmetic with the scalar on either side (reflected dunders)."""
    x = _pick(ch, g)
    c = ch.choice([-2.5, -1.0, 0.5, 2.0, 3.0])
    kind = ch.choice(["add", "rsub", "mul", "rdiv", "pow_int", "pow_frac", "rpow"])
    if kind == "add":
        return g.add("scalar_add", (x,), lambda t: t + c, lambda a: a + c, text=f"+ {c}")
    if kind == "rsub":
        return g.add("scalar_rsub", (x,), lambda t: c - t, lambda a: c - a, text=f"{c} -")
    if kind == "mul":
        return g.add("scalar_mul", (x,), lambda t: c * t, lambda a: c * a, text=f"{c} *")
    if kind == "rdiv":
        x = _guard_pos(g, x)
        return None if x is None else g.add("scalar_rdiv", (x,), lambda t: c / t,
                                            lambda a: c / a, text=f"{c} /")
    if kind == "pow_int":
        e = ch.choice([2, 3])
        return g.add("scalar_pow", (x,), lambda t: t ** e, lambda a: a ** e, text=f"** {e}")
    if kind == "pow_frac":
        e = ch.choice([0.5, -0.5, 1.5, -1.0])
        x = _guard_pos(g, x)
        return None if x is None else g.add("scalar_pow", (x,), lambda t: t ** e,
                                            lambda a: a ** e, text=f"** {e}")
    x = _guard_small(g, x)
    b = abs(c)
    return None if x is None else g.add("scalar_rpow", (x,), lambda t: b ** t,
                                        lambda a: b ** a, text=f"{b} **")


def b_where(ch, g):
    x = _pick(ch, g)
    sx = g.values[x].shape
    y = _partner(ch, g, x, lambda v: _broadcasts(sx, v.shape), lambda: _broadcast_shape(ch, sx))
    if y is None:
        return None
    cshape = _broadcast_shape(ch, sx)
    if not _broadcasts(np.broadcast_shapes(sx, g.values[y].shape), cshape):
        return None
    mask = np.random.default_rng(ch.int(0, 2**31 - 1)).random(cshape) < 0.5
    return g.add("where", (x, y), lambda a, b: ops.where(mg.tensor(mask), a, b),
                 lambda a, b: np.where(mask, a, b), text=f"mask{cshape}")


def _draw_dim(ch, ndim, allow_none=True, allow_tuple=True):
    if ndim == 0:
        return None if allow_none and ch.coin() else ch.choice([0, -1])
    r = ch.int(0, 3)
    if r == 0 and allow_none:
        return None
    if r == 3 and allow_tuple and ndim >= 2:
        rest = list(range(ndim))
        dims = []
        for _ in range(ch.int(1, ndim)):
            d = rest.pop(ch.int(0, len(rest) - 1))
            dims.append(d - ndim if ch.coin() else d)
        return tuple(dims)
    return ch.int(-ndim, ndim - 1)


def _reduced_count(shape, ax):
    if ax is None:
        return math.prod(shape)
    return math.prod(shape[a] for a in (ax if isinstance(ax, tuple) else (ax,)))


def b_reduce(ch, g):
    x = _pick(ch, g)
    v = g.values[x]
    nd = v.ndim
    name = ch.choice(["sum", "mean", "prod", "amax", "max_dim", "amin", "logsumexp", "var",
                      "std", "norm", "softmax", "log_softmax"])
    keep = ch.coin()
    if name in ("max_dim", "softmax", "log_softmax"):
        dim = _draw_dim(ch, nd, allow_none=False, allow_tuple=False)
    elif name == "logsumexp":
        dim = _draw_dim(ch, nd, allow_none=False)
    else:
        dim = _draw_dim(ch, nd)
    ax = _axis(dim, nd)
    txt = f"dim={dim} keepdim={keep}"
    if name in ("sum", "mean"):
        fm, fn = getattr(ops, name), getattr(np, name)
        return g.add(name, (x,), lambda t: fm(t, dim, keep), lambda a: fn(a, axis=ax, keepdims=keep),
                     text=txt)
    if name == "prod":
        if _reduced_count(v.shape, ax) > 6:
            return None
        return g.add(name, (x,), lambda t: ops.prod(t, dim, keep) if dim is not None else
                     ops.prod(t), lambda a: np.prod(a, axis=ax, keepdims=keep and dim is not None),
                     text=txt)
    if name in ("amax", "amin", "max_dim"):
        if _gap(v, ax) <= KINK:
            return None
        if name == "max_dim":
            return g.add(name, (x,), lambda t: ops.max(t, dim, keep).values,
                         lambda a: np.max(a, axis=ax, keepdims=keep), text=txt)
        d = () if dim is None else dim
        fm, fn = getattr(ops, name), getattr(np, name)
        return g.add(name, (x,), lambda t: fm(t, d, keep), lambda a: fn(a, axis=ax, keepdims=keep),
                     text=txt)
    if name == "logsumexp":
        return g.add(name, (x,), lambda t: ops.logsumexp(t, dim, keep),
                     lambda a: _np_lse(a, ax, keep), text=txt)
    if name in ("var", "std"):
        corr = ch.choice([0, 1])
        if _reduced_count(v.shape, ax) <= corr:
            return None
        var = np.var(v, axis=ax, ddof=corr)
        if name == "std" and var.min() < 1e-3:
            return None
        fm, fn = getattr(ops, name), getattr(np, name)
        return g.add(name, (x,), lambda t: fm(t, dim, keepdim=keep, correction=corr),
                     lambda a: fn(a, axis=ax, ddof=corr, keepdims=keep), text=f"{txt} corr={corr}")
    if name == "norm":
        if np.sqrt((v * v).sum(axis=ax)).min() < 0.1:
            return None
        return g.add(name, (x,), lambda t: ops.norm(t, 2 if isinstance(dim, int) else "fro",
                                                    dim, keep),
                     lambda a: np.sqrt((a * a).sum(axis=ax, keepdims=keep)), text=txt)
    if name == "softmax":
        return g.add(name, (x,), lambda t: ops.softmax(t, dim), lambda a: _np_softmax(a, ax),
                     text=f"dim={dim}")
    return g.add(name, (x,), lambda t: ops.log_softmax(t, dim),
                 lambda a: a - _np_lse(a, ax), text=f"dim={dim}")


def _divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


def _draw_index(ch, shape):
    """A (minigrad key, NumPy key) pair: basic slicing, integer arrays with repeats, masks."""
    nd = len(shape)
    kind = ch.choice(["basic", "basic", "int_array", "mask"])
    if kind == "int_array":
        d = ch.int(0, nd - 1)
        n = shape[d]
        idx = [ch.int(-n, n - 1) for _ in range(ch.int(1, 4))]
        pre = (slice(None),) * d
        if ch.coin():
            return pre + (mg.tensor(idx),), pre + (np.array(idx),)
        return pre + (idx,), pre + (np.array(idx),)
    if kind == "mask":
        k = ch.int(1, nd)
        mask = np.random.default_rng(ch.int(0, 2**31 - 1)).random(shape[:k]) < 0.6
        return mg.tensor(mask), mask
    key = []
    ellipsis = False
    for n in shape[:ch.int(1, nd)]:
        r = ch.int(0, 5)
        if r == 0:
            key.append(ch.int(-n, n - 1))
        elif r in (1, 2):
            a = ch.int(-n, n - 1)
            b = ch.choice([None, ch.int(a % n + 1, n)])
            key.append(slice(a, b, ch.choice([1, 1, 2, 3])))
        elif r == 3:
            key.append(None)
            key.append(slice(None))
        elif r == 4 and not ellipsis:
            key.append(Ellipsis)
            ellipsis = True
        else:
            key.append(slice(None))
    return tuple(key), tuple(key)


def b_movement(ch, g):
    x = _pick(ch, g)
    v = g.values[x]
    s, nd = v.shape, v.ndim
    name = ch.choice(["reshape", "transpose", "permute", "unsqueeze", "squeeze", "expand",
                      "flatten", "getitem", "flip", "cat", "stack", "mT"])
    if name == "reshape":
        n, dims = v.size, []
        for _ in range(ch.int(0, 3) - 1):
            d = ch.choice(_divisors(n))
            dims.append(d)
            n //= d
        if n != 1 or not dims or ch.coin():
            dims.append(n)
        if ch.coin(0.3) and dims:
            dims[ch.int(0, len(dims) - 1)] = -1
        new = tuple(dims)
        return g.add(name, (x,), lambda t: t.reshape(new), lambda a: a.reshape(new), text=str(new))
    if name == "unsqueeze":
        d = ch.int(-nd - 1, nd)
        return g.add(name, (x,), lambda t: t.unsqueeze(d), lambda a: np.expand_dims(a, d),
                     text=f"dim={d}")
    if name == "squeeze":
        ones = [i for i, n in enumerate(s) if n == 1]
        d = ch.choice(ones) if ones and ch.coin() else None
        return g.add(name, (x,), lambda t: t.squeeze(d), lambda a: np.squeeze(a, axis=d),
                     text=f"dim={d}")
    if name == "expand":
        new = [ch.choice([-1, 2, 3]) if n == 1 else ch.choice([-1, n]) for n in s]
        if ch.coin(0.3):
            new = [2] + new
        real = tuple(n if n != -1 else (s[i - len(new) + len(s)] if i >= len(new) - len(s) else 1)
                     for i, n in enumerate(new))
        return g.add(name, (x,), lambda t: t.expand(*new),
                     lambda a: np.broadcast_to(a, real), text=str(tuple(new)))
    if name == "flatten":
        return g.add(name, (x,), lambda t: t.flatten(), lambda a: a.reshape(-1))
    if name == "stack":
        d = ch.int(-nd - 1, nd)
        y = _partner(ch, g, x, lambda w: w.shape == s and 2 * v.size <= MAX_SIZE, lambda: s)
        return None if y is None else g.add(
            name, (x, y), lambda a, b: ops.stack([a, b], d), lambda a, b: np.stack([a, b], d),
            text=f"dim={d}")
    if nd == 0:
        return None
    if name == "cat":
        d = ch.int(-nd, nd - 1)
        ps = s[:d % nd] + (ch.int(1, 3),) + s[d % nd + 1:]
        y = _partner(ch, g, x, lambda w: w.ndim == nd and all(
            a == b for i, (a, b) in enumerate(zip(w.shape, s)) if i != d % nd), lambda: ps)
        return None if y is None else g.add(
            name, (x, y), lambda a, b: ops.cat([a, b], d), lambda a, b: np.concatenate([a, b], d),
            text=f"dim={d}")
    if name == "getitem":
        km, kn = _draw_index(ch, s)
        return g.add(name, (x,), lambda t: t[km], lambda a: a[kn], text=repr(kn))
    if name == "flip":
        dims = tuple(sorted({ch.int(-nd, nd - 1) for _ in range(ch.int(1, nd))}))
        return g.add(name, (x,), lambda t: t.flip(*dims), lambda a: np.flip(a, dims),
                     text=str(dims))
    if nd < 2:
        return None
    if name == "transpose":
        d0, d1 = ch.int(-nd, nd - 1), ch.int(-nd, nd - 1)
        return g.add(name, (x,), lambda t: t.transpose(d0, d1), lambda a: np.swapaxes(a, d0, d1),
                     text=f"{d0}, {d1}")
    if name == "mT":
        return g.add(name, (x,), lambda t: t.mT, lambda a: np.swapaxes(a, -1, -2))
    rest, perm = list(range(nd)), []
    while rest:
        perm.append(rest.pop(ch.int(0, len(rest) - 1)))
    perm = tuple(perm)
    return g.add(name, (x,), lambda t: t.permute(*perm), lambda a: np.transpose(a, perm),
                 text=str(perm))


def _matmul_ok(a, b):
    try:
        return np.matmul(a, b).size <= MAX_SIZE
    except ValueError:
        return False


def b_matmul(ch, g):
    x = _pick(ch, g)
    v = g.values[x]
    if v.ndim == 0:
        return None
    left = ch.coin()
    k = v.shape[-1] if left else (v.shape[-2] if v.ndim >= 2 else v.shape[0])
    m = ch.int(1, 4)
    batch = ch.choice([(), (), (2,)]) if v.ndim <= 2 else ch.choice([(), (1,), v.shape[:-2]])
    shape = ch.choice([(k,), batch + ((k, m) if left else (m, k))])
    ok = (lambda w: _matmul_ok(v, w)) if left else (lambda w: _matmul_ok(w, v))
    y = _partner(ch, g, x, ok, lambda: shape)
    if y is None:
        return None
    args = (x, y) if left else (y, x)
    return g.add("matmul", args, ops.matmul, np.matmul)


def b_detach(ch, g):
    """Detach points and in-place updates of detached clones under no_grad: constants to
    autograd (and to gradcheck), but computed from the live graph."""
    x = _pick(ch, g, live_bias=1.0)
    if ch.coin(0.4):
        return g.add("detach", (x,), lambda t: t.detach(), lambda a: a, frozen=True)
    c = ch.choice([0.5, -1.5, 2.0])
    seq = [ch.choice(["mul_", "add_", "tanh_", "sigmoid_", "clamp_", "neg_", "setitem"])
           for _ in range(ch.int(1, 3))]
    key = None
    if "setitem" in seq:
        if g.values[x].ndim == 0:
            return None
        key = _draw_index(ch, g.values[x].shape)

    def fm(t):
        t = t.detach().clone()
        with mg.no_grad():
            for op in seq:
                if op == "setitem":
                    t[key[0]] = c
                elif op in ("mul_", "add_"):
                    getattr(t, op)(c)
                elif op == "clamp_":
                    t.clamp_(-1.0, 1.0)
                else:
                    getattr(t, op)()
        return t

    def fn(a):
        a = a.copy()
        for op in seq:
            if op == "setitem":
                a[key[1]] = c
            elif op == "mul_":
                a = a * c
            elif op == "add_":
                a = a + c
            elif op == "clamp_":
                a = np.clip(a, -1.0, 1.0)
            else:
                a = {"tanh_": np.tanh, "sigmoid_": lambda z: 1 / (1 + np.exp(-z)),
                     "neg_": np.negative}[op](a)
        return a

    return g.add("nograd_inplace", (x,), fm, fn, frozen=True, text=f"{seq} c={c}")


def b_inplace(ch, g):
    """Recorded in-place ops on a clone: mul_/add_ (scalar or tensor) and setitem."""
    x = _pick(ch, g, live_bias=1.0)
    v = g.values[x]
    c = ch.choice([0.5, -1.5, 2.0])
    r = ch.int(0, 2)
    if r == 0:
        return g.add("clone_mul_add_", (x,), lambda t: t.clone().mul_(c).add_(1.0),
                     lambda a: a * c + 1.0, text=f"c={c}")
    if r == 1:
        y = _partner(ch, g, x, lambda w: _broadcasts(v.shape, w.shape)
                     and np.broadcast_shapes(v.shape, w.shape) == v.shape,
                     lambda: _broadcast_shape(ch, v.shape))
        if y is None or np.broadcast_shapes(v.shape, g.values[y].shape) != v.shape:
            return None
        return g.add("clone_add_tensor_", (x, y), lambda a, b: a.clone().add_(b, alpha=c),
                     lambda a, b: a + c * b, text=f"alpha={c}")
    if v.ndim == 0:
        return None
    km, kn = _draw_index(ch, v.shape)
    if v[kn].size == 0:
        return None
    y = _partner(ch, g, x, lambda w: _broadcasts(v[kn].shape, w.shape)
                 and np.broadcast_shapes(v[kn].shape, w.shape) == v[kn].shape,
                 lambda: _broadcast_shape(ch, v[kn].shape))
    if y is None or not _broadcasts(v[kn].shape, g.values[y].shape) or \
            np.broadcast_shapes(v[kn].shape, g.values[y].shape) != v[kn].shape:
        return None
    if isinstance(kn, np.ndarray) or any(isinstance(k, np.ndarray) for k in kn):
        return None  # duplicate indices make assignment order-dependent

    def fm(a, b):
        t = a.clone()
        t[km] = b * 2.0
        return t

    def fn(a, b):
        a = a.copy()
        a[kn] = b * 2.0
        return a

    return g.add("clone_setitem", (x, y), fm, fn, text=repr(kn))


BUILDERS = [(b_unary, 26), (b_binary, 20), (b_scalar, 10), (b_where, 3), (b_reduce, 14),
            (b_movement, 17), (b_matmul, 6), (b_detach, 2), (b_inplace, 2)]
_WEIGHTED = [b for b, w in BUILDERS for _ in range(w)]


def _random_shape(ch):
    shape = tuple(ch.int(1, 4) for _ in range(ch.int(0, 3)))
    return shape if math.prod(shape) <= 24 else shape[:2]


def build_graph(ch) -> Graph:
    """A random DAG of 10 to 60 op nodes over 1 to 3 leaves (more appear as operands)."""
    g = Graph()
    for _ in range(ch.int(1, 3)):
        g.leaf(ch, _random_shape(ch))
    target = ch.int(10, 60)
    tries = 0
    while g.n_ops < target and tries < 20 * target:
        tries += 1
        ch.choice(_WEIGHTED)(ch, g)
    if not g.sinks():  # everything was detached: end on a live leaf
        g.add("scalar_mul", (g.leaves[0][0],), lambda t: t * 2.0, lambda a: a * 2.0)
    return g


# ---- the checks ------------------------------------------------------------------------------

def _fresh_leaves(g):
    return [mg.tensor(v.copy(), dtype=mg.float64, requires_grad=rg) for _, v, rg in g.leaves]


def _loss(g, vals, weights):
    return sum((vals[k] * w).sum() for k, w in zip(g.sinks(), weights))


def check_graph(g: Graph):
    sinks = g.sinks()
    rng = np.random.default_rng(len(g.steps))
    weights = [mg.tensor(rng.standard_normal(g.values[k].shape)) for k in sinks]

    # 1. forward matches NumPy at every node (float64 kept throughout)
    leaves = _fresh_leaves(g)
    vals = run(g, leaves)
    for k, (t, ref) in enumerate(zip(vals, g.values)):
        assert t.dtype == mg.float64, (k, t.dtype)
        assert tuple(t.shape) == ref.shape, (k, t.shape, ref.shape)
        np.testing.assert_allclose(t.detach().numpy(), ref, rtol=1e-7, atol=1e-9,
                                   err_msg=f"forward of node %{k}")
        assert t.requires_grad == g.live[k], k
    frozen = {k: vals[k].detach().numpy().copy() for k, s in enumerate(g.steps) if s.frozen}

    # 2. autograd.grad equals .backward() on a fresh forward
    params = [t for t, (_, _, rg) in zip(leaves, g.leaves) if rg]
    by_grad = grad(_loss(g, vals, weights), params, allow_unused=True)
    del vals

    def backward_run():
        lv = _fresh_leaves(g)
        vs = run(g, lv)
        _loss(g, vs, weights).backward()
        return ([vs[k].detach().numpy().copy() for k in sinks],
                [t.grad for t, (_, _, rg) in zip(lv, g.leaves) if rg])

    outs1, grads1 = backward_run()
    for a, b in zip(by_grad, grads1):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.numpy(), b.numpy())

    # 3. a second run is bit-identical (outputs and gradients)
    outs2, grads2 = backward_run()
    for a, b in zip(outs1, outs2):
        assert a.tobytes() == b.tobytes()
    for a, b in zip(grads1, grads2):
        assert (a is None) == (b is None)
        assert a is None or a.numpy().tobytes() == b.numpy().tobytes()

    # 4. gradcheck in float64 (detached parts are the constants autograd sees)
    if params:
        p = _fresh_leaves(g)
        inputs = [t for t in p if t.requires_grad]

        def fn(*xs):
            it = iter(xs)
            lv = [next(it) if t.requires_grad else t for t in p]
            vs = run(g, lv, frozen)
            return tuple(vs[k] for k in sinks)

        assert gradcheck(fn, tuple(inputs), max_elems=16)


def _count(g, ok=True):
    fz = _report.FUZZ
    fz["graphs"] += 1
    fz["nodes"] += g.n_ops
    fz["leaves"] += len(g.leaves)
    fz["ops"].update(s.name for s in g.steps if s.name != "leaf")
    log = os.environ.get("MINIGRAD_FUZZ_LOG")  # progress of long runs: one line per graph
    if log:
        with open(log, "a") as f:
            f.write(f"{fz['graphs']} {g.n_ops} {len(g.leaves)} {'ok' if ok else 'FAIL'}\n")


@given(st.data())
def test_random_graphs(data):
    g = build_graph(HypChooser(data))
    note(g.describe())
    ok = False
    try:
        check_graph(g)
        ok = True
    finally:
        _report.FUZZ["failures"] += not ok
        _count(g, ok)


def test_generator_covers_the_op_table():
    """The generator (driven by a seeded Random instead of hypothesis) reaches every op and
    builds graphs of the promised size with reuse, broadcasting and detach points."""
    names, sizes, reused, broadcast = set(), [], 0, 0
    for seed in range(150):
        g = build_graph(RandomChooser(seed))
        names |= {s.name for s in g.steps}
        sizes.append(g.n_ops)
        uses = [a for s in g.steps for a in s.args]
        reused += len(uses) != len(set(uses))
        broadcast += any(len(s.args) == 2 and g.values[s.args[0]].shape != g.values[s.args[1]].shape
                         for s in g.steps if s.name in BINARY)
    want = set(UNARY) | set(BINARY) | {
        "sum", "mean", "prod", "amax", "amin", "max_dim", "logsumexp", "var", "std", "norm",
        "softmax", "log_softmax", "reshape", "transpose", "permute", "unsqueeze", "squeeze",
        "expand", "flatten", "getitem", "flip", "cat", "stack", "mT", "matmul", "where",
        "detach", "nograd_inplace", "clone_mul_add_", "clone_add_tensor_", "clone_setitem",
        "guard_pos", "guard_tanh", "rescale", "scalar_add", "scalar_rsub", "scalar_mul",
        "scalar_rdiv", "scalar_pow", "scalar_rpow"}
    assert want <= names, want - names
    assert min(sizes) >= 10 and max(sizes) <= 62  # a guard or rescale may follow the last op
    assert reused > 100 and broadcast > 50


def test_a_few_seeded_graphs():
    """Fixed seeds, independent of hypothesis's database: always the same graphs."""
    for seed in range(20):
        g = build_graph(RandomChooser(10_000 + seed))
        check_graph(g)
        _count(g)
