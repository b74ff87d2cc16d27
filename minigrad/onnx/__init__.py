"""ONNX export with ``torch.onnx``'s interface (``import minigrad as torch; torch.onnx.export``).

The model is traced once at the op level (:mod:`minigrad.compile.oprecord`: one node per
``Function`` application) and each op becomes ONNX nodes built with the ``onnx`` package
(the optional ``onnx`` extra: ``pip install "minigrad[onnx]"``). See ``docs/interop.md``.
Importing this module needs nothing beyond NumPy (PyTorch programs import ``torch.onnx``
at the top); ``export`` imports ``onnx`` when called.
"""
from __future__ import annotations

import enum

__all__ = ["export", "TrainingMode", "OperatorExportTypes", "UnsupportedOperatorError",
           "is_in_onnx_export"]

_DEFAULT_OPSET = 17
_exporting = False


class TrainingMode(enum.IntEnum):
    """Which mode the model is traced in (``torch.onnx.TrainingMode``)."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OperatorExportTypes(enum.IntEnum):
    """Accepted for compatibility; only ``ONNX`` (standard ops) is produced."""

    ONNX = 0
    ONNX_ATEN = 1
    ONNX_ATEN_FALLBACK = 2
    ONNX_FALLTHROUGH = 3


class UnsupportedOperatorError(RuntimeError):
    """The traced model used an op that has no ONNX conversion (the message names it)."""


def is_in_onnx_export() -> bool:
    """True while ``export`` is tracing a model."""
    return _exporting


def _require_onnx():
    try:
        import onnx  # noqa: F401
    except ImportError as e:
        raise ImportError(
            "minigrad.onnx.export needs the 'onnx' package: install the optional extra with "
            "pip install \"minigrad[onnx]\" (onnx, and onnxruntime to run the exported model)"
        ) from e


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None,
           output_names=None, opset_version=None, dynamo=True, external_data=True,
           dynamic_shapes=None, custom_translation_table=None, report=False, optimize=True,
           verify=False, profile=False, dump_exported_program=False, artifacts_dir=".",
           export_params=True, keep_initializers_as_inputs=False, dynamic_axes=None,
           training=TrainingMode.EVAL, operator_export_type=OperatorExportTypes.ONNX,
           do_constant_folding=True, custom_opsets=None, export_modules_as_functions=False,
           autograd_inlining=True):
    """Export ``model`` traced on ``args`` to ONNX (``torch.onnx.export``'s signature).

    The model runs once in eval mode (``training``) on ``args`` while every op is
    recorded, then once more on altered inputs (values rotated, dynamic axes one longer)
    to check that the graph does not depend on input values and to find which sizes
    follow the dynamic axes. Parameters become initializers named as in
    ``named_parameters`` (``"fc1.weight"``); work on buffers alone (a batch norm's running
    statistics) is folded into constants when ``do_constant_folding``.

    Args:
        model: an ``nn.Module`` (or a callable over tensors).
        args: a Tensor or a tuple of positional arguments (Tensors, nested tuples/lists of
            Tensors, Python values); a trailing dict holds keyword arguments.
        f: a path or a binary file object to write to; None returns the ``onnx.ModelProto``.
        kwargs: keyword arguments for the model.
        verbose: print the ONNX graph.
        input_names, output_names: names of the graph inputs (the flattened tensors of
            ``args`` then ``kwargs``) and outputs; defaults: ``forward``'s parameter names,
            ``output``/``output_{i}``.
        opset_version: the ONNX opset (default 17; 13 to 21 are supported).
        dynamic_axes: ``{name: {axis: symbol}}`` or ``{name: [axes]}``: dims that may have
            another size at run time (e.g. ``{"x": {0: "batch"}}``).
        export_params: store the parameters as initializers (False: graph inputs).
        keep_initializers_as_inputs: also list the initializers as graph inputs.
        training: ``TrainingMode.EVAL`` (default), ``PRESERVE`` or ``TRAINING``.
        do_constant_folding: fold work on buffers and constants into constants.
        dynamo, external_data, report, optimize, verify, profile, dump_exported_program,
            artifacts_dir, custom_opsets, autograd_inlining, operator_export_type,
            export_modules_as_functions: accepted for PyTorch compatibility; this exporter
            is the tracing (``dynamo=False``) kind.

    Returns:
        None when ``f`` is given, else the ``onnx.ModelProto``.

    Raises:
        UnsupportedOperatorError: an op has no ONNX conversion (named in the message).
        ImportError: the ``onnx`` package (the ``onnx`` extra) is missing.
    """
    global _exporting
    _require_onnx()
    import onnx

    from ._builder import UnsupportedOp
    from ._export import export_model

    if dynamic_shapes is not None:
        raise NotImplementedError("minigrad.onnx.export: dynamic_shapes (the dynamo exporter's "
                                  "form) is not supported; pass dynamic_axes instead")
    if custom_translation_table:
        raise NotImplementedError("minigrad.onnx.export: custom_translation_table is not "
                                  "supported")
    opset = _DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not 13 <= opset <= 21:
        raise ValueError(f"minigrad.onnx.export: opset_version {opset} is not supported "
                         "(13 to 21)")
    mode = {TrainingMode.EVAL: "eval", TrainingMode.TRAINING: "train",
            TrainingMode.PRESERVE: "preserve", False: "eval", True: "train"}.get(training)
    if mode is None:
        raise ValueError(f"minigrad.onnx.export: unknown training mode {training!r}")
    _exporting = True
    try:
        proto = export_model(
            model, args, kwargs, input_names=input_names, output_names=output_names,
            opset_version=opset, dynamic_axes=dynamic_axes, export_params=export_params,
            keep_initializers_as_inputs=keep_initializers_as_inputs, training=mode,
            do_constant_folding=do_constant_folding, verbose=bool(verbose))
    except UnsupportedOp as e:
        raise UnsupportedOperatorError(str(e)) from None
    finally:
        _exporting = False
    if f is None:
        return proto
    onnx.save_model(proto, f)
    return None
