"""``torch.signal``: window functions (``minigrad.signal.windows``)."""
from . import windows

__all__ = ["windows"]
