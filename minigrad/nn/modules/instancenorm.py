"""``torch.nn.modules.instancenorm`` (resolved from minigrad's own definitions)."""
from ._reexport import reexport

__getattr__, __dir__ = reexport(__name__, [
    "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
])
