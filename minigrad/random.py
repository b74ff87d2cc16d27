"""Random numbers: one global generator per device, seeded by ``manual_seed``.

CPU draws come from a NumPy ``Generator`` (PCG64); CUDA draws from CuPy's
generator, seeded at the same time (when CuPy is loaded).
"""
from __future__ import annotations

import numpy as np

from . import backend


class Generator:
    """A seedable random source, as ``torch.Generator`` (CPU)."""

    def __init__(self, device="cpu"):
        self.device = backend.device(device)
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int):
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        from .tensor import Tensor

        st = self._rng.bit_generator.state
        arr = np.array([st["state"]["state"], st["state"]["inc"], st["has_uint32"], st["uinteger"]],
                       dtype=object)
        return Tensor._from_data(np.frombuffer(str(arr.tolist()).encode(), dtype=np.uint8).copy())

    def set_state(self, state):
        import ast

        vals = ast.literal_eval(bytes(np.asarray(state.array, dtype=np.uint8)).decode())
        self._rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int(vals[0]), "inc": int(vals[1])},
            "has_uint32": int(vals[2]),
            "uinteger": int(vals[3]),
        }
        return self


default_generator = Generator()


def manual_seed(seed: int):
    """Seed every generator (CPU, and CUDA when CuPy is loaded) for reproducible runs."""
    seed = int(seed)
    default_generator.manual_seed(seed)
    if backend._cupy is not None:
        backend._cupy.random.seed(seed % (2**32))
    return default_generator


def seed() -> int:
    default_generator.seed()
    return default_generator.initial_seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


def check_probability(p):
    """Raise unless every probability in ``p`` (number, array or Tensor) is in [0, 1]."""
    p = p.array if hasattr(p, "requires_grad") else p  # a Tensor
    if getattr(p, "size", 1) == 0:
        return
    lo, hi = (float(p.min()), float(p.max())) if hasattr(p, "min") else (p, p)
    if not (0 <= lo and hi <= 1):  # nan fails both
        raise RuntimeError(f"bernoulli expects 0 <= p <= 1, but got p in [{lo}, {hi}]")


def sample(kind, shape, np_dtype, device, a=None, b=None, generator=None):
    """Draw an array of ``shape``: kind is uniform [a, b), normal (mean a, std b),
    bernoulli (p = a), randint [a, b), permutation (n = a), poisson (rates a) or binomial
    (counts a, probabilities b)."""
    if kind == "normal" and not b >= 0:  # also rejects nan
        raise RuntimeError(f"normal expects std >= 0.0, but found std {b}")
    if kind == "uniform" and not a <= b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    if kind == "bernoulli":
        check_probability(a)
    dev = backend.device(device)
    shape = tuple(shape)
    if dev.type == "cuda":
        cp = backend.require_cuda()
        # CuPy draws float32/float64 directly (no float64 detour for float32 tensors); its
        # global RandomState is seeded by manual_seed; ``generator`` (CPU) is not used here
        fdt = np.dtype(np_dtype) if np.dtype(np_dtype) in (np.float32, np.float64) else np.float32
        with cp.cuda.Device(dev.index or 0):
            rs = cp.random
            if kind == "uniform":
                return rs.uniform(a, b, size=shape, dtype=fdt).astype(np_dtype, copy=False)
            if kind == "normal":
                return rs.normal(a, b, size=shape, dtype=fdt).astype(np_dtype, copy=False)
            if kind == "bernoulli":
                p = a.array if hasattr(a, "array") else a  # a probability Tensor: its array
                return (rs.random_sample(shape, dtype=fdt) < p).astype(np_dtype)
            if kind == "randint":
                return rs.randint(a, b, size=shape).astype(np_dtype)
            if kind == "permutation":
                return rs.permutation(a).astype(np_dtype)
            if kind == "poisson":
                return rs.poisson(a, size=shape).astype(np_dtype)
            if kind == "binomial":
                return rs.binomial(a, b, size=shape).astype(np_dtype)
    rng = (generator or default_generator)._rng
    np_dtype = np.dtype(np_dtype)
    if kind == "uniform":
        if np_dtype in (np.float32, np.float64) and a == 0 and b == 1:
            return rng.random(shape, dtype=np_dtype)
        return (rng.random(shape) * (b - a) + a).astype(np_dtype)
    if kind == "normal":
        if np_dtype in (np.float32, np.float64):
            out = rng.standard_normal(shape, dtype=np_dtype)
        else:
            out = rng.standard_normal(shape).astype(np_dtype)
        if b != 1:
            out *= b
        if a != 0:
            out += a
        return out
    if kind == "bernoulli":
        p = a.array if hasattr(a, "array") else a
        return (rng.random(shape) < p).astype(np_dtype)
    if kind == "randint":
        return rng.integers(a, b, size=shape).astype(np_dtype)
    if kind == "permutation":
        return rng.permutation(a).astype(np_dtype)
    if kind == "poisson":  # a: the rates (an array of ``shape``)
        return rng.poisson(a, size=shape).astype(np_dtype)
    if kind == "binomial":  # a: the counts, b: the probabilities
        return rng.binomial(a, b, size=shape).astype(np_dtype)
    raise ValueError(f"unknown distribution {kind!r}")
