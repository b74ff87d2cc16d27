"""``SummaryWriter``: PyTorch's TensorBoard writer, on the tensorboard package's event writer.

Events go through ``tensorboard.summary.writer.event_file_writer.EventFileWriter`` (the same
writer PyTorch uses): a bounded queue drained by a background thread that appends CRC-framed
records to ``events.out.tfevents.*``. Logging a value costs the caller one protobuf
serialisation and a queue put; disk writes happen off the training loop.

Nothing logged is lost: ``close()`` (and leaving a ``with`` block) drains the queue and closes
the files, and a writer that is garbage-collected or still open when the interpreter exits is
closed the same way (``weakref.finalize``).
"""
from __future__ import annotations

import os
import socket
import time
import weakref
from datetime import datetime

from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import summary as _summary
from ._convert import make_np, make_scalar


def _step(global_step):
    if global_step is None or type(global_step) is int:
        return global_step
    return int(make_scalar(global_step, "global_step"))


class FileWriter:
    """Writes Event protos to one event file in ``log_dir`` (asynchronously).

    Args:
        log_dir: directory of the event file (created if missing).
        max_queue: events buffered before ``add_event`` waits for the writer thread.
        flush_secs: how often the writer thread flushes the file to disk.
        filename_suffix: appended to the event file's name.
    """

    def __init__(self, log_dir, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = ""):
        log_dir = str(log_dir)
        self.event_writer = EventFileWriter(log_dir, max_queue, flush_secs, filename_suffix)
        # closes (drains + flushes) on close(), on garbage collection and at interpreter exit
        self._finalizer = weakref.finalize(self, self.event_writer.close)

    def get_logdir(self) -> str:
        return self.event_writer.get_logdir()

    def add_event(self, event: Event, step=None, walltime=None) -> None:
        event.wall_time = time.time() if walltime is None else float(walltime)
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None) -> None:
        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_def, walltime=None) -> None:
        self.add_event(Event(graph_def=graph_def.SerializeToString()), None, walltime)

    def flush(self) -> None:
        self.event_writer.flush()

    def close(self) -> None:
        self._finalizer()


class SummaryWriter:
    """Write entries for TensorBoard to event files in ``log_dir`` (``torch.utils.tensorboard``).

    Args:
        log_dir: where to write; default ``runs/<Mon><day>_<HH-MM-SS>_<hostname><comment>``.
        comment: suffix of the default ``log_dir`` (ignored when ``log_dir`` is given).
        purge_step: after a crash at step ``T + X`` restarted from step ``T``, events with
            ``step >= T`` from earlier runs in this ``log_dir`` are hidden by TensorBoard.
        max_queue: pending events held before a call to ``add_*`` waits for the disk.
        flush_secs: how often pending events are flushed to disk (seconds).
        filename_suffix: suffix of every event file name in ``log_dir``.

    Values may be minigrad Tensors (any device), NumPy arrays or Python numbers. Use it as a
    context manager, or call ``close()``; writers still open at interpreter exit are closed
    (flushed) then.
    """

    def __init__(self, log_dir=None, comment: str = "", purge_step=None, max_queue: int = 10,
                 flush_secs: int = 120, filename_suffix: str = ""):
        if not log_dir:
            now = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", now + "_" + socket.gethostname() + comment)
        self.log_dir = str(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()

    def _get_file_writer(self) -> FileWriter:
        """The main FileWriter, (re)opened on first use or after ``close()``."""
        if self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs,
                                          self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                step = int(self.purge_step)
                self.file_writer.add_event(Event(step=step, file_version="brain.Event:2"))
                self.file_writer.add_event(
                    Event(step=step, session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self) -> str:
        return self.log_dir

    # ---- values -------------------------------------------------------------------------
    def add_scalar(self, tag: str, scalar_value, global_step=None, walltime=None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """Log one number (a float, or a one-element Tensor/array) under ``tag``."""
        s = _summary.scalar(tag, scalar_value, new_style, double_precision)
        self._get_file_writer().add_summary(s, _step(global_step), walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step=None,
                    walltime=None) -> None:
        """Log several curves on one chart: each key goes to its own run
        ``<log_dir>/<main_tag>_<key>`` under the tag ``main_tag``."""
        root = self._get_file_writer().get_logdir()
        step = _step(global_step)
        for tag, value in tag_scalar_dict.items():
            path = os.path.join(root, main_tag.replace("/", "_") + "_" + tag)
            fw = self.all_writers.get(path)
            if fw is None:
                fw = FileWriter(path, self.max_queue, self.flush_secs, self.filename_suffix)
                self.all_writers[path] = fw
            fw.add_summary(_summary.scalar(main_tag, value), step, walltime)

    def add_histogram(self, tag: str, values, global_step=None, bins="tensorflow",
                      walltime=None, max_bins=None) -> None:
        """Log a histogram of ``values``; ``bins`` as in ``numpy.histogram`` or
        ``"tensorflow"``."""
        s = _summary.histogram(tag, values, bins, max_bins)
        self._get_file_writer().add_summary(s, _step(global_step), walltime)

    def add_histogram_raw(self, tag, min, max, num, sum, sum_squares, bucket_limits,
                          bucket_counts, global_step=None, walltime=None) -> None:
        """Log a histogram from precomputed statistics."""
        s = _summary.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits,
                                   bucket_counts)
        self._get_file_writer().add_summary(s, _step(global_step), walltime)

    def add_image(self, tag: str, img_tensor, global_step=None, walltime=None,
                  dataformats: str = "CHW") -> None:
        """Log one image: float in [0, 1] or uint8; ``dataformats`` ``CHW``, ``HWC`` or ``HW``.

        Shape:
            img_tensor: (C, H, W) by default, C in {1, 3, 4}.
        """
        s = _summary.image(tag, img_tensor, dataformats)
        self._get_file_writer().add_summary(s, _step(global_step), walltime)

    def add_images(self, tag: str, img_tensor, global_step=None, walltime=None,
                   dataformats: str = "NCHW") -> None:
        """Log a batch of images, tiled into a grid 8 wide.

        Shape:
            img_tensor: (N, C, H, W) by default (or ``NHWC`` with ``dataformats``).
        """
        self.add_image(tag, img_tensor, global_step, walltime, dataformats)

    def add_figure(self, tag: str, figure, global_step=None, close: bool = True,
                   walltime=None) -> None:
        """Render a matplotlib figure (or a list of them, as a grid) and log it as an image."""
        figs = figure if isinstance(figure, list) else [figure]
        imgs = [_summary.figure_to_hwc(f)[..., :3] for f in figs]
        if close:
            import matplotlib.pyplot as plt

            for f in figs:
                plt.close(f)
        if isinstance(figure, list):
            import numpy as np

            self.add_image(tag, np.stack(imgs), global_step, walltime, dataformats="NHWC")
        else:
            self.add_image(tag, imgs[0], global_step, walltime, dataformats="HWC")

    def add_text(self, tag: str, text_string: str, global_step=None, walltime=None) -> None:
        """Log a (Markdown) string for the text tab."""
        s = _summary.text(tag, text_string)
        self._get_file_writer().add_summary(s, _step(global_step), walltime)

    def add_hparams(self, hparam_dict: dict, metric_dict: dict, hparam_domain_discrete=None,
                    run_name=None, global_step=None) -> None:
        """Log one trial's hyperparameters and final metrics for the hparams tab.

        As in PyTorch, they go to a sub-run ``<log_dir>/<run_name>`` (default: the time),
        with each metric also logged there as a scalar.
        """
        exp, start, end = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=logdir, max_queue=self.max_queue,
                           filename_suffix=self.filename_suffix) as w:
            step = _step(global_step)
            for s in (exp, start, end):
                w.file_writer.add_summary(s, step)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def add_graph(self, model, input_to_model=None, verbose: bool = False,
                  use_strict_trace: bool = True) -> None:
        """Log the graph of ``model(*input_to_model)`` for the graph tab (see ``graph.py``)."""
        from .graph import graph

        self._get_file_writer().add_graph(graph(model, input_to_model, verbose))

    def add_embedding(self, mat, metadata=None, label_img=None, global_step=None,
                      tag: str = "default", metadata_header=None) -> None:
        """Log vectors (N, D) with optional labels for the projector tab."""
        from .embedding import write_embedding

        write_embedding(self._get_file_writer().get_logdir(), make_np(mat), metadata,
                        label_img, _step(global_step), tag, metadata_header)

    # ---- lifecycle ----------------------------------------------------------------------
    def flush(self) -> None:
        """Write everything logged so far to disk."""
        for w in (self.all_writers or {}).values():
            w.flush()

    def close(self) -> None:
        """Flush and close every event file; a later ``add_*`` opens a new one."""
        for w in (self.all_writers or {}).values():
            w.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
