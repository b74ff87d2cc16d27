"""``torch.torch_version``: :class:`TorchVersion`, the type of ``minigrad.__version__``."""
from __future__ import annotations

import re

__all__ = ["TorchVersion", "__version__"]


class TorchVersion(str):
    """A version string that compares by release numbers (``'2.10' > '2.9'``) with strings
    and tuples, as ``torch.torch_version.TorchVersion``; pre-release and local parts after
    the release numbers are ignored in comparisons."""

    @staticmethod
    def _key(v):
        if isinstance(v, (tuple, list)):
            return tuple(int(x) for x in v)
        m = re.match(r"\d+(\.\d+)*", str(v).strip().lstrip("v"))
        if not m:
            raise ValueError(f"Invalid version: {v!r}")
        return tuple(int(x) for x in m.group(0).split("."))

    def _cmp(self, other):
        a, b = self._key(self), self._key(other)
        n = max(len(a), len(b))
        a, b = a + (0,) * (n - len(a)), b + (0,) * (n - len(b))
        return (a > b) - (a < b)

    def __lt__(self, other):
        return self._cmp(other) < 0

    def __le__(self, other):
        return self._cmp(other) <= 0

    def __gt__(self, other):
        return self._cmp(other) > 0

    def __ge__(self, other):
        return self._cmp(other) >= 0

    def __eq__(self, other):
        try:
            return self._cmp(other) == 0
        except (ValueError, TypeError):
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__


__version__ = TorchVersion("0.1.0")
