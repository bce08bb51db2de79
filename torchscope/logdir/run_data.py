"""Everything kept for one run: its tags, their series, its graph, and what was skipped."""

from __future__ import annotations

import dataclasses
from typing import Literal

from torchscope.logdir.columns import ScalarColumns
from torchscope.logdir.samples import CapPolicy, SampleSeries

SeriesKind = Literal["scalar", "histogram", "blobs", "tensor"]


@dataclasses.dataclass(frozen=True)
class TagInfo:
    """What the first value of a tag said about it (TensorBoard keeps the first metadata too)."""

    #: Dashboard the tag belongs to: "scalars", "images", "histograms", "text", ... ("" if none).
    plugin: str
    kind: SeriesKind
    display_name: str = ""
    description: str = ""
    #: ``SummaryMetadata.plugin_data.content`` (plugin-specific protobuf bytes).
    plugin_content: bytes = b""
    #: For images/audio: the most values one step held (TensorBoard's ``samples``).
    max_samples: int = 1


@dataclasses.dataclass
class RunStatus:
    """Reading health of a run, shown by the UI next to the run's name."""

    #: Records dropped because their payload CRC failed (the rest of the file is still read).
    corrupt_records: int = 0
    #: Bytes passed over after a damaged length header, while finding the next good record.
    skipped_bytes: int = 0
    #: Records whose payload verified but did not decode as an Event.
    undecodable_records: int = 0
    #: Points removed by restart purges (TensorBoard's orphaned-data rule).
    purged_points: int = 0
    event_files: int = 0
    bytes_read: int = 0
    #: Size of the run's event files at the last listing (with ``bytes_read``: load progress).
    bytes_total: int = 0


class RunData:
    """The data of one run. Mutated only by the store's loader, under the store's lock."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tags: dict[str, TagInfo] = {}
        self.scalars: dict[str, ScalarColumns] = {}
        self.samples: dict[str, SampleSeries] = {}
        #: Latest ``Event.graph_def`` (serialized GraphDef); the last one written wins.
        self.graph: bytes | None = None
        #: ``tagged_run_metadata`` tag -> latest serialized RunMetadata.
        self.run_metadata: dict[str, bytes] = {}
        self.status = RunStatus()
        #: Purge state (see :mod:`torchscope.logdir.purge`).
        self.file_version: float | None = None
        self.most_recent_step = -1
        #: Wall time of the first event read, TensorBoard's run "start time".
        self.start_time: float | None = None
        #: Bumped on every change, so pollers can tell when to refetch.
        self.generation = 0

    def plugins(self) -> set[str]:
        """Every dashboard this run has data for."""
        found = {info.plugin for info in self.tags.values() if info.plugin}
        if self.graph is not None:
            found.add("graphs")
        return found

    def add_tag(self, tag: str, info: TagInfo, cap: int | None, policy: CapPolicy) -> None:
        self.tags[tag] = info
        if info.kind == "scalar":
            self.scalars[tag] = ScalarColumns()
        else:
            self.samples[tag] = SampleSeries(cap=cap, policy=policy)

    def drop_from_step(self, step: int, tags: set[str] | None = None) -> int:
        """Purge: remove points at ``step`` or later (of ``tags``, or every tag)."""
        removed = 0
        for tag, columns in self.scalars.items():
            if tags is None or tag in tags:
                removed += columns.drop_from_step(step)
        for tag, series in self.samples.items():
            if tags is None or tag in tags:
                removed += series.drop_from_step(step)
        self.status.purged_points += removed
        return removed
