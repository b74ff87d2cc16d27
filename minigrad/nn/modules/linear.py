"""``torch.nn.modules.linear`` (resolved from minigrad's own definitions)."""
from ..layers import Linear
from ._reexport import reexport


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under the name PyTorch gives the output projection of
    ``MultiheadAttention`` (PyTorch uses it to exclude that layer from dynamic
    quantization; minigrad has no quantization, so it is plainly a Linear)."""


__getattr__, __dir__ = reexport(__name__, [
    "Identity", "Linear", "Bilinear", "LazyLinear",
])
