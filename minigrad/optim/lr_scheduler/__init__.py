"""Learning-rate schedulers, as ``torch.optim.lr_scheduler``.

A scheduler rewrites ``group['lr']`` of its optimizer's param groups each time
``step()`` is called (once per epoch, or once per batch for ``OneCycleLR`` and
``CyclicLR``), after ``optimizer.step()``. Creating a scheduler performs its first step
(``last_epoch`` becomes 0). The formulas are PyTorch's recursive ("chainable") forms, with
its closed forms for ``step(epoch)``, so curves match PyTorch's to rounding, and
``state_dict()`` holds plain numbers, lists and dicts that ``minigrad.save`` can write.

- :mod:`.basic`: ``LRScheduler`` and the one-formula schedulers (StepLR, MultiStepLR,
  ExponentialLR, CosineAnnealingLR, LambdaLR, LinearLR, OneCycleLR, ReduceLROnPlateau).
- :mod:`.factor`: MultiplicativeLR, ConstantLR, PolynomialLR.
- :mod:`.cyclic`: CyclicLR, CosineAnnealingWarmRestarts.
- :mod:`.combine`: SequentialLR, ChainedScheduler.
"""
from ..optimizer import Optimizer  # re-exported here by PyTorch too
from .basic import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    ReduceLROnPlateau,
    StepLR,
)
from .combine import ChainedScheduler, SequentialLR
from .cyclic import CosineAnnealingWarmRestarts, CyclicLR
from .factor import ConstantLR, MultiplicativeLR, PolynomialLR

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR",
           "LambdaLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau", "MultiplicativeLR",
           "ConstantLR", "PolynomialLR", "CyclicLR", "CosineAnnealingWarmRestarts",
           "SequentialLR", "ChainedScheduler"]
