"""Top-level functional API: ``minigrad.exp(x)``, ``minigrad.cat(...)``, ... (as ``torch.*``).

Every public op of ``minigrad.ops`` (the names in each family's ``__all__``) is exported.
"""
from __future__ import annotations

from . import ops as _ops
from ._parser import torch_form as _torch_form

__all__ = sorted(
    name
    for fam in (_ops.compare, _ops.elementwise, _ops.indexing, _ops.joining, _ops.linalg,
                _ops.movement, _ops.reduce, _ops.scans, _ops.unary, _ops.sorting,
                _ops.scattering, _ops.diagonals, _ops.sampling, _ops.views,
                _ops.integrate, _ops.special_math, _ops.aliases,
                _ops.statistics, _ops.histograms, _ops.differences, _ops.products,
                _ops.inplace_forms, _ops.math_extra, _ops.special_fns,
                _ops.linalg_torch, _ops.householder, _ops.lowrank,
                _ops.random_fill, _ops.eigensolvers, _ops.selecting, _ops.splitting,
                _ops.spectral, _ops.strided)
    for name in getattr(fam, "__all__", ())
)
# PyTorch's keyword spellings (input=, other=, axis=, out=, ...): see _parser.py
globals().update({name: _torch_form(name, getattr(_ops, name)) for name in __all__})
