"""``torch.nn.modules.upsampling`` (resolved from minigrad's own definitions)."""
from ._reexport import reexport

__getattr__, __dir__ = reexport(__name__, [
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d",
])
