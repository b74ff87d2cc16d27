"""Top-level functional API: ``minigrad.exp(x)``, ``minigrad.cat(...)``, ... (as ``torch.*``).

Every public op of ``minigrad.ops`` (the names in each family's ``__all__``) is exported.
"""
from __future__ import annotations

from . import ops as _ops

__all__ = sorted(
    name
    for fam in (_ops.compare, _ops.elementwise, _ops.indexing, _ops.joining, _ops.linalg,
                _ops.movement, _ops.reduce, _ops.unary, _ops.sorting,
                _ops.scattering, _ops.diagonals, _ops.sampling, _ops.views,
                _ops.integrate, _ops.special_math, _ops.aliases)
    for name in getattr(fam, "__all__", ())
)
globals().update({name: getattr(_ops, name) for name in __all__})
