"""``torch.return_types``: the named-tuple classes ops return (``sort``, ``topk``, ``max``,
``median``, ``mode``, ``aminmax``, ``histogram``, ...), gathered from the op families so
that ``isinstance(r, torch.return_types.max)`` works. Each is a ``collections.namedtuple``
(PyTorch's are structseqs): index, unpack and read fields by name alike."""
from __future__ import annotations

from . import ops as _ops


def _gather():
    found = {}
    for mod in vars(_ops).values():
        if getattr(mod, "__name__", "").startswith(_ops.__name__ + "."):
            for name, obj in vars(mod).items():
                if name.endswith("_result") and isinstance(obj, type) and issubclass(
                        obj, tuple) and hasattr(obj, "_fields"):
                    found.setdefault(obj.__name__, obj)
    return found


globals().update(_gather())
__all__ = sorted(_gather())
