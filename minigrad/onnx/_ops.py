"""One converter per minigrad ``Function``: an op-level IR node -> ONNX nodes.

A converter ``f(b, n)`` gets the :class:`~._builder.Builder` and the IR node (``n.args``
its input Nodes, ``n.kwargs`` its attributes, ``n.shape``/``n.dtype`` its output) and
returns the ONNX name of the result. Composites (softmax cross-entropy, attention, every
activation in ``nn``) reach the exporter as their primitives, so this table is the whole
list of what exports.
"""
from __future__ import annotations

import math

import numpy as np

from . import _special
from ._builder import I64, UnsupportedOp, elem_type
from ._rnn import gru_scan, lstm_scan, rnn_scan

CONVERTERS = {}


def converts(*names):
    def deco(f):
        for n in names:
            CONVERTERS[n] = f
        return f
    return deco


def _x(b, n, i=0):
    return b.val(n.args[i])


# ---- elementwise ------------------------------------------------------------------------
_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow",
           "Maximum": "Max", "Minimum": "Min"}


@converts(*_BINARY)
def _binary(b, n):
    return b.op(_BINARY[n.target.__name__], b.inputs_as(n))


_UNARY = {"Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Sin": "Sin", "Cos": "Cos", "Tan": "Tan",
          "Asin": "Asin", "Acos": "Acos", "Atan": "Atan", "Sinh": "Sinh", "Cosh": "Cosh",
          "Tanh": "Tanh", "Erf": "Erf", "ReLU": "Relu", "Abs": "Abs",
          "Neg": "Neg", "Floor": "Floor", "Ceil": "Ceil", "Clone": "Identity"}


@converts(*_UNARY)
def _unary(b, n):
    if n.target.__name__ in ("Floor", "Ceil") and n.kwargs:
        raise UnsupportedOp(f"{n.target.__name__} with {n.kwargs} has no ONNX conversion")
    return b.op(_UNARY[n.target.__name__], b.inputs_as(n))


@converts("Round")
def _round(b, n):
    if n.kwargs.get("decimals", 0):
        raise UnsupportedOp("Round with decimals has no ONNX conversion")
    return b.op("Round", b.inputs_as(n))  # both round half to even


@converts("Trunc")
def _trunc(b, n):
    x = _x(b, n)
    return b.op("Where", [b.op("Less", [x, b.scalar(0, n.dtype)]), b.op("Ceil", [x]),
                          b.op("Floor", [x])])


def _affine_unary(inner, post=None, pre=None):
    """f(x) = post(inner(pre(x))) with pre/post multiplications by constants."""
    def conv(b, n):
        x = _x(b, n)
        if pre is not None:
            x = b.op("Mul", [x, b.scalar(pre, n.dtype)])
        y = b.op(inner, [x])
        if post is not None:
            y = b.op("Mul", [y, b.scalar(post, n.dtype)])
        return y
    return conv


CONVERTERS["Log2"] = _affine_unary("Log", post=1 / math.log(2))
CONVERTERS["Log10"] = _affine_unary("Log", post=1 / math.log(10))
CONVERTERS["Exp2"] = _affine_unary("Exp", pre=math.log(2))


@converts("Expm1")
def _expm1(b, n):
    return _special.expm1(b, _x(b, n), n.dtype)


@converts("Log1p")
def _log1p(b, n):
    return _special.log1p(b, _x(b, n), n.dtype)


@converts("Sigmoid")
def _sigmoid(b, n):
    return _special.sigmoid(b, _x(b, n), n.dtype)


@converts("Erfc")
def _erfc(b, n):
    return _special.erfc(b, _x(b, n), n.dtype)


@converts("Rsqrt")
def _rsqrt(b, n):
    return b.op("Reciprocal", [b.op("Sqrt", [_x(b, n)])])


@converts("PowScalar")
def _pow_scalar(b, n):
    c = n.kwargs["exponent"]
    x = _x(b, n)
    if c == 2:
        return b.op("Mul", [x, x])
    if c == 0.5:
        return b.op("Sqrt", [x])
    if c == 1:
        return b.op("Identity", [x])
    return b.op("Pow", [x, b.scalar(c, n.dtype)])


@converts("LeakyReLU")
def _leaky(b, n):
    return b.op("LeakyRelu", [_x(b, n)], alpha=float(n.kwargs["slope"]))


@converts("ELU")
def _elu(b, n):
    k = n.kwargs
    a, s, i = float(k.get("alpha", 1.0)), float(k.get("scale", 1.0)), float(k.get("input_scale", 1.0))
    x, dt = _x(b, n), n.dtype
    # a (expm1(i min(x, 0))): ONNX's Elu computes exp(x) - 1, which cancels near 0
    z = b.op("Min", [x, b.scalar(0, dt)])
    z = z if i == 1.0 else b.op("Mul", [z, b.scalar(i, dt)])
    neg = b.op("Mul", [_special.expm1(b, z, dt), b.scalar(a * s, dt)])
    pos = x if s == 1.0 else b.op("Mul", [x, b.scalar(s, dt)])
    return b.op("Where", [b.op("Greater", [x, b.scalar(0, dt)]), pos, neg])


@converts("GELU")
def _gelu(b, n):
    x, dt = _x(b, n), n.dtype
    if n.kwargs.get("approximate", "none") == "tanh":
        x3 = b.op("Mul", [b.op("Mul", [x, x]), x])
        inner = b.op("Mul", [b.op("Add", [x, b.op("Mul", [x3, b.scalar(0.044715, dt)])]),
                             b.scalar(math.sqrt(2 / math.pi), dt)])
        t = b.op("Add", [b.op("Tanh", [inner]), b.scalar(1, dt)])
        return b.op("Mul", [b.op("Mul", [x, b.scalar(0.5, dt)]), t])
    return _special.gelu(b, x, dt)  # erfc-based: accurate for negative x


@converts("Softplus")
def _softplus(b, n):
    x, dt = _x(b, n), n.dtype
    beta, thr = float(n.kwargs.get("beta", 1.0)), float(n.kwargs.get("threshold", 20.0))
    z = x if beta == 1 else b.op("Mul", [x, b.scalar(beta, dt)])
    y = b.op("Softplus", [z])
    if beta != 1:
        y = b.op("Div", [y, b.scalar(beta, dt)])
    return b.op("Where", [b.op("Greater", [z, b.scalar(thr, dt)]), x, y])


@converts("Hardtanh")
def _hardtanh(b, n):
    return b.op("Clip", [_x(b, n), b.scalar(n.kwargs["lo"], n.dtype),
                         b.scalar(n.kwargs["hi"], n.dtype)])


@converts("ClampScalar")
def _clamp_scalar(b, n):
    lo, hi = n.kwargs.get("lo"), n.kwargs.get("hi")
    return b.op("Clip", [_x(b, n), "" if lo is None else b.scalar(lo, n.dtype),
                         "" if hi is None else b.scalar(hi, n.dtype)])


@converts("Clamp")
def _clamp(b, n):
    x, lo, hi = b.inputs_as(n)
    return b.op("Min", [b.op("Max", [x, lo]), hi])


@converts("Where")
def _where(b, n):
    c = b.cast(b.val(n.args[0]), n.args[0].dtype, np.bool_)
    return b.op("Where", [c] + [b.cast(b.val(a), a.dtype, n.dtype) for a in n.args[1:]])


_ORDER = {"equal": "Equal", "less": "Less", "greater": "Greater", "less_equal": "LessOrEqual",
          "greater_equal": "GreaterOrEqual"}
_LOGICAL = {"logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}


@converts("Logic")
def _logic(b, n):
    """Comparisons, logical ops and float tests (the bool masks ``where`` and
    ``masked_fill`` select with)."""
    fn = n.kwargs["fn"]
    if fn in _LOGICAL or fn == "logical_not":
        xs = [b.cast(b.val(a), a.dtype, np.bool_) for a in n.args]
        return b.op("Not", xs) if fn == "logical_not" else b.op(_LOGICAL[fn], xs)
    x = _x(b, n)
    if fn in ("isnan", "isinf", "isfinite"):
        if fn != "isfinite":
            return b.op("IsNaN" if fn == "isnan" else "IsInf", [x])
        return b.op("Not", [b.op("Or", [b.op("IsNaN", [x]), b.op("IsInf", [x])])])
    xs = [b.val(a) for a in n.args]  # one dtype: promoted before the comparison
    if np.dtype(n.args[0].dtype) == np.bool_ and fn not in ("equal", "not_equal"):
        xs = [b.cast(v, np.bool_, np.int32) for v in xs]  # ONNX orders numbers only
    if fn == "not_equal":
        return b.op("Not", [b.op("Equal", xs)])
    return b.op(_ORDER[fn], xs)


@converts("To")
def _to(b, n):
    return b.cast(_x(b, n), n.args[0].dtype, n.dtype) if n.args[0].dtype != n.dtype \
        else b.op("Identity", [_x(b, n)])


@converts("Remainder")
def _remainder(b, n):
    x, y = b.inputs_as(n)
    if np.dtype(n.dtype).kind in "iu":
        return b.op("Mod", [x, y], fmod=0)
    q = b.op("Floor", [b.op("Div", [x, y])])
    return b.op("Sub", [x, b.op("Mul", [q, y])])  # Python's sign convention


@converts("Fmod")
def _fmod(b, n):
    return b.op("Mod", b.inputs_as(n), fmod=1)


@converts("FloorDivide")
def _floordiv(b, n):
    x, y = b.inputs_as(n)
    if np.dtype(n.dtype).kind == "f":
        return b.op("Floor", [b.op("Div", [x, y])])
    f = b.op("Floor", [b.op("Div", [b.cast(x, n.dtype, np.float64), b.cast(y, n.dtype, np.float64)])])
    return b.cast(f, np.float64, n.dtype)


# ---- reductions and softmax ---------------------------------------------------------------
def _axes(a, ndim):
    if a is None:
        return None
    a = (a,) if isinstance(a, (int, np.integer)) else tuple(a)
    return [int(v) % ndim if ndim else 0 for v in a]


@converts("Sum")
def _sum(b, n):
    x = b.cast(_x(b, n), n.args[0].dtype, n.dtype)
    axes = _axes(n.kwargs.get("axes"), len(n.args[0].shape))
    if axes == []:
        return b.op("Identity", [x])
    return b.reduce("ReduceSum", x, axes, n.kwargs.get("keepdim", False))


@converts("Prod")
def _prod(b, n):
    x = b.cast(_x(b, n), n.args[0].dtype, n.dtype)
    return b.reduce("ReduceProd", x, _axes(n.kwargs["axes"], len(n.args[0].shape)),
                    n.kwargs["keepdim"])


@converts("Amax")
def _amax(b, n):
    op = "ReduceMin" if n.kwargs.get("is_min") else "ReduceMax"
    return b.reduce(op, _x(b, n), _axes(n.kwargs["axes"], len(n.args[0].shape)),
                    n.kwargs["keepdim"])


@converts("Norm")
def _norm(b, n):
    p, x = n.kwargs["p"], _x(b, n)
    axes, kd = _axes(n.kwargs["axes"], len(n.args[0].shape)), n.kwargs["keepdim"]
    if p == 2:
        return b.reduce("ReduceL2", x, axes, kd)
    if p == 1:
        return b.reduce("ReduceL1", x, axes, kd)
    if p == math.inf:
        return b.reduce("ReduceMax", b.op("Abs", [x]), axes, kd)
    s = b.reduce("ReduceSum", b.op("Pow", [b.op("Abs", [x]), b.scalar(p, n.dtype)]), axes, kd)
    return b.op("Pow", [s, b.scalar(1.0 / p, n.dtype)])


@converts("Softmax", "LogSoftmax")
def _softmax(b, n):
    x, axes = _x(b, n), _axes(n.kwargs["axis"], len(n.args[0].shape))
    if len(axes) == 1:
        return b.op(n.target.__name__, [x], axis=axes[0])
    s = b.op("Sub", [x, b.reduce("ReduceMax", x, axes, True)])  # over several dims at once
    lse = b.op("Log", [b.reduce("ReduceSum", b.op("Exp", [s]), axes, True)])
    y = b.op("Sub", [s, lse])
    return b.op("Exp", [y]) if n.target.__name__ == "Softmax" else y


@converts("ScaledMaskedSoftmax")
def _scaled_masked_softmax(b, n):
    """softmax(x * scale + log(keep)) over the last dim; a row with nothing kept is 0."""
    x, dt, keep = _x(b, n), n.dtype, n.kwargs.get("keep")
    y = b.op("Mul", [x, b.scalar(n.kwargs["scale"], dt)])
    if keep is None:
        return b.op("Softmax", [y], axis=-1)
    kv = b.cast(b.val(keep), keep.dtype, np.bool_)
    y = b.op("Where", [kv, y, b.scalar(-np.inf, dt)])
    m = b.reduce("ReduceMax", y, [-1], True)
    m = b.op("Where", [b.op("IsInf", [m]), b.scalar(0, dt), m])
    e = b.op("Exp", [b.op("Sub", [y, m])])
    s = b.reduce("ReduceSum", e, [-1], True)
    s = b.op("Add", [s, b.cast(b.op("Equal", [s, b.scalar(0, dt)]), np.bool_, dt)])
    return b.op("Div", [e, s])


@converts("Cumsum")
def _cumsum(b, n):
    return b.op("CumSum", [_x(b, n), b.const(np.asarray(n.kwargs["axis"], I64))])


def _normalize(b, x, axes, eps, dt):
    """(x - mean) / sqrt(var + eps) over ``axes`` (population variance)."""
    xc = b.op("Sub", [x, b.reduce("ReduceMean", x, axes, True)])
    var = b.reduce("ReduceMean", b.op("Mul", [xc, xc]), axes, True)
    return b.op("Div", [xc, b.op("Sqrt", [b.op("Add", [var, b.scalar(eps, dt)])])])


@converts("Standardize")
def _standardize(b, n):
    return _normalize(b, _x(b, n), _axes(n.kwargs["axes"], len(n.args[0].shape)),
                      n.kwargs["eps"], n.dtype)


@converts("LayerNorm")
def _layer_norm(b, n):
    """The fused layer norm: normalize the trailing ``n`` dims, then * w + b."""
    nd, k = len(n.args[0].shape), int(n.kwargs.get("n", 1))
    y = _normalize(b, _x(b, n), list(range(nd - k, nd)), n.kwargs.get("eps", 1e-5), n.dtype)
    for a, op in zip(n.args[1:], ("Mul", "Add")):
        y = b.op(op, [y, b.val(a)])
    return y


# ---- linear algebra -----------------------------------------------------------------------
@converts("MatMul")
def _matmul(b, n):
    return b.op("MatMul", b.inputs_as(n))


@converts("Linear")
def _linear(b, n):
    ins = [b.val(a) for a in n.args]
    if len(n.args[0].shape) == 2:
        return b.op("Gemm", ins, transB=1)
    y = b.op("MatMul", [ins[0], b.op("Transpose", [ins[1]], perm=[1, 0])])
    return b.op("Add", [y, ins[2]]) if len(ins) > 2 else y


# ---- movement -----------------------------------------------------------------------------
@converts("Reshape")
def _reshape(b, n):
    x, shape = _x(b, n), [int(s) for s in n.kwargs["shape"]]
    t = b.other(n)
    if t is None or list(t.kwargs["shape"]) == shape:
        return b.op("Reshape", [x, b.ints(shape)])
    s2, in1, in2 = list(t.kwargs["shape"]), n.args[0].shape, t.args[0].shape
    target, changed = [], []
    for i, (v1, v2) in enumerate(zip(shape, s2)):
        if v1 == v2:
            target.append(v1)
        elif i < len(in1) and in1[i] == v1 and in2[i] == v2:
            target.append(0)  # copy the input's (dynamic) size at this position
        else:
            target.append(-1)
            changed.append(i)
    if len(changed) <= 1:
        return b.op("Reshape", [x, b.ints(target)])
    return b.op("Reshape", [x, b.sizes(shape, s2, (x, in1, in2))])


@converts("Permute")
def _permute(b, n):
    return b.op("Transpose", [_x(b, n)], perm=[int(p) for p in n.kwargs["perm"]])


@converts("BroadcastTo")
def _expand(b, n):
    t = b.other(n)
    x = _x(b, n)
    shape = b.sizes(n.kwargs["shape"], None if t is None else t.kwargs["shape"],
                    (x, n.args[0].shape, t.args[0].shape) if t is not None else None)
    return b.op("Expand", [x, shape])


@converts("SumTo")
def _sum_to(b, n):
    xs, shape = n.args[0].shape, tuple(n.kwargs["shape"])
    lead = len(xs) - len(shape)
    axes = list(range(lead)) + [lead + i for i, s in enumerate(shape) if s == 1 and xs[lead + i] != 1]
    y = b.reduce("ReduceSum", _x(b, n), axes, True) if axes else _x(b, n)
    return b.squeeze(y, range(lead)) if lead else b.op("Identity", [y])


@converts("Cat")
def _cat(b, n):
    return b.op("Concat", b.inputs_as(n), axis=int(n.kwargs["axis"]))


@converts("Flip")
def _flip(b, n):
    axes = _axes(n.kwargs["axes"], len(n.args[0].shape))
    k = len(axes)
    return b.op("Slice", [_x(b, n), b.ints([-1] * k), b.ints([np.iinfo(I64).min] * k),
                          b.ints(axes), b.ints([-1] * k)])


@converts("Pad")
def _pad(b, n):
    w = n.kwargs["widths"]
    pads = [int(lo) for lo, _ in w] + [int(hi) for _, hi in w]
    return b.op("Pad", [_x(b, n), b.ints(pads), b.scalar(n.kwargs["value"], n.dtype)],
                mode="constant")


@converts("GetItem")
def _getitem(b, n):
    """x[key] for ints, slices, None, Ellipsis and one integer index array (Gather)."""
    x, key, ndim = _x(b, n), list(n.kwargs["idx"]), len(n.args[0].shape)
    t = b.other(n)
    key2 = list(t.kwargs["idx"]) if t is not None else list(key)
    if _key_sig(key2) != _key_sig(key):
        raise UnsupportedOp(f"{n.target.__name__}: an index that depends on a dynamic size")
    consumed = sum(len(k.shape) if _is_node(k) and k.dtype == np.bool_ else 1
                   for k in key if k is not None and k is not Ellipsis)
    if Ellipsis in key:
        i = key.index(Ellipsis)
        key[i:i + 1] = key2[i:i + 1] = [slice(None)] * (ndim - consumed)
    adv = [i for i, k in enumerate(key) if _is_node(k) or isinstance(k, (int, np.integer))]
    if any(_is_node(key[i]) for i in adv) and adv != list(range(adv[0], adv[-1] + 1)):
        raise UnsupportedOp("GetItem: index arrays separated by slices (NumPy moves their "
                            "dimensions first) have no ONNX conversion")
    axis = 0
    for k, k2 in zip(key, key2):
        if k is None:
            x = b.unsqueeze(x, [axis])
            axis += 1
        elif isinstance(k, slice):
            if k != slice(None):
                step = 1 if k.step is None else int(k.step)
                lo, hi = (0, np.iinfo(I64).max) if step > 0 else (-1, np.iinfo(I64).min)
                x = b.op("Slice", [x, _bound(b, k.start, k2.start, lo),
                                   _bound(b, k.stop, k2.stop, hi), b.ints([axis]),
                                   b.ints([step])])
            axis += 1
        elif isinstance(k, (int, np.integer)):
            x = b.op("Gather", [x, b.const(np.asarray(int(k), I64))], axis=axis)
        elif _is_node(k) and np.dtype(k.dtype).kind in "iu":
            x = b.op("Gather", [x, b.cast(b.val(k), k.dtype, I64)], axis=axis)
            axis += len(k.shape)
        else:
            raise UnsupportedOp("GetItem with a boolean mask (a data-dependent shape) has no "
                                "ONNX conversion")
    return x if x != _x(b, n) else b.op("Identity", [x])


def _is_node(k):
    return hasattr(k, "op") and hasattr(k, "target")


def _key_sig(key):
    """What must not change with the dynamic axes (a slice's bounds may: ``pe[:x.size(0)]``)."""
    return tuple(("node", k.name) if _is_node(k) else
                 ("slice", k.step, k.start is None, k.stop is None) if isinstance(k, slice)
                 else k for k in key)


def _bound(b, v1, v2, default):
    """A slice bound as a 1-element int64 value; one that followed a dynamic size is
    computed from it."""
    if v1 is None:
        return b.ints([default])
    if int(v1) == int(v2) or int(v1) < 0 or int(v2) < 0:
        if int(v1) != int(v2):
            raise UnsupportedOp("GetItem: a negative slice bound that changes with a dynamic "
                                "size has no ONNX conversion")
        return b.ints([int(v1)])
    return b.dim(int(v1), int(v2))


# ---- convolution and pooling ---------------------------------------------------------------
@converts("Conv2d")
def _conv(b, n):
    g = n.kwargs["geom"]
    return b.op("Conv", [b.val(a) for a in n.args], kernel_shape=[g.kh, g.kw],
                strides=[g.sh, g.sw], pads=[g.pt, g.pl, g.pb, g.pr],
                dilations=[g.dh, g.dw], group=g.groups)


@converts("ConvTranspose2d")
def _conv_t(b, n):
    g = n.kwargs["geom"]  # H, W: the output's sizes; Ho, Wo: the input's
    opad = [g.H - ((g.Ho - 1) * g.sh - g.pt - g.pb + g.dh * (g.kh - 1) + 1),
            g.W - ((g.Wo - 1) * g.sw - g.pl - g.pr + g.dw * (g.kw - 1) + 1)]
    return b.op("ConvTranspose", [b.val(a) for a in n.args], kernel_shape=[g.kh, g.kw],
                strides=[g.sh, g.sw], pads=[g.pt, g.pl, g.pb, g.pr],
                dilations=[g.dh, g.dw], group=g.groups, output_padding=opad)


def _pool_input(b, n, fill):
    """x padded with ``fill`` so that every window lies inside (ceil_mode included), as
    minigrad's pooling pads: then ONNX pools without padding or ceil mode. Returns the
    value and its spatial sizes."""
    g, x = n.kwargs["geom"], _x(b, n)
    hn = max((g.Ho - 1) * g.sh + g.dh * (g.kh - 1) + 1, g.ph + g.H)
    wn = max((g.Wo - 1) * g.sw + g.dw * (g.kw - 1) + 1, g.pw + g.W)
    if g.ph == g.pw == 0 and hn <= g.H and wn <= g.W:
        return x, g.H, g.W
    pads = [0, 0, g.ph, g.pw, 0, 0, hn - g.ph - g.H, wn - g.pw - g.W]
    return b.op("Pad", [x, b.ints(pads), b.scalar(fill, n.dtype)], mode="constant"), hn, wn


def _pool(b, n, op_type, fill, **attrs):
    g = n.kwargs["geom"]
    x, hp, wp = _pool_input(b, n, fill)
    y = b.op(op_type, [x], kernel_shape=[g.kh, g.kw], strides=[g.sh, g.sw], **attrs)
    ho = (hp - g.dh * (g.kh - 1) - 1) // g.sh + 1
    wo = (wp - g.dw * (g.kw - 1) - 1) // g.sw + 1
    if (ho, wo) == (g.Ho, g.Wo):
        return y
    # a window that starts in the right/bottom padding only: minigrad's geometry drops it
    return b.op("Slice", [y, b.ints([0, 0]), b.ints([g.Ho, g.Wo]), b.ints([2, 3])])


@converts("MaxPool2d")
def _max_pool(b, n):
    g = n.kwargs["geom"]
    fill = -np.inf if np.dtype(n.dtype).kind == "f" else np.iinfo(n.dtype).min
    return _pool(b, n, "MaxPool", fill, dilations=[g.dh, g.dw])


@converts("AvgPool2d")
def _avg_pool(b, n):
    g = n.kwargs["geom"]
    if (g.dh, g.dw) != (1, 1):
        raise UnsupportedOp("AvgPool2d with dilation has no ONNX conversion")
    y = _pool(b, n, "AveragePool", 0)
    inv = n.kwargs["inv"]  # 1/count per window: a number, or an (Ho, Wo) array (a const)
    inv = inv.value if _is_node(inv) else inv
    scale = np.asarray(inv, dtype=n.dtype) * (g.kh * g.kw)
    if scale.ndim == 0 and float(scale) == 1.0:
        return y
    return b.op("Mul", [y, b.const(scale.astype(n.dtype), "pool_scale")])


# ---- recurrences ---------------------------------------------------------------------------
CONVERTERS["LSTMScan"] = lstm_scan
CONVERTERS["GRUScan"] = gru_scan
CONVERTERS["RNNScan"] = rnn_scan


def convert(b, n):
    name = n.target.__name__
    f = CONVERTERS.get(name)
    if f is None:
        where = f" (in module '{n.scope}')" if n.scope else ""
        raise UnsupportedOp(
            f"minigrad.onnx.export: the op {name}{where} has no ONNX conversion yet; "
            f"supported ops: {', '.join(sorted(CONVERTERS))}")
    return f(b, n)


__all__ = ["CONVERTERS", "convert", "elem_type"]
