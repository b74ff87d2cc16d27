"""``torch.nn.modules.adaptive`` (resolved from minigrad's own definitions)."""
from ._reexport import reexport

__getattr__, __dir__ = reexport(__name__, ["AdaptiveLogSoftmaxWithLoss"])
