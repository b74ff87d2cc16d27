"""``torch.nn.modules``: the import paths PyTorch gives its layers (``torch.nn.modules.loss._Loss``,
``torch.nn.modules.rnn.LSTM``, ...), each resolved from minigrad's own definitions.

The package itself answers every layer ``minigrad.nn`` has (``torch.nn.modules.Linear``), as
PyTorch's does.
"""
import importlib as _importlib

from . import (  # noqa: F401
    activation, adaptive, batchnorm, channelshuffle, container, conv, distance, dropout, flatten, fold,
    instancenorm, linear, loss, module, normalization, padding, pixelshuffle, pooling, rnn,
    sparse, transformer, upsampling,
)


def __getattr__(name):
    nn = _importlib.import_module("minigrad.nn")
    obj = getattr(nn, name, None)
    if isinstance(obj, type) and issubclass(obj, nn.Module):
        return obj
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
