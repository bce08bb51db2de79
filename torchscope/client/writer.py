"""``SummaryWriter``: torch.utils.tensorboard's API and file encoding, at a fraction of the cost.

Drop-in: the same constructor arguments and methods, and the same records on disk, so
TensorBoard, torchscope and any other reader see the same data. Differences are opt-in
keyword arguments (see :class:`SummaryWriter`).
"""

from __future__ import annotations

import os
import socket
import time
import warnings
import weakref
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from torchscope.client.writer_convert import is_torch_tensor, scalar_to_float, to_numpy
from torchscope.client.writer_device import start_device_copy
from torchscope.client.writer_distributed import process_rank
from torchscope.client.writer_embedding import EmbeddingFiles
from torchscope.client.writer_explain import explanation_value
from torchscope.client.writer_files import FILE_VERSION, EventFileWriter, join_path
from torchscope.client.writer_graph import graph_events, save_module_graph
from torchscope.client.writer_histogram import histogram_proto, tensorflow_bucket_edges
from torchscope.client.writer_hparams import hparams_values
from torchscope.client.writer_images import box_labels, figure_to_chw, image_value, video_value
from torchscope.client.writer_summaries import (
    PR_CURVE_MAX_THRESHOLDS,
    as_float_array,
    audio_value,
    custom_scalars_value,
    mesh_values,
    pr_curve_counts,
    pr_curve_value,
    scalar_tensor_value,
    tensor_value,
    text_value,
)
from torchscope.events import encode_scalar_event
from torchscope.events.messages import Event, HistogramProto, SessionLog, Summary

__all__ = ["SummaryWriter"]

_now = time.time


def default_log_dir(comment: str = "") -> str:
    """``runs/<Mon DD_HH-MM-SS>_<host><comment>``, torch's default."""
    stamp = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")


class SummaryWriter:
    """Writes TensorBoard event files; a drop-in for ``torch.utils.tensorboard.SummaryWriter``.

    Args:
        log_dir: run directory (local path or fsspec URL such as ``s3://bucket/runs/a``).
            Default ``runs/<date>_<host><comment>``.
        comment: suffix of the default ``log_dir``; ignored when ``log_dir`` is given.
        purge_step: on a restart from step T, hide everything previously logged at
            step >= T (TensorBoard's purge rule).
        max_queue: pending events that wake the writer thread.
        flush_secs: longest time written data stays in a buffer before it reaches the file.
        filename_suffix: appended to every event file name.

    Keyword-only options (defaults reproduce torch's behaviour):
        live: make data visible within about a second (flush_secs capped at 1 s).
        scalars_run_per_key: ``add_scalars`` writes one run per key, as torch does; False
            writes the tags ``main_tag/key`` into this run instead.
        hparams_separate_run: ``add_hparams`` writes into a child run, as torch does;
            False writes into this run (as PyTorch Lightning does).
        hparams_exact_bools: log bool hyperparameters as booleans (torch logs 1.0/0.0).
        per_rank: under torch.distributed, every rank writes into ``<log_dir>/rank<k>``;
            by default only rank 0 writes and the other ranks' calls do nothing.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        comment: str = "",
        purge_step: int | None = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
        *,
        live: bool = False,
        scalars_run_per_key: bool = True,
        hparams_separate_run: bool = True,
        hparams_exact_bools: bool = False,
        per_rank: bool = False,
    ) -> None:
        if not isinstance(comment, str):
            raise TypeError(f"comment must be a str, got {type(comment).__name__}")
        if not isinstance(filename_suffix, str):
            raise TypeError(f"filename_suffix must be a str, got {type(filename_suffix).__name__}")
        if int(max_queue) < 1:
            raise ValueError(f"max_queue must be >= 1, got {max_queue}")
        if float(flush_secs) < 0:
            raise ValueError(f"flush_secs must be >= 0, got {flush_secs}")
        log_dir = os.fspath(log_dir) if log_dir else default_log_dir(comment)
        self.rank = process_rank()
        self.active = per_rank or self.rank == 0
        if per_rank:
            log_dir = join_path(log_dir, f"rank{self.rank}")
        self.log_dir: str = log_dir
        self.purge_step = purge_step
        self.max_queue = int(max_queue)
        self.flush_secs = float(flush_secs)
        self.filename_suffix = filename_suffix
        self.live = live
        self.scalars_run_per_key = scalars_run_per_key
        self.hparams_separate_run = hparams_separate_run
        self.hparams_exact_bools = hparams_exact_bools
        self._main: EventFileWriter | None = None
        # Mutated in place (never rebound) so the exit-time finalizer sees every file.
        self._writers: dict[str, EventFileWriter] = {}
        self._embeddings: EmbeddingFiles | None = None
        # Data must not be lost when a script ends without close().
        weakref.finalize(self, _close_at_exit, self._writers)
        if self.active:
            self._open_main()

    # -- files ------------------------------------------------------------------------

    def _new_file(self, run_dir: str) -> EventFileWriter:
        return EventFileWriter(
            run_dir,
            max_queue=self.max_queue,
            flush_secs=self.flush_secs,
            filename_suffix=self.filename_suffix,
            live=self.live,
        )

    def _open_main(self) -> EventFileWriter:
        writer = self._new_file(self.log_dir)
        self._main = writer
        self._writers[self.log_dir] = writer
        if self.purge_step is not None:
            step = int(self.purge_step)
            writer.add_event(Event(file_version=FILE_VERSION), step)
            writer.add_event(Event(session_log=SessionLog(status=SessionLog.START)), step)
            self.purge_step = None
        return writer

    def _get_file_writer(self) -> EventFileWriter:
        """The event file of this run, re-created after :meth:`close` (torch's private API,
        which PyTorch Lightning's logger calls)."""
        return self._main or self._open_main()

    @property
    def file_writer(self) -> EventFileWriter | None:
        """The event file of this run (re-created on use after :meth:`close`)."""
        return self._main

    @property
    def all_writers(self) -> dict[str, EventFileWriter]:
        """Every open event file, keyed by run directory (add_scalars adds some)."""
        return dict(self._writers)

    @property
    def default_bins(self) -> list[float]:
        """TensorBoard's default histogram edges (``bins="tensorflow"``)."""
        return tensorflow_bucket_edges().tolist()

    def get_logdir(self) -> str:
        """The directory this writer's run is written to."""
        return self.log_dir

    def _add_values(
        self,
        values: Sequence[Any],
        global_step: Any,
        walltime: float | None,
        writer: EventFileWriter | None = None,
    ) -> None:
        event = Event(
            wall_time=_now() if walltime is None else float(walltime),
            summary=Summary(value=values),
        )
        if global_step is not None:
            event.step = int(global_step)
        target = writer or self._main or self._open_main()
        target.add_payload(event.SerializeToString())

    # -- scalars ----------------------------------------------------------------------

    def add_scalar(
        self,
        tag: str,
        scalar_value: Any,
        global_step: Any = None,
        walltime: float | None = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Log one number. ``new_style`` stores a rank-0 tensor (``double_precision``: float64).

        Never waits for the disk; a value still on an accelerator is read by the writer
        thread, so the training loop does not synchronise with the device here.
        """
        if not self.active:
            return
        if type(tag) is not str:
            raise TypeError(f"tag must be a str, got {type(tag).__name__}")
        writer = self._main or self._open_main()
        step = None if global_step is None else int(global_step)
        wall = _now() if walltime is None else float(walltime)
        kind = type(scalar_value)
        if kind is float or kind is int:
            value = float(scalar_value)
        elif not new_style and _on_accelerator(scalar_value):
            writer.add_deferred(_deferred_scalar(tag, scalar_value, step, wall))
            return
        else:
            value = scalar_to_float(scalar_value)
        if new_style:
            self._add_values([scalar_tensor_value(tag, value, double_precision)], step, wall)
        else:
            writer.add_scalar(tag, value, step, wall)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Any],
        global_step: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Log several numbers under one chart.

        As torch: one run per key, ``<log_dir>/<main_tag with / as _>_<key>``, tag
        ``main_tag``. With ``scalars_run_per_key=False``: tags ``main_tag/key`` in this run.
        """
        if not self.active:
            return
        if not isinstance(tag_scalar_dict, Mapping):
            raise TypeError(f"tag_scalar_dict must be a dict, got {type(tag_scalar_dict).__name__}")
        wall = _now() if walltime is None else float(walltime)
        main = self._main or self._open_main()
        step = None if global_step is None else int(global_step)
        for key, raw in tag_scalar_dict.items():
            value = scalar_to_float(raw, f"tag_scalar_dict[{key!r}]")
            if not self.scalars_run_per_key:
                main.add_scalar(f"{main_tag}/{key}", value, step, wall)
                continue
            run_dir = self.log_dir + "/" + main_tag.replace("/", "_") + "_" + str(key)
            writer = self._writers.get(run_dir)
            if writer is None:
                writer = self._writers[run_dir] = self._new_file(run_dir)
            writer.add_scalar(main_tag, value, step, wall)

    def add_tensor(
        self, tag: str, tensor: Any, global_step: Any = None, walltime: float | None = None
    ) -> None:
        """Log a whole tensor (plugin "tensor"; TensorBoard has no dashboard for it)."""
        if self.active:
            self._add_values([tensor_value(tag, tensor)], global_step, walltime)

    # -- histograms -------------------------------------------------------------------

    def add_histogram(
        self,
        tag: str,
        values: Any,
        global_step: Any = None,
        bins: Any = "tensorflow",
        walltime: float | None = None,
        max_bins: int | None = None,
    ) -> None:
        """Log the distribution of ``values`` (``bins``: "tensorflow" or any numpy spec)."""
        if not self.active:
            return
        array = to_numpy(values, "values")
        histo = histogram_proto(array, bins, max_bins)
        self._add_values([Summary.Value(tag=tag, histo=histo)], global_step, walltime)

    def add_histogram_raw(
        self,
        tag: str,
        min: float,
        max: float,
        num: int,
        sum: float,
        sum_squares: float,
        bucket_limits: Any,
        bucket_counts: Any,
        global_step: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Log a histogram computed elsewhere (``bucket_limits`` are right edges)."""
        if not self.active:
            return
        limits = as_float_array(bucket_limits, "bucket_limits").reshape(-1)
        counts = as_float_array(bucket_counts, "bucket_counts").reshape(-1)
        if len(limits) != len(counts):
            raise ValueError(
                f"bucket_limits and bucket_counts must have the same length, got "
                f"{len(limits)} and {len(counts)}"
            )
        histo = HistogramProto(
            min=float(min),
            max=float(max),
            num=float(num),
            sum=float(sum),
            sum_squares=float(sum_squares),
            bucket_limit=limits.tolist(),
            bucket=counts.tolist(),
        )
        self._add_values([Summary.Value(tag=tag, histo=histo)], global_step, walltime)

    # -- images, figures, video, audio, text ------------------------------------------

    def add_image(
        self,
        tag: str,
        img_tensor: Any,
        global_step: Any = None,
        walltime: float | None = None,
        dataformats: str = "CHW",
    ) -> None:
        """Log an image (float in [0, 1] or uint8), stored as PNG."""
        if self.active:
            self._add_values([image_value(tag, img_tensor, dataformats)], global_step, walltime)

    def add_images(
        self,
        tag: str,
        img_tensor: Any,
        global_step: Any = None,
        walltime: float | None = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Log a batch of images as one grid image (8 per row)."""
        if self.active:
            self._add_values([image_value(tag, img_tensor, dataformats)], global_step, walltime)

    def add_image_with_boxes(
        self,
        tag: str,
        img_tensor: Any,
        box_tensor: Any,
        global_step: Any = None,
        walltime: float | None = None,
        rescale: float = 1,
        dataformats: str = "CHW",
        labels: Any = None,
    ) -> None:
        """Log an image with boxes ``[N, 4]`` (xmin, ymin, xmax, ymax) drawn in red."""
        if not self.active:
            return
        boxes = to_numpy(box_tensor, "box_tensor")
        value = image_value(
            tag,
            img_tensor,
            dataformats,
            boxes=boxes,
            labels=box_labels(labels, int(boxes.shape[0]) if boxes.ndim else 0),
            rescale=rescale,
        )
        self._add_values([value], global_step, walltime)

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: Any = None,
        close: bool = True,
        walltime: float | None = None,
    ) -> None:
        """Log a matplotlib figure (or a list of figures, as one grid) rendered to PNG."""
        if not self.active:
            return
        if isinstance(figure, list):
            stacked = np.stack([figure_to_chw(f, close) for f in figure])
            self.add_image(tag, stacked, global_step, walltime, dataformats="NCHW")
        else:
            self.add_image(tag, figure_to_chw(figure, close), global_step, walltime, "CHW")

    def add_video(
        self,
        tag: str,
        vid_tensor: Any,
        global_step: Any = None,
        fps: float = 4,
        walltime: float | None = None,
    ) -> None:
        """Log a video ``[B, T, C, H, W]`` as an animated GIF (moviepy if installed, else PIL)."""
        if self.active:
            self._add_values([video_value(tag, vid_tensor, fps)], global_step, walltime)

    def add_audio(
        self,
        tag: str,
        snd_tensor: Any,
        global_step: Any = None,
        sample_rate: int = 44100,
        walltime: float | None = None,
    ) -> None:
        """Log a mono clip with amplitudes in [-1, 1] as 16-bit WAV."""
        if self.active:
            self._add_values([audio_value(tag, snd_tensor, sample_rate)], global_step, walltime)

    def add_text(
        self, tag: str, text_string: str, global_step: Any = None, walltime: float | None = None
    ) -> None:
        """Log Markdown text (tag stored as ``<tag>/text_summary``, as torch does)."""
        if self.active:
            self._add_values([text_value(tag, text_string)], global_step, walltime)

    def add_explanation(
        self, tag: str, record: Any, global_step: Any = None, walltime: float | None = None
    ) -> None:
        """Log an explanation record (``torchscope.explain.explanation_record``) for the
        Explain view; TensorBoard keeps it as a string tensor of plugin ``torchscope_explain``."""
        if self.active:
            self._add_values([explanation_value(tag, record)], global_step, walltime)

    # -- graph, embedding -------------------------------------------------------------

    def add_graph(
        self,
        model: Any,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
        *,
        module_graph: bool = True,
    ) -> None:
        """Trace ``model`` with ``input_to_model`` and log TensorBoard's GraphDef of it.

        With ``module_graph`` (the default) torchscope's own graph of the model as written (its
        module hierarchy, shapes and parameter counts) is saved beside it, as
        ``<log_dir>/model.torchscope-graph.json``, for torchscope's Graphs view.
        """
        if not self.active:
            return
        writer = self._main or self._open_main()
        for event in graph_events(model, input_to_model, verbose, use_strict_trace):
            event.wall_time = _now()
            writer.add_payload(event.SerializeToString())
        if module_graph:
            save_module_graph(model, input_to_model, self.log_dir)

    def add_embedding(
        self,
        mat: Any,
        metadata: Sequence[Any] | None = None,
        label_img: Any = None,
        global_step: int | None = None,
        tag: str = "default",
        metadata_header: Sequence[str] | None = None,
    ) -> None:
        """Write projector files (tensors.tsv, metadata.tsv, sprite.png, projector_config.pbtxt)."""
        if not self.active:
            return
        if self._embeddings is None:
            self._embeddings = EmbeddingFiles(self.log_dir)
        self._embeddings.add(mat, metadata, label_img, global_step, tag, metadata_header)

    # -- PR curves, custom scalars, mesh, hparams -------------------------------------

    def add_pr_curve(
        self,
        tag: str,
        labels: Any,
        predictions: Any,
        global_step: Any = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Log a precision-recall curve from 0/1 ``labels`` and ``predictions`` in [0, 1]."""
        if not self.active:
            return
        thresholds = _thresholds(num_thresholds)
        table = pr_curve_counts(
            to_numpy(labels, "labels"), to_numpy(predictions, "predictions"), thresholds, weights
        )
        self._add_values([pr_curve_value(tag, table, thresholds)], global_step, walltime)

    def add_pr_curve_raw(
        self,
        tag: str,
        true_positive_counts: Any,
        false_positive_counts: Any,
        true_negative_counts: Any,
        false_negative_counts: Any,
        precision: Any,
        recall: Any,
        global_step: Any = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Log a precision-recall curve from precomputed per-threshold counts."""
        if not self.active:
            return
        columns = [
            as_float_array(c, name).reshape(-1)
            for c, name in (
                (true_positive_counts, "true_positive_counts"),
                (false_positive_counts, "false_positive_counts"),
                (true_negative_counts, "true_negative_counts"),
                (false_negative_counts, "false_negative_counts"),
                (precision, "precision"),
                (recall, "recall"),
            )
        ]
        if len({len(c) for c in columns}) != 1:
            raise ValueError("the six PR-curve arrays must have the same length")
        table = np.stack(columns)
        value = pr_curve_value(tag, table, _thresholds(num_thresholds))
        self._add_values([value], global_step, walltime)

    def add_custom_scalars(self, layout: Mapping[str, Mapping[str, Sequence[Any]]]) -> None:
        """Define Custom Scalars charts: ``{category: {title: ["Multiline", [tag regexes]]}}``
        or ``["Margin", [value, lower, upper]]``."""
        if self.active:
            self._add_values([custom_scalars_value(layout)], None, None)

    def add_custom_scalars_multilinechart(
        self, tags: Sequence[str], category: str = "default", title: str = "untitled"
    ) -> None:
        """One Custom Scalars chart overlaying the scalars matching ``tags``."""
        self.add_custom_scalars({category: {title: ["Multiline", list(tags)]}})

    def add_custom_scalars_marginchart(
        self, tags: Sequence[str], category: str = "default", title: str = "untitled"
    ) -> None:
        """One Custom Scalars chart with a band: ``tags`` = [value, lower, upper]."""
        if len(tags) != 3:
            raise ValueError(f"tags must be [value, lower, upper], got {len(tags)} tags")
        self.add_custom_scalars({category: {title: ["Margin", list(tags)]}})

    def add_mesh(
        self,
        tag: str,
        vertices: Any,
        colors: Any = None,
        faces: Any = None,
        config_dict: Mapping[str, Any] | None = None,
        global_step: Any = None,
        walltime: float | None = None,
    ) -> None:
        """Log a 3-D mesh or point cloud (``[B, N, 3]`` vertices, colors, faces)."""
        if self.active:
            values = mesh_values(tag, vertices, colors, faces, config_dict)
            self._add_values(values, global_step, walltime)

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Any],
        hparam_domain_discrete: Mapping[str, list[Any]] | None = None,
        run_name: str | None = None,
        global_step: Any = None,
    ) -> None:
        """Log one hyperparameter session and its metrics for the HParams dashboard.

        As torch: into a child run ``<log_dir>/<run_name or time>``. With
        ``hparams_separate_run=False``: into this run.
        """
        if not self.active:
            return
        values = hparams_values(
            hparam_dict, metric_dict, hparam_domain_discrete, exact_bools=self.hparams_exact_bools
        )
        if not self.hparams_separate_run:
            for value in values:
                self._add_values([value], global_step, None)
            for metric, number in metric_dict.items():
                self.add_scalar(metric, number, global_step)
            return
        run_dir = join_path(self.log_dir, run_name or str(_now()))
        child = self._new_file(run_dir)
        try:
            for value in values:
                self._add_values([value], global_step, None, writer=child)
            step = None if global_step is None else int(global_step)
            for metric, number in metric_dict.items():
                child.add_scalar(
                    metric, scalar_to_float(number, f"metric_dict[{metric!r}]"), step, _now()
                )
        finally:
            child.close()

    # -- lifecycle --------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything logged so far to the files (and upload remote ones)."""
        for writer in list(self._writers.values()):
            writer.flush()

    def close(self) -> None:
        """Flush and close every file. Logging again afterwards starts a new file."""
        self._main = None
        _close_all(self._writers)

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _close_all(writers: dict[str, EventFileWriter]) -> None:
    """Close every file of ``writers`` and empty it (used by close() and at exit)."""
    pending = list(writers.values())
    writers.clear()
    first_error: Exception | None = None
    for writer in pending:
        try:
            writer.close()
        except Exception as error:  # close the others before reporting it
            first_error = first_error or error
    if first_error is not None:
        raise first_error


def _close_at_exit(writers: dict[str, EventFileWriter]) -> None:
    """Finalizer: close what is left; a failure becomes a warning, not an exception."""
    try:
        _close_all(writers)
    except Exception as error:  # nothing can catch an exception raised here
        warnings.warn(f"torchscope SummaryWriter: {error}", RuntimeWarning, stacklevel=1)


def _thresholds(num_thresholds: int) -> int:
    count = int(num_thresholds)
    if count < 2:
        raise ValueError(f"num_thresholds must be >= 2, got {num_thresholds}")
    return min(count, PR_CURVE_MAX_THRESHOLDS)


def _on_accelerator(value: Any) -> bool:
    return is_torch_tensor(value) and value.device.type == "cuda"


def _deferred_scalar(tag: str, tensor: Any, step: int | None, wall: float) -> Any:
    """Start an asynchronous copy of a CUDA scalar; the writer thread waits for it."""
    if tensor.numel() != 1:
        raise ValueError(f"scalar_value must hold exactly one element, got {tensor.numel()}")
    read = start_device_copy(tensor)

    def build() -> bytes:
        return encode_scalar_event(tag, read(), step, wall)

    return build
