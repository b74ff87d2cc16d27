"""In-place random samplers of the Tensor: ``exponential_``, ``cauchy_``, ``geometric_``,
``log_normal_``, ``random_``, and ``bernoulli`` (the method form); ``torch.poisson`` and
``torch.binomial``. Each transforms uniform
(or normal) draws of ``minigrad.random.sample`` by the inverse CDF, so one formula serves
NumPy and CuPy and the global seed / ``generator=`` apply as for ``uniform_``. In place on a
leaf that requires grad raises, as in PyTorch; nothing is recorded for autograd.
"""
from __future__ import annotations

import math

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from .inplace import _bump, _check, _LEAF_MSG


def _fill(self, name, vals):
    if _check(self, name):
        raise RuntimeError(_LEAF_MSG.format(op=name))
    self.array[...] = vals
    return _bump(self)


def _uniform(self, generator):
    """Uniform draws in [0, 1) as float64 on self's device (float64 keeps the tails)."""
    return _random.sample("uniform", self.shape, np.float64, self.device, 0.0, 1.0, generator)


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with draws from the exponential distribution of rate ``lambd``; returns self."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    u = _uniform(self, generator)
    return _fill(self, "exponential_", -self.xp.log1p(-u) / lambd)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with draws from the Cauchy distribution; returns self."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    u = _uniform(self, generator)
    return _fill(self, "cauchy_", median + sigma * self.xp.tan(math.pi * (u - 0.5)))


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...);
    returns self."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    xp = self.xp
    u = _uniform(self, generator)
    k = xp.ceil(xp.log1p(-u) / math.log1p(-p))
    return _fill(self, "geometric_", xp.maximum(k, 1))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp of draws from N(mean, std^2); returns self."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    z = _random.sample("normal", self.shape, np.float64, self.device, mean, std, generator)
    return _fill(self, "log_normal_", self.xp.exp(z))


def _top(dtype):
    """The default upper bound of random_(): 2^mantissa bits + 1 for floats (so every
    drawn integer is exact), the dtype's max + 1 for integers, 2 for bool."""
    if dtype.kind == "b":
        return 2
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1) + 1
    return int(np.iinfo(dtype).max) + 1


def random_(self, from_=0, to=None, *, generator=None, **kwargs):
    """Fill with integers drawn uniformly from [from, to - 1] (``random_(to)``: [0, to - 1];
    ``random_()``: [0, 2^mantissa] for floats, [0, max] for integers); returns self."""
    if "from" in kwargs:
        from_ = kwargs.pop("from")
    if kwargs:
        raise TypeError(f"random_() got an unexpected keyword argument {next(iter(kwargs))!r}")
    if to is None and from_ != 0:
        from_, to = 0, from_
    hi = _top(self.array.dtype) if to is None else to
    if not from_ < hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} "
                           f">= to={hi}")
    vals = _random.sample("randint", self.shape, np.int64, self.device, int(from_), int(hi),
                          generator)
    return _fill(self, "random_", vals)


def bernoulli(input, p=None, *, generator=None):
    """0/1 draws with probability ``p`` (default: input's own values as probabilities), in
    input's dtype."""
    from ..creation import bernoulli as _bernoulli

    return _bernoulli(input, p, generator=generator)


def poisson(input, generator=None):
    """Draws from Poisson(rate) for each rate in ``input`` (non-negative), in input's dtype
    (no gradient)."""
    rates = input.array
    if bool((rates < 0).any()) or bool(input.xp.isnan(rates).any()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    vals = _random.sample("poisson", input.shape, rates.dtype, input.device, rates, None,
                          generator)
    return Tensor._wrap(vals)


def binomial(count, prob, generator=None):
    """Draws from Binomial(count, prob) elementwise, in ``count``'s dtype (no gradient)."""
    n, p = count.array, prob.array
    if bool(((p < 0) | (p > 1)).any()):
        raise RuntimeError("binomial: probabilities must be in [0, 1]")
    shape = tuple(count.xp.broadcast_shapes(n.shape, p.shape)) if hasattr(
        count.xp, "broadcast_shapes") else tuple(np.broadcast_shapes(n.shape, p.shape))
    vals = _random.sample("binomial", shape, n.dtype, count.device,
                          n.astype(np.int64), p.astype(np.float64), generator)
    return Tensor._wrap(vals)


__all__ = ["binomial", "poisson"]
METHODS = ["exponential_", "cauchy_", "geometric_", "log_normal_", "random_", "bernoulli"]
