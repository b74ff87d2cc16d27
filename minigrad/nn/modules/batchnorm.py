"""``torch.nn.modules.batchnorm`` (resolved from minigrad's own definitions)."""
from ._reexport import reexport

__getattr__, __dir__ = reexport(__name__, [
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d",
    "LazyBatchNorm3d", "SyncBatchNorm", "_BatchNorm", "_NormBase",
], ("minigrad.nn.normalization",))
