"""Utilities: ``minigrad.utils.data`` (datasets, samplers, DataLoader), ``minigrad.utils.dlpack``.

``utils.tensorboard`` and ``utils.viz`` are imported on use (they need optional extras).
"""
from . import data, dlpack

__all__ = ["data", "dlpack"]
