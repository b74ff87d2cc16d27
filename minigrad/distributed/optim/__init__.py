"""``minigrad.distributed.optim``: optimizers for data-parallel jobs (as
``torch.distributed.optim``): ``ZeroRedundancyOptimizer`` shards an optimizer's state
across the ranks of a process group."""
from .zero_redundancy_optimizer import ZeroRedundancyOptimizer

__all__ = ["ZeroRedundancyOptimizer"]
