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

from torchscope.events import EventFileReader, RecordBatch, ScanBatch
from torchscope.heap import bulk_reading
from torchscope.logdir.fs import FileInfo, LogdirFS
from torchscope.logdir.ingest import RunIngestor
from torchscope.logdir.run_data import RunData
from torchscope.logdir.samples import CapPolicy

logger = logging.getLogger(__name__)

#: Bytes read per poll of a file: ~100,000 scalar records, enough for the columnar decoder to
#: pay off, small enough to keep a reader's transient memory near 50 MB.
CHUNK_BYTES = 4 << 20
#: Staged points are merged into the run at least this often (bytes of file read).
MERGE_BYTES = 64 << 20
#: Fewer new bytes than this (a tailing poll) are decoded record by record in Python; more go
#: through the one-pass scan (native when built), which decodes every scalar into columns.
SCAN_MIN_BYTES = 16 << 10


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
        if info.size - cursor.offset < SCAN_MIN_BYTES:
            return self._read_records(cursor, reader, info)
        # Chunk after chunk of multi-MB arrays: from the heap, not fresh mappings (heap.py).
        with bulk_reading():
            return self._read_scan(cursor, reader, info)

    def _read_scan(self, cursor: FileCursor, reader: EventFileReader, info: FileInfo) -> bool:
        """A large read: chunks framed and decoded in bulk (the native reader when built)."""
        read_any = False
        staged = 0  # bytes whose points are staged but not merged yet
        # One read buffer per pass over the file, reused for every chunk.
        chunk = bytearray(CHUNK_BYTES)
        try:
            while True:
                try:
                    batch = reader.poll_scan(into=chunk)
                except OSError as error:
                    logger.warning("cannot read %s: %s", cursor.path, error)
                    return read_any
                if batch.scan.record_count:
                    self.ingestor.ingest_scan(batch, flush=False)
                    staged += batch.next_offset - batch.start_offset
                    read_any = True
                if staged >= MERGE_BYTES:
                    self.ingestor.flush()
                    staged = 0
                read_any |= self._account(batch)
                if self._done(cursor, info, batch.next_offset, batch.more):
                    return read_any
        finally:
            # Merged once per file (or per MERGE_BYTES): a long first read then allocates
            # each series once, at its final size.
            self.ingestor.flush()

    def _read_records(self, cursor: FileCursor, reader: EventFileReader, info: FileInfo) -> bool:
        """A few new records (tailing): framed, then decoded one by one in Python."""
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
            read_any |= self._account(batch)
            if self._done(cursor, info, batch.next_offset, batch.more):
                return read_any

    def _account(self, batch: RecordBatch | ScanBatch) -> bool:
        """Add a read's progress and damage to the run's status; True if it found damage."""
        status = self.run.status
        damaged = bool(batch.skipped_records or batch.skipped_bytes)
        with self._lock:
            status.corrupt_records += batch.skipped_records
            status.skipped_bytes += batch.skipped_bytes
            status.bytes_read += batch.next_offset - batch.start_offset
            if damaged:
                self.run.generation += 1
        return damaged

    def _done(self, cursor: FileCursor, info: FileInfo, next_offset: int, more: bool) -> bool:
        """Record the new offset; True when this read of the file should stop."""
        cursor.offset = next_offset
        if not more:
            # Read to the end: the file need not be opened again until it changes.
            cursor.seen_size, cursor.seen_mtime = info.size, info.mtime
            return True
        return self._stop is not None and self._stop.is_set()

    def _fsspec(self) -> Any:
        return None if self.fs.is_local else self.fs.fsspec
