"""The keyword spellings PyTorch's argument parser accepts, for every public function at once.

PyTorch's parser binds its arguments by the names of its signatures (``input=``, ``other=``,
``exponent=``, ...), accepts NumPy's spellings on top (``axis=`` for ``dim``, ``keepdims=``
for ``keepdim``, ``x=``/``a=``/``x1=`` for ``input``, ``x2=`` for ``other``), takes
``out=`` on most functions, and options without meaning here (``layout=``,
``memory_format=``, ``pin_memory=``, ``sparse_grad=``). minigrad's ops keep their short
internal names (``a``, ``b``, ``x``); :func:`torch_form` wraps one op so that its public face
takes PyTorch's spellings and shows PyTorch's names in its signature. ``functional.py`` and
``__init__.py`` apply it to every exported function, ``tensor.py`` the axis/keepdims aliases
to every method with a ``dim``.
"""
from __future__ import annotations

import functools
import inspect
import warnings

import numpy as np

from .autograd.grad_mode import _State


class _Named:
    """A named option value (``torch.strided``, ``torch.contiguous_format``, ...)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return self.name


class layout(_Named):  # noqa: N801  (torch.layout)
    """A tensor layout; minigrad tensors are all ``strided``."""


class memory_format(_Named):  # noqa: N801  (torch.memory_format)
    """A memory format; minigrad accepts them all and keeps row-major (contiguous) arrays,
    which give the same values."""


strided = layout("strided")
preserve_format = memory_format("preserve_format")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")

# names of PyTorch's first and second tensor arguments, where they are not input/other
_FIRST = {"true_divide": "dividend", "split": "tensor", "from_numpy": "ndarray", "tensordot": "a",
          "vander": "x"}
_SECOND = {"pow": "exponent", "float_power": "exponent", "mm": "mat2", "bmm": "mat2",
           "dot": "tensor", "vdot": "other", "outer": "vec2", "ger": "vec2",
           "true_divide": "divisor", "mv": "vec", "tensordot": "b"}

# functions with ``out=`` in PyTorch (its primary overload, or the dim overload of a reduction)
OUT = set("""
abs absolute acos acosh add addmm all amax amin any arange arccos arccosh arcsin arcsinh arctan
arctan2 arctanh argmax argmin asin asinh atan atan2 atanh baddbmm bernoulli bitwise_and
bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift bitwise_xor bmm bucketize cat ceil
clamp clip column_stack concat concatenate copysign cos cosh cross cummax cummin cumprod cumsum
deg2rad diag digamma div divide dot dstack empty eq erf erfc erfinv exp exp2 expm1 eye fix
float_power floor floor_divide fmax fmin fmod frac full gather gcd ge greater greater_equal gt
heaviside hypot hstack i0 index_add index_copy index_select kron lcm ldexp le lerp less
less_equal lgamma linspace log log10 log1p log2 logaddexp logaddexp2 logcumsumexp logical_and
logical_not logical_or logical_xor logit logspace logsumexp lt masked_select matmul max maximum
mean median min minimum mm msort mul multinomial multiply mv nan_to_num nanmean nansum
narrow_copy ne neg negative nextafter nonzero norm normal not_equal ones outer polygamma pow
prod rad2deg rand randint randn randperm reciprocal remainder round row_stack rsqrt
searchsorted sgn sigmoid sign signbit sin sinc sinh sort sqrt square stack std std_mean sub
subtract sum take take_along_dim tan tanh topk tril triu true_divide trunc var
var_mean vstack where xlogy zeros
addbmm addcdiv addcmul addmv addr ger inner vdot renorm
cholesky cholesky_inverse cholesky_solve inverse lu_solve lu_unpack matrix_power qr svd
triangular_solve geqrf ormqr
""".split())
OUT |= set("aminmax diff histc histogram histogramdd kthvalue mode nanmedian nanquantile quantile"
           " index_reduce".split())  # ops/statistics.py, histograms.py, differences.py, ...
OUT |= set("frexp mvlgamma isneginf isposinf igamma igammac xlog1py expit gammaln psi "
           "multigammaln erfcx zeta ndtr ndtri log_ndtr entr i0e i1 i1e gammainc gammaincc "
           "modified_bessel_i0 modified_bessel_i1 spherical_bessel_j0"
           .split())  # ops/math_extra.py, special_fns.py, minigrad/special.py

# options PyTorch takes that change nothing in minigrad's results; accepted by these functions
_LIKE = ("layout", "memory_format")
_FACTORY = ("layout", "pin_memory")
OPTIONS = {
    "clone": ("memory_format",), "gather": ("sparse_grad",),
    **{n: _LIKE for n in ("empty_like", "ones_like", "zeros_like", "full_like", "rand_like",
                          "randn_like", "randint_like")},
    **{n: _FACTORY for n in ("arange", "empty", "eye", "full", "linspace", "logspace", "ones",
                             "rand", "randint", "randn", "randperm", "zeros", "tensor",
                             "tril_indices", "triu_indices", "as_tensor")},
}
_NOT_OUT = {"dtype", "device", "requires_grad"}  # kept for the function itself


def check_option(name, value):
    """Validate an accepted-but-meaningless option (a wrong type still fails, as in torch)."""
    if value is None or isinstance(value, bool) and name in ("pin_memory", "sparse_grad"):
        return
    kind = {"layout": layout, "memory_format": memory_format}.get(name)
    if kind is not None and isinstance(value, kind):
        return
    raise TypeError(f"argument '{name}' has an invalid value {value!r}")


def write_out(out, result, name="op"):
    """Write ``result`` into ``out`` (a Tensor, or a tuple for several outputs) as PyTorch's
    ``out=``: same-kind casting into out's dtype, out resized when its shape differs (with
    PyTorch's warning when it held elements), autograd refused. Returns ``out``."""
    from .tensor import Tensor

    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{name}(): argument 'out' must be a tuple of {len(result)} Tensors")
        res = tuple(write_out(o, r, name) for o, r in zip(out, result))
        return type(result)(*res) if hasattr(result, "_fields") else res
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if not isinstance(result, Tensor):
        raise TypeError(f"{name}(): out= is not supported for this result")
    if _State.enabled and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    src, dst = result.array, out.array
    if not np.can_cast(src.dtype, dst.dtype, "same_kind"):
        raise RuntimeError(f"result type {result.dtype} can't be cast to the desired output "
                           f"type {out.dtype}")
    if out.device != result.device:
        raise RuntimeError(f"Expected out tensor to have device {result.device}, but got "
                           f"{out.device} instead")
    if dst.shape == src.shape:
        dst[...] = src
    else:
        if dst.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(dst.shape)}, which does not match the required output shape "
                f"{list(src.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).", UserWarning, stacklevel=3)
        out.array = src.astype(dst.dtype, copy=True)
    out._vc[0] += 1
    return out


def torch_form(name, fn):
    """``fn`` taking PyTorch's spellings of its arguments (see the module docstring); ``fn``
    itself when it already takes them all."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn
    params = list(sig.parameters.values())
    own = set(sig.parameters)
    rename = {}  # public spelling -> fn's own name
    new = []
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for i, p in enumerate(params):
        torch_name = p.name
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            if i == 0 and p.name in ("x", "a", "t", "input"):
                torch_name = _FIRST.get(name, "input")
            elif i == 1 and p.name == "b" and positional[0].name in ("x", "a"):
                torch_name = _SECOND.get(name, "other")
        if torch_name != p.name:
            if torch_name in own:
                return fn  # a different argument already has that name: leave fn alone
            rename[torch_name] = p.name
        new.append(p.replace(name=torch_name, kind=p.POSITIONAL_OR_KEYWORD)
                   if p.kind == p.POSITIONAL_ONLY else p.replace(name=torch_name))
    first = positional[0].name if positional else None
    aliases = {}  # hidden spellings the parser accepts too (not in the signature)
    if first is not None and new[0].name == "input":
        aliases.update({k: first for k in ("x", "a", "x1") if k not in own})
    if len(positional) > 1 and rename.get("other") == positional[1].name:
        aliases["x2"] = positional[1].name
    if "dim" in own and "axis" not in own:
        aliases["axis"] = "dim"
    if "keepdim" in own and "keepdims" not in own:
        aliases["keepdims"] = "keepdim"
    extra = [o for o in OPTIONS.get(name, ()) if o not in own]
    has_out = name in OUT and "out" not in own
    if not (rename or aliases or extra or has_out):
        return fn
    varkw = any(p.kind == p.VAR_KEYWORD for p in params)
    tail = [inspect.Parameter(o, inspect.Parameter.KEYWORD_ONLY,
                              default=False if o in ("pin_memory", "sparse_grad") else None)
            for o in (["out"] if has_out else []) + extra]
    if varkw:
        new = new[:-1] + tail + new[-1:]
    else:
        new += tail
    spell = {**aliases, **rename}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not kwargs:
            return fn(*args)
        for k in [k for k in kwargs if k in spell]:
            v = kwargs.pop(k)
            if spell[k] in kwargs:
                raise TypeError(f"{name}() got multiple values for argument '{k}'")
            kwargs[spell[k]] = v
        for o in extra:
            if o in kwargs:
                check_option(o, kwargs.pop(o))
        out = kwargs.pop("out", None) if has_out else None
        if out is None:
            return fn(*args, **kwargs)
        return write_out(out, fn(*args, **kwargs), name)

    wrapper.__signature__ = sig.replace(parameters=new)
    wrapper.__wrapped_op__ = fn
    del wrapper.__wrapped__  # inspect.signature reads __signature__ (PyTorch's names)
    return wrapper


def dim_aliases(cls):
    """Give every method of ``cls`` with a ``dim``/``keepdim`` parameter PyTorch's NumPy
    spellings ``axis=``/``keepdims=`` (the method is unchanged for calls without them)."""
    for name, fn in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(fn):
            continue
        try:
            own = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            continue
        spell = {a: d for a, d in (("axis", "dim"), ("keepdims", "keepdim"))
                 if d in own and a not in own}
        if spell:
            setattr(cls, name, _method_aliases(fn, spell))


def _method_aliases(fn, spell):
    @functools.wraps(fn)
    def method(self, *args, **kwargs):
        if kwargs:
            for k in [k for k in kwargs if k in spell]:
                if spell[k] in kwargs:
                    raise TypeError(f"{fn.__name__}() got multiple values for argument '{k}'")
                kwargs[spell[k]] = kwargs.pop(k)
        return fn(self, *args, **kwargs)

    return method
