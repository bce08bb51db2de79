"""Tail the event files of one run: read what was appended since the last poll, in file order.

Every file of a run is polled on every cycle (not only the newest, as TensorBoard's Python
loader does), because a resumed job, a second writer or several ranks may append to older
files. A file ending in a partial record is polled again from the start of that record once
it grows. A file that shrinks was replaced or truncated; its new content is not re-read
(data already shown stays), and the run's status counts it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any

from torchscope.events import EventFileReader
from torchscope.logdir.fs import FileInfo, LogdirFS
from torchscope.logdir.ingest import RunIngestor
from torchscope.logdir.run_data import RunData
from torchscope.logdir.samples import CapPolicy

logger = logging.getLogger(__name__)

#: Bytes read per poll of a file: ~100,000 scalar records, enough for the columnar decoder to
#: pay off, small enough to keep a reader's transient memory near 50 MB.
CHUNK_BYTES = 4 << 20


@dataclasses.dataclass
class FileCursor:
    """How far one event file has been read."""

    name: str
    path: str
    offset: int = 0
    #: (size, mtime) at the last poll: an unchanged file is not opened again.
    seen_size: int = -1
    seen_mtime: float = -1.0
    #: The file shrank below what was read: it was replaced, and is not read any more.
    replaced: bool = False
    reader: EventFileReader | None = None


class RunLoader:
    """Reads the files of one run into its :class:`RunData`."""

    def __init__(
        self,
        run: RunData,
        fs: LogdirFS,
        lock: threading.RLock,
        caps: dict[str, int | None],
        policy: CapPolicy,
        stop: threading.Event | None = None,
    ) -> None:
        self.run = run
        self.fs = fs
        self._lock = lock
        #: Set when the store closes: a long read stops between two chunks.
        self._stop = stop
        self.ingestor = RunIngestor(run, lock, caps, policy)
        self.cursors: dict[str, FileCursor] = {}

    def resume(self, cursor: FileCursor) -> None:
        """Continue a file from a known offset (restored from the cache)."""
        self.cursors[cursor.name] = cursor

    def poll(self, files: list[FileInfo]) -> bool:
        """Read whatever is new in ``files`` (sorted by name). True when anything was read."""
        changed = False
        with self._lock:
            self.run.status.bytes_total = sum(info.size for info in files)
        for info in files:
            cursor = self.cursors.get(info.name)
            if cursor is None:
                cursor = self.cursors[info.name] = FileCursor(info.name, info.path)
                with self._lock:
                    self.run.status.event_files = len(self.cursors)
            if cursor.replaced:
                continue
            if info.size == cursor.seen_size and info.mtime == cursor.seen_mtime:
                continue
            if info.size < cursor.offset:
                logger.warning("event file %s shrank; it is not read again", info.path)
                cursor.replaced = True
                continue
            changed |= self._read(cursor, info)
        return changed

    def _read(self, cursor: FileCursor, info: FileInfo) -> bool:
        """Read ``cursor``'s file from its offset to the end (or until the store closes)."""
        if cursor.reader is None:
            cursor.reader = EventFileReader(
                cursor.path, fs=self._fsspec(), offset=cursor.offset, chunk_bytes=CHUNK_BYTES
            )
        reader = cursor.reader
        read_any = False
        while True:
            try:
                batch = reader.poll()
            except OSError as error:
                logger.warning("cannot read %s: %s", cursor.path, error)
                return read_any
            if batch.payloads:
                self.ingestor.ingest(batch.payloads)
                read_any = True
            status = self.run.status
            with self._lock:
                status.corrupt_records += batch.skipped_records
                status.skipped_bytes += batch.skipped_bytes
                status.bytes_read += batch.next_offset - batch.start_offset
                if batch.skipped_records or batch.skipped_bytes:
                    self.run.generation += 1
                    read_any = True
            cursor.offset = batch.next_offset
            if not batch.more:
                # Read to the end: the file need not be opened again until it changes.
                cursor.seen_size, cursor.seen_mtime = info.size, info.mtime
                return read_any
            if self._stop is not None and self._stop.is_set():
                return read_any

    def _fsspec(self) -> Any:
        return None if self.fs.is_local else self.fs.fsspec
