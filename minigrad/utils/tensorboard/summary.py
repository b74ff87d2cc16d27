"""Summary protobufs for each kind of logged value, built from the tensorboard package's protos.

Each function returns a ``Summary`` proto (what ``SummaryWriter.add_*`` writes into an event);
they follow PyTorch's ``torch.utils.tensorboard.summary`` in names and layout, so TensorBoard's
plugins (scalars, histograms, images, text, hparams) read them the same way.
"""
from __future__ import annotations

import io
import time

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

from ._convert import make_np, make_scalar, to_hwc, to_uint8


def scalar(name: str, value, new_style: bool = False, double_precision: bool = False) -> Summary:
    """One scalar; ``new_style`` stores it as a tensor with the scalars plugin's metadata."""
    v = float(value) if type(value) in (float, int) else make_scalar(value)  # fast path: numbers
    if not new_style:
        return Summary(value=[Summary.Value(tag=name, simple_value=v)])
    from tensorboard.plugins.scalar import metadata

    tensor = TensorProto(dtype="DT_DOUBLE" if double_precision else "DT_FLOAT",
                         tensor_shape=TensorShapeProto())
    (tensor.double_val if double_precision else tensor.float_val).append(v)
    smd = metadata.create_summary_metadata(display_name="", description="")
    return Summary(value=[Summary.Value(tag=name, tensor=tensor, metadata=smd)])


def _tensorflow_edges() -> np.ndarray:
    """TensorFlow's default histogram bucket edges: +-1e-12 growing by 10% to +-1e20, and 0."""
    pos = 1e-12 * 1.1 ** np.arange(int(np.ceil(np.log(1e32) / np.log(1.1))))
    pos = pos[pos < 1e20]
    return np.concatenate([-pos[::-1], [0.0], pos])


_TF_EDGES = None


def histogram(name: str, values, bins="tensorflow", max_bins: int | None = None) -> Summary:
    """A histogram of ``values`` (flattened).

    Args:
        bins: ``"tensorflow"`` (TensorFlow's exponential buckets), or anything
            ``numpy.histogram`` accepts (an int, an edge array, ``"auto"``, ...).
        max_bins: merge neighbouring buckets until at most this many remain.
    """
    global _TF_EDGES
    v = make_np(values).reshape(-1).astype(np.float64)
    if v.size == 0:
        raise ValueError("The input has no element.")
    if bins == "tensorflow":
        if _TF_EDGES is None:
            _TF_EDGES = _tensorflow_edges()
        # values beyond the outermost edges land in the first/last bucket
        edges = _TF_EDGES
        counts, _ = np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)
    else:
        counts, edges = np.histogram(v, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = -(-len(counts) // max_bins)  # ceil: buckets merged into one
        pad = (-len(counts)) % group
        counts = np.concatenate([counts, np.zeros(pad, counts.dtype)]).reshape(-1, group).sum(1)
        right = np.concatenate([edges[1:], np.repeat(edges[-1], pad)])[group - 1::group]
        edges = np.concatenate([edges[:1], right])
    nz = np.flatnonzero(counts)
    lo, hi = (nz[0], nz[-1]) if nz.size else (0, len(counts) - 1)
    # TensorBoard's buckets are (limit[i-1], limit[i]]: keep the non-empty span plus an empty
    # bucket ending at its left edge, so the viewer knows where the first bucket starts
    limits = edges[lo:hi + 2]
    counts = np.concatenate([[0], counts[lo:hi + 1]])
    proto = HistogramProto(
        min=float(v.min()), max=float(v.max()), num=int(v.size), sum=float(v.sum()),
        sum_squares=float(v @ v), bucket_limit=limits.tolist(), bucket=counts.tolist(),
    )
    return Summary(value=[Summary.Value(tag=name, histo=proto)])


def histogram_raw(name, min, max, num, sum, sum_squares, bucket_limits, bucket_counts) -> Summary:
    """A histogram from precomputed statistics (PyTorch's ``add_histogram_raw``)."""
    if len(bucket_limits) != len(bucket_counts):
        raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
    proto = HistogramProto(
        min=float(min), max=float(max), num=int(num), sum=float(sum),
        sum_squares=float(sum_squares), bucket_limit=[float(b) for b in bucket_limits],
        bucket=[float(c) for c in bucket_counts],
    )
    return Summary(value=[Summary.Value(tag=name, histo=proto)])


def encode_png(hwc: np.ndarray) -> bytes:
    """PNG bytes for an HWC uint8 image with 1, 3 or 4 channels (Pillow does the encoding)."""
    from PIL import Image  # a dependency of the tensorboard package

    mode = {1: "L", 3: "RGB", 4: "RGBA"}.get(hwc.shape[2])
    if mode is None:
        raise ValueError(f"images need 1, 3 or 4 channels, got {hwc.shape[2]}")
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(hwc if mode != "L" else hwc[..., 0]), mode).save(buf, "PNG")
    return buf.getvalue()


def image(tag: str, img, dataformats: str = "NCHW") -> Summary:
    """An image (or a grid of images) from floats in [0, 1] or uint8 in [0, 255]."""
    hwc = to_uint8(to_hwc(make_np(img), dataformats))
    h, w, c = hwc.shape
    im = Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=encode_png(hwc))
    return Summary(value=[Summary.Value(tag=tag, image=im)])


def figure_to_hwc(figure) -> np.ndarray:
    """Render a matplotlib figure to an HWC uint8 RGBA array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def text(tag: str, text_string: str) -> Summary:
    """A Markdown string for TensorBoard's text tab (tag gets ``/text_summary``, as in PyTorch)."""
    from tensorboard.plugins.text import metadata

    smd = metadata.create_summary_metadata(display_name="", description="")
    tensor = TensorProto(dtype="DT_STRING", string_val=[str(text_string).encode("utf-8")],
                         tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=smd, tensor=tensor)])


def hparams(hparam_dict: dict, metric_dict: dict, hparam_domain_discrete: dict | None = None):
    """The three summaries of TensorBoard's hparams plugin: experiment, session start, end.

    Values may be int, float, str, bool or a one-element Tensor/array.
    """
    from google.protobuf.struct_pb2 import ListValue, Value
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("hparam_dict and metric_dict should be dictionaries.")
    domains = hparam_domain_discrete or {}
    for k, vs in domains.items():
        if k not in hparam_dict or not isinstance(vs, list) or \
                not all(isinstance(v, type(hparam_dict[k])) for v in vs):
            raise TypeError(
                f"parameter: hparam_domain_discrete[{k}] should be a list of the same type "
                f"as hparam_dict[{k}]."
            )
    infos, values = [], {}
    for k, v in hparam_dict.items():
        if v is None:
            continue
        domain = None
        if isinstance(v, bool):
            kind, values[k] = "DATA_TYPE_BOOL", Value(bool_value=v)
            domain = ListValue(values=[Value(bool_value=b) for b in domains.get(k, [True, False])])
        elif isinstance(v, str):
            kind, values[k] = "DATA_TYPE_STRING", Value(string_value=v)
            if k in domains:
                domain = ListValue(values=[Value(string_value=s) for s in domains[k]])
        elif isinstance(v, (int, float, np.generic)) or hasattr(v, "shape"):
            kind, values[k] = "DATA_TYPE_FLOAT64", Value(number_value=make_scalar(v, k))
            if k in domains:
                domain = ListValue(values=[Value(number_value=float(d)) for d in domains[k]])
        else:
            raise ValueError("value should be one of int, float, str, bool, or Tensor")
        infos.append(api_pb2.HParamInfo(name=k, type=api_pb2.DataType.Value(kind),
                                        domain_discrete=domain))
    metrics = [api_pb2.MetricInfo(name=api_pb2.MetricName(tag=k)) for k in metric_dict]

    def wrap(tag, **plugin_data):
        smd = metadata.create_summary_metadata(plugin_data_pb2.HParamsPluginData(**plugin_data))
        return Summary(value=[Summary.Value(tag=tag, metadata=smd, tensor=metadata.NULL_TENSOR)])

    exp = wrap(metadata.EXPERIMENT_TAG,
               experiment=api_pb2.Experiment(hparam_infos=infos, metric_infos=metrics))
    start = wrap(metadata.SESSION_START_INFO_TAG, session_start_info=plugin_data_pb2.SessionStartInfo(
        hparams=values, start_time_secs=time.time()))
    end = wrap(metadata.SESSION_END_INFO_TAG, session_end_info=plugin_data_pb2.SessionEndInfo(
        status=api_pb2.Status.Value("STATUS_SUCCESS"), end_time_secs=time.time()))
    return exp, start, end


__all__ = ["scalar", "histogram", "histogram_raw", "image", "text", "hparams", "encode_png",
           "figure_to_hwc"]
