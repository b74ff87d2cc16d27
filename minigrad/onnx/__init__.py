"""ONNX export with ``torch.onnx``'s interface (``import minigrad as torch; torch.onnx.export``).

The exporter traces the model through the capture of :mod:`minigrad.compile` and emits the graph
with the ``onnx`` package (the optional ``onnx`` extra). Until it is built, importing this module
works (PyTorch programs import ``torch.onnx`` at the top) and ``export`` raises a clear error.
"""

__all__ = ["export"]


def export(model, args, f, *a, **kw):
    """Export ``model`` traced on ``args`` to the ONNX file or file object ``f`` (not yet built)."""
    raise NotImplementedError(
        "minigrad.onnx.export is not implemented yet; importing minigrad.onnx works so PyTorch "
        "programs that import torch.onnx run")
