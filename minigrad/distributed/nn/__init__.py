"""``minigrad.distributed.nn``: collectives that autograd can differentiate through."""
from . import functional

__all__ = ["functional"]
