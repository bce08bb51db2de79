"""Incremental, corruption-tolerant reading of TFRecord event files.

A file that is being written usually ends in a partial record: that is *not* an error, the
reader stops before it and resumes from the same offset on the next poll. A record whose
payload CRC fails is skipped and counted; the framing is intact, so reading goes on with
the next record. A header whose length CRC fails means the framing itself is lost: the
reader then scans forward byte by byte for the next position where a complete record
verifies (both CRCs), counting the bytes it skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from torchscope.events.framing import HEADER_SIZE, MAX_RECORD_BYTES, OVERHEAD, unpack_header
from torchscope.events.scan import ScanResult, scan_records

__all__ = [
    "ColumnBatch",
    "EventFileReader",
    "ReadProblem",
    "RecordBatch",
    "RecordReader",
    "ScanBatch",
    "iter_records",
]

DEFAULT_CHUNK_BYTES = 16 << 20

ProblemKind = Literal["data_crc", "bad_header"]


@dataclass(frozen=True)
class ReadProblem:
    """One place where the file is damaged.

    ``kind`` is ``"data_crc"`` (one record's payload failed its CRC; that record was
    skipped, framing intact) or ``"bad_header"`` (a length header failed its CRC or
    announced an absurd size; the reader is resynchronising from ``offset``).
    """

    offset: int
    kind: ProblemKind


@dataclass
class RecordBatch:
    """What one :meth:`RecordReader.read` call found."""

    payloads: list[bytes] = field(default_factory=list)
    """Verified payloads (serialized ``Event`` messages), in file order."""
    offsets: list[int] = field(default_factory=list)
    """Byte offset of the start of each payload's record."""
    start_offset: int = 0
    next_offset: int = 0
    """Where the next read resumes."""
    incomplete: bool = False
    """The file ends in a partial record at ``next_offset``: retry later, it is not an error."""
    more: bool = False
    """Reading stopped at the chunk limit, not at the end of the file: call again now."""
    problems: list[ReadProblem] = field(default_factory=list)
    skipped_records: int = 0
    """Records dropped because their payload CRC failed."""
    skipped_bytes: int = 0
    """Bytes passed over while resynchronising after a bad header."""


@dataclass
class ColumnBatch:
    """What one :meth:`RecordReader.read_columns` call found."""

    scalars: Any
    """:class:`~torchscope.events.scalar_columns.ScalarColumns` of the simple scalar events;
    its ``record_index`` numbers the verified records of this read, 0..record_count-1."""
    other_indices: list[int]
    """Record numbers (same numbering) of the records that are not simple scalars."""
    other_payloads: list[bytes]
    """Their payloads, to decode with ``decode_scalar_event`` / ``parse_event``."""
    other_offsets: list[int]
    """Their byte offsets in the file."""
    record_count: int
    start_offset: int
    next_offset: int
    incomplete: bool
    more: bool
    problems: list[ReadProblem]
    skipped_records: int
    skipped_bytes: int


@dataclass
class ScanBatch:
    """What one :meth:`RecordReader.read_scan` call found."""

    buffer: bytes | memoryview
    """The bytes read; ``scan``'s offsets point into it (a view of the caller's buffer when
    one was passed to :meth:`RecordReader.read_scan`)."""
    scan: ScanResult
    """Scalar rows and record positions (see :class:`~torchscope.events.scan.ScanResult`)."""
    start_offset: int
    next_offset: int
    incomplete: bool
    more: bool
    problems: list[ReadProblem]
    skipped_records: int
    skipped_bytes: int

    def payload(self, record: int) -> bytes:
        """The payload of verified record number ``record`` of this read."""
        return self.scan.payload(self.buffer, record)

    def offset(self, record: int) -> int:
        """The byte offset in the file of verified record number ``record``."""
        return self.start_offset + int(self.scan.record_start[record]) - HEADER_SIZE


class RecordReader:
    """Reads TFRecords from a binary file object, resuming from a byte offset.

    The reader keeps only its position and counters, so the caller may pass a fresh file
    object on every call (needed for fsspec files, whose size is fixed when opened) or the
    same one (a local file opened once sees appended bytes).
    """

    def __init__(
        self,
        offset: int = 0,
        *,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_record_bytes: int = MAX_RECORD_BYTES,
    ) -> None:
        if offset < 0:
            raise ValueError(f"offset must be >= 0, got {offset}")
        if chunk_bytes < OVERHEAD:
            raise ValueError(f"chunk_bytes must be >= {OVERHEAD}, got {chunk_bytes}")
        self.offset = offset
        self.chunk_bytes = chunk_bytes
        self.max_record_bytes = max_record_bytes
        self.resynchronising = False
        self.records_read = 0
        self.skipped_records = 0
        self.skipped_bytes = 0

    def read(self, fileobj: IO[bytes] | Any) -> RecordBatch:
        """Read every complete record available after :attr:`offset`, up to the chunk limit.

        Advances :attr:`offset` past what was consumed. A single record larger than the
        chunk limit is still read whole.
        """
        data, scan, batch = self._read_chunk(fileobj, decode=False)
        buffer = bytes(data)  # already bytes: no copy
        starts = scan.record_start.tolist()
        lengths = scan.record_length.tolist()
        batch.payloads = [buffer[s : s + n] for s, n in zip(starts, lengths, strict=True)]
        batch.offsets = [batch.start_offset + s - HEADER_SIZE for s in starts]
        return batch

    def read_columns(self, fileobj: IO[bytes] | Any) -> ColumnBatch:
        """Like :meth:`read`, with simple scalar events decoded into numpy columns and only
        the other records returned as payloads (see :class:`ColumnBatch`)."""
        from torchscope.events.scalar_columns import columns_from_buffer

        data, scan, status = self._read_chunk(fileobj, decode=False)
        buffer = bytes(data)  # already bytes: no copy
        starts, lengths = scan.record_start, scan.record_length
        columns = columns_from_buffer(buffer, starts, lengths)
        base = status.start_offset
        return ColumnBatch(
            scalars=columns,
            other_indices=columns.rest,
            other_payloads=[buffer[starts[i] : starts[i] + lengths[i]] for i in columns.rest],
            other_offsets=[base + int(starts[i]) - HEADER_SIZE for i in columns.rest],
            record_count=len(starts),
            start_offset=base,
            next_offset=status.next_offset,
            incomplete=status.incomplete,
            more=status.more,
            problems=status.problems,
            skipped_records=status.skipped_records,
            skipped_bytes=status.skipped_bytes,
        )

    def read_scan(self, fileobj: IO[bytes] | Any, into: bytearray | None = None) -> ScanBatch:
        """Like :meth:`read`, with every scalar event decoded into columns in the same pass
        (natively when the C module is built; see :func:`~torchscope.events.scan_records`).

        ``into``: a buffer of at least ``chunk_bytes`` to read into instead of allocating one
        per call (large fresh allocations cost page faults). The batch then points into it:
        use the batch before the next read into the same buffer.
        """
        buffer, scan, status = self._read_chunk(fileobj, decode=True, into=into)
        return ScanBatch(
            buffer=buffer,
            scan=scan,
            start_offset=status.start_offset,
            next_offset=status.next_offset,
            incomplete=status.incomplete,
            more=status.more,
            problems=status.problems,
            skipped_records=status.skipped_records,
            skipped_bytes=status.skipped_bytes,
        )

    def _read_chunk(
        self, fileobj: IO[bytes] | Any, decode: bool, into: bytearray | None = None
    ) -> tuple[bytes | memoryview, ScanResult, RecordBatch]:
        """Read one chunk and frame it: (buffer, scan result, status)."""
        start = self.offset
        fileobj.seek(start)
        buffer: bytes | memoryview
        if into is None:
            buffer = _read_up_to(fileobj, self.chunk_bytes)
        else:
            buffer = _read_into(fileobj, into, self.chunk_bytes)
        at_eof = len(buffer) < self.chunk_bytes
        limit = self.max_record_bytes
        scan = scan_records(buffer, self.resynchronising, limit, decode=decode)
        if scan.consumed == 0 and not at_eof and len(buffer) >= HEADER_SIZE:
            # The first record is bigger than one chunk: read exactly what it needs.
            length, _ = unpack_header(buffer, 0)
            if length <= limit:
                buffer = bytes(buffer) + _read_up_to(fileobj, length + OVERHEAD - len(buffer))
                at_eof = len(buffer) < length + OVERHEAD
                scan = scan_records(buffer, self.resynchronising, limit, decode=decode)
        pos = scan.consumed
        self.resynchronising = scan.resynchronising
        self.offset = start + pos
        batch = RecordBatch(
            start_offset=start,
            next_offset=self.offset,
            incomplete=at_eof and len(buffer) > pos,
            more=not at_eof,
            problems=[ReadProblem(start + offset, kind) for offset, kind in scan.problems],
            skipped_records=scan.skipped_records,
            skipped_bytes=scan.skipped_bytes,
        )
        self.records_read += scan.record_count
        self.skipped_records += scan.skipped_records
        self.skipped_bytes += scan.skipped_bytes
        return buffer, scan, batch


def _read_up_to(fileobj: IO[bytes] | Any, size: int) -> bytes:
    """Read ``size`` bytes or until EOF (some file objects return short reads)."""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        data = fileobj.read(remaining)
        if not data:
            break
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


def _read_into(fileobj: IO[bytes] | Any, into: bytearray, size: int) -> memoryview:
    """Read ``size`` bytes or until EOF into ``into`` (never resized); a view of what came."""
    if len(into) < size:
        raise ValueError(f"into must hold at least {size} bytes, got {len(into)}")
    view = memoryview(into)[:size]
    readinto = getattr(fileobj, "readinto", None)
    if readinto is None:  # a file object without readinto: copy what read() returns
        data = _read_up_to(fileobj, size)
        view[: len(data)] = data
        return view[: len(data)]
    got = 0
    while got < size:
        count = readinto(view[got:])
        if not count:
            break
        got += count
    return view[:got]


def iter_records(fileobj: IO[bytes] | Any, offset: int = 0) -> Iterator[bytes]:
    """Yield every verified payload of a file read once from ``offset`` (damage is skipped)."""
    reader = RecordReader(offset)
    while True:
        batch = reader.read(fileobj)
        yield from batch.payloads
        if not batch.more:
            return


class EventFileReader:
    """Polls one event file (a local path or an fsspec URL) for new records.

    Each :meth:`poll` opens the file, reads what was appended since the last poll and
    closes it again, so it works the same for local files and object stores.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fs: Any | None = None,
        offset: int = 0,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    ) -> None:
        self.path = os.fspath(path)
        self.fs = fs
        self.reader = RecordReader(offset, chunk_bytes=chunk_bytes)

    @property
    def offset(self) -> int:
        """Byte offset the next poll resumes from (persist it to resume after a restart)."""
        return self.reader.offset

    def poll(self) -> RecordBatch:
        """Read up to one chunk of new records (check ``batch.more`` to continue)."""
        opener = self.fs.open if self.fs is not None else _open_local_or_url
        with opener(self.path, "rb") as fileobj:
            return self.reader.read(fileobj)

    def poll_columns(self) -> ColumnBatch:
        """Like :meth:`poll`, with simple scalars decoded into columns."""
        opener = self.fs.open if self.fs is not None else _open_local_or_url
        with opener(self.path, "rb") as fileobj:
            return self.reader.read_columns(fileobj)

    def poll_scan(self, into: bytearray | None = None) -> ScanBatch:
        """Like :meth:`poll`, with every scalar event decoded into columns (``into``: see
        :meth:`RecordReader.read_scan`)."""
        opener = self.fs.open if self.fs is not None else _open_local_or_url
        with opener(self.path, "rb") as fileobj:
            return self.reader.read_scan(fileobj, into)

    def poll_all(self) -> RecordBatch:
        """Read everything available now, merging the chunks into one batch."""
        merged = self.poll()
        while merged.more:
            batch = self.poll()
            merged.payloads += batch.payloads
            merged.offsets += batch.offsets
            merged.problems += batch.problems
            merged.skipped_records += batch.skipped_records
            merged.skipped_bytes += batch.skipped_bytes
            merged.next_offset = batch.next_offset
            merged.incomplete = batch.incomplete
            merged.more = batch.more
        return merged


def _open_local_or_url(path: str, mode: str) -> Any:
    if "://" in path:
        import fsspec  # only needed for remote log directories

        return fsspec.open(path, mode).open()
    return open(path, mode)
