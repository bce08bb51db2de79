"""Turn record payloads into a run's series, applying TensorBoard's restart (purge) rules.

Bulk reads arrive already decoded (:meth:`RunIngestor.ingest_scan`: the one-pass scan of
:mod:`torchscope.events.scan`, native when built, puts every scalar into numpy columns); short
tailing reads arrive as payloads (:meth:`RunIngestor.ingest`): simple scalar records are
decoded many at a time into columns (:func:`torchscope.events.decode_scalar_columns`), other
scalar events one by one without protobuf objects
(:func:`torchscope.events.decode_scalar_event`). Everything else is parsed. Points are staged
per tag and merged into the :class:`RunData` under the store's lock in one short step per batch
(per file, for a long first read), so HTTP readers never wait for parsing.

Purge rules (TensorBoard's ``EventAccumulator``, which also produced the fixtures' expected
files): a file whose first event says ``file_version`` >= 2 purges on ``SessionLog.START`` —
every point, all tags, at that event's step or later (``SummaryWriter(purge_step=n)`` writes
exactly such an event). Files without a version fall back to "a summary whose step goes back
purges the later points of the tags it holds".
"""

from __future__ import annotations

import array
import threading
from collections.abc import Iterable
from typing import Any

import numpy as np
from google.protobuf.message import DecodeError

from torchscope.events import ScalarColumns as ScalarColumnsBatch
from torchscope.events import (
    decode_scalar_columns,
    decode_scalar_event,
    parse_event,
    plugin_of_value,
)
from torchscope.events.reader import ScanBatch
from torchscope.events.scalars import ScalarEvent, ScalarValue, tensor_scalar_value
from torchscope.logdir.payloads import encode_blobs, encode_histogram, histogram_rows_from_proto
from torchscope.logdir.run_data import RunData, SeriesKind, TagInfo
from torchscope.logdir.samples import CapPolicy
from torchscope.logdir.tensors import tensor_to_numpy

_SESSION_START = 1
#: Below this many records, decoding one by one costs less than building columns.
_COLUMNAR_MIN_RECORDS = 64
_COLUMNAR_MIN_BLOCK = 8
_KIND_OF_PLUGIN: dict[str, SeriesKind] = {
    "scalars": "scalar",
    "histograms": "histogram",
    "images": "blobs",
    "audio": "blobs",
}
_OLD_STYLE_FIELDS = frozenset(("simple_value", "image", "histo", "audio"))


class _ScalarStage:
    """Points of one tag waiting to be merged: decoded blocks, then single points."""

    __slots__ = ("chunks", "steps", "values", "walls")

    def __init__(self) -> None:
        self.chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.steps = array.array("q")
        self.walls = array.array("d")
        self.values = array.array("f")

    def add_block(self, steps: np.ndarray, walls: np.ndarray, values: np.ndarray) -> None:
        self._seal()
        self.chunks.append((steps, walls, values))

    def _seal(self) -> None:
        # Single points staged so far go first: order within a tag is file order.
        if self.steps:
            self.chunks.append(
                (
                    np.frombuffer(self.steps, np.int64),
                    np.frombuffer(self.walls, np.float64),
                    np.frombuffer(self.values, np.float32),
                )
            )
            self.steps = array.array("q")
            self.walls = array.array("d")
            self.values = array.array("f")

    def columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._seal()
        if len(self.chunks) == 1:
            return self.chunks[0]
        steps, walls, values = zip(*self.chunks, strict=True)
        return np.concatenate(steps), np.concatenate(walls), np.concatenate(values)


class RunIngestor:
    """Feeds one run. Only the store's loader thread calls it."""

    def __init__(
        self,
        run: RunData,
        lock: threading.RLock,
        caps: dict[str, int | None],
        policy: CapPolicy,
    ) -> None:
        self.run = run
        self._lock = lock
        self._caps = caps
        self._policy = policy
        self._scalars: dict[str, _ScalarStage] = {}
        self._samples: list[tuple[str, int, float, bytes]] = []
        #: Tags of this run whose series are scalar columns (the fast path's test).
        self._scalar_tags: set[str] = {
            tag for tag, info in run.tags.items() if info.kind == "scalar"
        }

    # -- entry point -------------------------------------------------------------------------

    def ingest(self, payloads: list[bytes]) -> None:
        """Apply a batch of verified record payloads (in file order)."""
        if len(payloads) < _COLUMNAR_MIN_RECORDS:
            self._ingest_one_by_one(payloads, range(len(payloads)))
            self.flush()
            return
        # Bulk: simple scalar records are decoded all at once into columns; the others
        # ("rest") are handled one by one, in their place in the file order.
        columns = decode_scalar_columns(payloads)
        rows = columns.record_index
        start = 0
        for position in [*columns.rest, len(payloads)]:
            end = int(np.searchsorted(rows, position))
            if end - start >= _COLUMNAR_MIN_BLOCK:
                self._scalar_block(payloads, columns, start, end)
            elif end > start:  # a few rows between other records: cheaper one by one
                self._ingest_one_by_one(payloads, rows[start:end].tolist())
            if position < len(payloads):
                self._ingest_one_by_one(payloads, (position,))
            start = end
        self.flush()

    def ingest_scan(self, batch: ScanBatch, flush: bool = True) -> None:
        """Apply one chunk read by :meth:`RecordReader.read_scan` (scalars already decoded).

        Runs of single-``simple_value`` records are staged as column blocks; the other
        scalar records are applied one by one from their decoded rows, and the remaining
        records are parsed. With ``flush=False`` the points stay staged until :meth:`flush`
        (a long first read then builds each series in one allocation).
        """
        scan = batch.scan
        records = scan.row_record
        rows = len(records)
        count = scan.record_count
        if rows:
            # A row is "simple" when its record holds just that one, non-tensor value.
            new_record = records[1:] != records[:-1]
            simple = ~scan.row_tensor
            simple[1:] &= new_record
            simple[:-1] &= new_record
            breaks = np.union1d(scan.other_record, records[~simple])
        else:
            breaks = scan.other_record
        is_other = np.isin(breaks, scan.other_record).tolist()
        # Below this size, staging rows one by one costs less than building blocks.
        min_block = _COLUMNAR_MIN_BLOCK if count >= _COLUMNAR_MIN_RECORDS else rows + 1
        row = 0
        for record, other in zip([*breaks.tolist(), count], [*is_other, True], strict=True):
            end = int(np.searchsorted(records, record))
            if end - row >= min_block:
                self._rows_block(batch, row, end)
            elif end > row:
                self._rows_one_by_one(batch, row, end)
            if record < count:
                if other:
                    self._parse(batch.payload(record))
                else:  # several values or a tensor: its rows make one event
                    after = int(np.searchsorted(records, record, side="right"))
                    self._rows_one_by_one(batch, end, after)
                    end = after
            row = end
        if flush:
            self.flush()

    def _rows_block(self, batch: ScanBatch, start: int, end: int) -> None:
        """Stage rows ``start:end`` of a scan: consecutive single ``simple_value`` records."""
        scan = batch.scan
        steps = scan.row_step[start:end]
        ids = scan.row_tag[start:end]
        counts = np.bincount(ids, minlength=len(scan.tags))
        if self._block_needs_care(scan.tags, counts, steps):
            self._rows_one_by_one(batch, start, end)
            return
        walls, values = scan.row_wall[start:end], scan.row_value[start:end]
        self._stage_block(scan.tags, ids, counts, steps, walls, values)

    def _block_needs_care(
        self, tag_names: list[str], counts: np.ndarray, steps: np.ndarray
    ) -> bool:
        """Whether a block of scalar rows must go event by event: a purge to apply between rows
        (a step going back in a file without purge records) or a tag that is not a scalar
        series here. Both are rare."""
        run = self.run
        if any(
            tag_names[i] in run.tags and run.tags[tag_names[i]].kind != "scalar"
            for i in np.flatnonzero(counts).tolist()
        ):
            return True
        if self._has_version_2():
            return False
        return bool(steps[0] < run.most_recent_step) or bool((steps[1:] < steps[:-1]).any())

    def _stage_block(
        self,
        tag_names: list[str],
        ids: np.ndarray,
        counts: np.ndarray,
        steps: np.ndarray,
        walls: np.ndarray,
        values: np.ndarray,
    ) -> None:
        """Stage a block of scalar rows (``ids`` index ``tag_names``; ``counts`` per tag id),
        file order kept within each tag."""
        run = self.run
        block_ids = np.flatnonzero(counts).tolist()
        if run.start_time is None:
            run.start_time = float(walls[0])
        for tag_id in block_ids:
            if tag_names[tag_id] not in run.tags:
                name = tag_names[tag_id]
                self._add_tag(name, TagInfo("scalars", "scalar", display_name=name))
        values = values.astype(np.float32)
        if len(block_ids) == 1:
            self._stage(tag_names[block_ids[0]]).add_block(steps, walls, values)
        else:
            # Group rows by tag, keeping file order within each tag (a stable sort of small
            # integers is a radix sort in numpy).
            narrow = ids.astype(np.uint8 if len(tag_names) <= 256 else np.int32)
            order = np.argsort(narrow, kind="stable")
            bounds = np.cumsum(counts).tolist()
            for tag_id in block_ids:
                picked = order[bounds[tag_id] - int(counts[tag_id]) : bounds[tag_id]]
                self._stage(tag_names[tag_id]).add_block(
                    steps[picked], walls[picked], values[picked]
                )
        run.most_recent_step = int(steps[-1])

    def _rows_one_by_one(self, batch: ScanBatch, start: int, end: int) -> None:
        """Apply rows ``start:end`` of a scan event by event (rows of one record together)."""
        scan = batch.scan
        records = scan.row_record[start:end].tolist()
        tags = scan.tags
        plugins = scan.plugins
        tag_ids = scan.row_tag[start:end].tolist()
        steps = scan.row_step[start:end].tolist()
        walls = scan.row_wall[start:end].tolist()
        numbers = scan.row_value[start:end].tolist()
        tensors = scan.row_tensor[start:end].tolist()
        plugin_ids = scan.row_plugin[start:end].tolist()
        i = 0
        while i < len(records):
            j = i + 1
            while j < len(records) and records[j] == records[i]:
                j += 1
            values = [
                ScalarValue(
                    tags[tag_ids[k]],
                    numbers[k],
                    None if plugin_ids[k] < 0 else plugins[plugin_ids[k]],
                    tensors[k],
                )
                for k in range(i, j)
            ]
            event = ScalarEvent(walls[i], steps[i], values)
            self._apply_scalar_event(event, batch, records[i])
            i = j

    def _apply_scalar_event(self, event: ScalarEvent, batch: ScanBatch, record: int) -> None:
        """What :meth:`_ingest_one_by_one` does with a decoded scalar event."""
        run = self.run
        values = event.values
        step = event.step
        if (
            len(values) == 1
            and values[0].tag in self._scalar_tags
            and (step >= run.most_recent_step or self._has_version_2())
        ):
            self._stage_scalar(values[0].tag, step, event.wall_time, values[0].value)
            run.most_recent_step = step
        elif self._fast_path_applies(event):
            self._scalar_event(event)
        else:
            self._parse(batch.payload(record))

    def _parse(self, payload: bytes) -> None:
        """Apply a record that is not a scalar event: parsed with protobuf."""
        try:
            event = parse_event(payload)
        except DecodeError:
            self.run.status.undecodable_records += 1
            return
        self._event(event)

    def _scalar_block(
        self, payloads: list[bytes], columns: ScalarColumnsBatch, start: int, end: int
    ) -> None:
        """Stage rows ``start:end`` of a columnar batch (consecutive simple scalar records)."""
        steps = columns.steps[start:end]
        ids = columns.tag_ids[start:end]
        counts = np.bincount(ids, minlength=len(columns.tags))
        if self._block_needs_care(columns.tags, counts, steps):
            self._ingest_one_by_one(payloads, columns.record_index[start:end].tolist())
            return
        walls, values = columns.wall_times[start:end], columns.values[start:end]
        self._stage_block(columns.tags, ids, counts, steps, walls, values)

    def _stage(self, tag: str) -> _ScalarStage:
        stage = self._scalars.get(tag)
        if stage is None:
            stage = self._scalars[tag] = _ScalarStage()
        return stage

    def _ingest_one_by_one(self, payloads: list[bytes], positions: Iterable[int]) -> None:
        run = self.run
        stages = self._scalars
        scalar_tags = self._scalar_tags
        for position in positions:
            payload = payloads[position]
            fast = decode_scalar_event(payload)
            if fast is not None:
                values = fast.values
                step = fast.step
                # The common case, inlined: one value of a known scalar tag, no purge to check.
                if (
                    len(values) == 1
                    and values[0].tag in scalar_tags
                    and (step >= run.most_recent_step or self._has_version_2())
                ):
                    stage = stages.get(values[0].tag)
                    if stage is None:
                        stage = stages[values[0].tag] = _ScalarStage()
                    stage.steps.append(step)
                    stage.walls.append(fast.wall_time)
                    stage.values.append(values[0].value)
                    run.most_recent_step = step
                    continue
                if self._fast_path_applies(fast):
                    self._scalar_event(fast)
                    continue
            try:
                event = parse_event(payload)
            except DecodeError:
                self.run.status.undecodable_records += 1
                continue
            self._event(event)

    def flush(self) -> None:
        """Merge staged points into the run (under the store's lock)."""
        if not self._scalars and not self._samples:
            return
        run = self.run
        with self._lock:
            for tag, stage in self._scalars.items():
                run.scalars[tag].extend(*stage.columns())
            for tag, step, wall_time, payload in self._samples:
                run.samples[tag].add(step, wall_time, payload)
            run.generation += 1
        # Cleared in place: ingest() holds a reference to the staging dict.
        self._scalars.clear()
        self._samples.clear()

    # -- scalar fast path --------------------------------------------------------------------

    def _fast_path_applies(self, event: ScalarEvent) -> bool:
        tags = self.run.tags
        for value in event.values:
            info = tags.get(value.tag)
            if info is None:
                # A tensor without metadata as a tag's first value is not a scalar for
                # TensorBoard (it has no plugin); let the full path decide.
                if value.is_tensor and value.plugin_name is None:
                    return False
            elif info.kind != "scalar":
                return False
        return True

    def _scalar_event(self, event: ScalarEvent) -> None:
        run = self.run
        if run.start_time is None:
            run.start_time = event.wall_time
        if not self._has_version_2() and event.step < run.most_recent_step:
            self._purge(event.step, {value.tag for value in event.values})
        for value in event.values:
            if value.tag not in run.tags:
                display = "" if value.is_tensor else value.tag
                self._add_tag(value.tag, TagInfo("scalars", "scalar", display_name=display))
            self._stage_scalar(value.tag, event.step, event.wall_time, value.value)
        run.most_recent_step = event.step

    def _stage_scalar(self, tag: str, step: int, wall_time: float, value: float) -> None:
        stage = self._stage(tag)
        stage.steps.append(step)
        stage.walls.append(wall_time)
        stage.values.append(value)

    # -- full events -------------------------------------------------------------------------

    def _event(self, event: Any) -> None:
        run = self.run
        if run.start_time is None:
            run.start_time = event.wall_time
        if event.HasField("file_version"):
            run.file_version = _parse_file_version(event.file_version)
        self._maybe_purge(event)
        what = event.WhichOneof("what")
        if what == "summary":
            for value in event.summary.value:
                self._value(event, value)
            run.most_recent_step = event.step
        elif what == "graph_def":
            with self._lock:
                run.graph = bytes(event.graph_def)
                run.generation += 1
        elif what == "tagged_run_metadata":
            with self._lock:
                run.run_metadata[event.tagged_run_metadata.tag] = bytes(
                    event.tagged_run_metadata.run_metadata
                )
                run.generation += 1

    def _has_version_2(self) -> bool:
        version = self.run.file_version
        return version is not None and version >= 2

    def _maybe_purge(self, event: Any) -> None:
        if self._has_version_2():
            if event.HasField("session_log") and event.session_log.status == _SESSION_START:
                self._purge(event.step, None)
        elif event.HasField("summary") and event.step < self.run.most_recent_step:
            self._purge(event.step, {value.tag for value in event.summary.value})

    def _purge(self, step: int, tags: set[str] | None) -> None:
        self.flush()
        with self._lock:
            if self.run.drop_from_step(step, tags):
                self.run.generation += 1

    def _value(self, event: Any, value: Any) -> None:
        tag = value.tag
        info = self.run.tags.get(tag)
        if info is None:
            info = _first_tag_info(value)
            self._add_tag(tag, info)
        field = value.WhichOneof("value")
        step, wall_time = int(event.step), float(event.wall_time)
        if info.kind == "scalar":
            number = _scalar_of(value, field)
            if number is not None:
                self._stage_scalar(tag, step, wall_time, number)
            return
        payload = self._payload(info, value, field)
        if payload is None:
            return
        self._samples.append((tag, step, wall_time, payload[0]))
        if payload[1] > info.max_samples:
            with self._lock:
                self.run.tags[tag] = _with_max_samples(info, payload[1])

    def _payload(self, info: TagInfo, value: Any, field: str | None) -> tuple[bytes, int] | None:
        """``(payload bytes, samples in it)`` for a non-scalar value, ``None`` if unusable."""
        try:
            if info.kind == "histogram":
                if field == "histo":
                    rows = histogram_rows_from_proto(value.histo)
                elif field == "tensor":
                    rows = tensor_to_numpy(value.tensor).astype(np.float64).reshape(-1, 3)
                else:
                    return None
                return encode_histogram(rows), 1
            if info.kind == "blobs":
                items = _blob_items(value, field)
                if items is None:
                    return None
                # Images: [width, height, image...]; audio: [clip, label, clip, label, ...].
                count = len(items) - 2 if info.plugin == "images" else len(items) // 2
                return encode_blobs(items), max(count, 0)
            data = value.tensor.SerializeToString() if field == "tensor" else b""
            return data, 1
        except ValueError:
            self.run.status.undecodable_records += 1
            return None

    def _add_tag(self, tag: str, info: TagInfo) -> None:
        cap = self._caps.get(info.plugin, self._caps.get("*"))
        with self._lock:
            self.run.add_tag(tag, info, cap if info.kind != "scalar" else None, self._policy)
            self.run.generation += 1
        if info.kind == "scalar":
            self._scalar_tags.add(tag)


def _parse_file_version(text: str) -> float | None:
    # "brain.Event:2" -> 2.0
    try:
        return float(text.rsplit(":", 1)[-1])
    except ValueError:
        return None


def _first_tag_info(value: Any) -> TagInfo:
    plugin = plugin_of_value(value) or ""
    field = value.WhichOneof("value")
    metadata = value.metadata
    display = metadata.display_name
    if field in _OLD_STYLE_FIELDS and not display:
        display = value.tag  # TensorBoard names converted old-style values after their tag
    return TagInfo(
        plugin=plugin,
        kind=_KIND_OF_PLUGIN.get(plugin, "tensor"),
        display_name=display,
        description=metadata.summary_description,
        plugin_content=bytes(metadata.plugin_data.content),
    )


def _with_max_samples(info: TagInfo, samples: int) -> TagInfo:
    return TagInfo(
        plugin=info.plugin,
        kind=info.kind,
        display_name=info.display_name,
        description=info.description,
        plugin_content=info.plugin_content,
        max_samples=samples,
    )


def _scalar_of(value: Any, field: str | None) -> float | None:
    if field == "simple_value":
        return float(value.simple_value)
    if field == "tensor":
        return tensor_scalar_value(value.tensor)
    return None


def _blob_items(value: Any, field: str | None) -> list[bytes] | None:
    """The byte strings of an image or audio value, in TensorBoard's tensor layout."""
    if field == "image":
        image = value.image
        return [str(image.width).encode(), str(image.height).encode(), image.encoded_image_string]
    if field == "audio":
        return [value.audio.encoded_audio_string, b""]
    if field == "tensor":
        return [bytes(item) for item in value.tensor.string_val]
    return None
