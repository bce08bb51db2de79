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
import struct
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from crc32c import crc32c

from torchscope.events.crc import masked_crc32c
from torchscope.events.framing import (
    FOOTER_SIZE,
    HEADER_SIZE,
    MAX_RECORD_BYTES,
    OVERHEAD,
    unpack_footer,
    unpack_header,
)

__all__ = [
    "ColumnBatch",
    "EventFileReader",
    "ReadProblem",
    "RecordBatch",
    "RecordReader",
    "iter_records",
]

DEFAULT_CHUNK_BYTES = 16 << 20
_HEADER = struct.Struct("<QI")
_U32 = struct.Struct("<I")
_MASK_DELTA = 0xA282EAD8

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
        buffer, starts, lengths, batch = self._read_chunk(fileobj)
        batch.payloads = [buffer[s : s + n] for s, n in zip(starts, lengths, strict=True)]
        batch.offsets = [batch.start_offset + s - HEADER_SIZE for s in starts]
        return batch

    def read_columns(self, fileobj: IO[bytes] | Any) -> ColumnBatch:
        """Like :meth:`read`, with simple scalar events decoded into numpy columns and only
        the other records returned as payloads (see :class:`ColumnBatch`)."""
        from torchscope.events.scalar_columns import columns_from_buffer

        buffer, starts, lengths, status = self._read_chunk(fileobj)
        columns = columns_from_buffer(buffer, starts, lengths)
        base = status.start_offset
        return ColumnBatch(
            scalars=columns,
            other_indices=columns.rest,
            other_payloads=[buffer[starts[i] : starts[i] + lengths[i]] for i in columns.rest],
            other_offsets=[base + starts[i] - HEADER_SIZE for i in columns.rest],
            record_count=len(starts),
            start_offset=base,
            next_offset=status.next_offset,
            incomplete=status.incomplete,
            more=status.more,
            problems=status.problems,
            skipped_records=status.skipped_records,
            skipped_bytes=status.skipped_bytes,
        )

    def _read_chunk(self, fileobj: IO[bytes] | Any) -> tuple[bytes, array, array, RecordBatch]:
        """Read one chunk and frame it: (buffer, payload starts, payload lengths, status)."""
        start = self.offset
        fileobj.seek(start)
        buffer = _read_up_to(fileobj, self.chunk_bytes)
        at_eof = len(buffer) < self.chunk_bytes
        batch = RecordBatch(start_offset=start)
        resynchronising = self.resynchronising
        pos, starts, lengths = self._frame(buffer, start, batch)
        if pos == 0 and not at_eof and len(buffer) >= HEADER_SIZE:
            # The first record is bigger than one chunk: read exactly what it needs.
            length, _ = unpack_header(buffer, 0)
            if length <= self.max_record_bytes:
                buffer += _read_up_to(fileobj, length + OVERHEAD - len(buffer))
                at_eof = len(buffer) < length + OVERHEAD
                self.resynchronising = resynchronising
                batch = RecordBatch(start_offset=start)
                pos, starts, lengths = self._frame(buffer, start, batch)
        self.offset = start + pos
        batch.next_offset = self.offset
        batch.incomplete = at_eof and len(buffer) > pos
        batch.more = not at_eof
        self.records_read += len(starts)
        self.skipped_records += batch.skipped_records
        self.skipped_bytes += batch.skipped_bytes
        return buffer, starts, lengths, batch

    def _frame(self, buffer: bytes, base: int, batch: RecordBatch) -> tuple[int, array, array]:
        """Find the verified records of ``buffer``: (bytes consumed, payload starts, lengths).

        The common case costs one header unpack and one payload CRC: the length's own CRC
        is checked only when the payload's fails or the record looks truncated (a payload
        that verifies proves its length was right).
        """
        starts = array("q")
        lengths = array("q")
        add_start = starts.append
        add_length = lengths.append
        view = memoryview(buffer)
        size = len(buffer)
        limit = self.max_record_bytes
        pos = 0
        while size - pos >= HEADER_SIZE:
            length, length_crc = _HEADER.unpack_from(buffer, pos)
            end = pos + OVERHEAD + length
            if not self.resynchronising and length <= limit and end <= size:
                crc = crc32c(view[pos + HEADER_SIZE : end - FOOTER_SIZE])
                masked = (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF
                if masked == _U32.unpack_from(buffer, end - FOOTER_SIZE)[0]:
                    add_start(pos + HEADER_SIZE)
                    add_length(length)
                    pos = end
                    continue
            # Slow path: check the header itself.
            if length > limit or masked_crc32c(view[pos : pos + 8]) != length_crc:
                self._lose_sync(base + pos, batch)
                pos += 1
                batch.skipped_bytes += 1
                continue
            if end > size:
                break  # partial record: wait for the rest
            payload = view[pos + HEADER_SIZE : end - FOOTER_SIZE]
            if masked_crc32c(payload) != unpack_footer(buffer, end - FOOTER_SIZE):
                if self.resynchronising:
                    # A header that verified by chance inside damaged bytes: keep scanning.
                    pos += 1
                    batch.skipped_bytes += 1
                    continue
                batch.problems.append(ReadProblem(base + pos, "data_crc"))
                batch.skipped_records += 1
                pos = end
                continue
            self.resynchronising = False
            add_start(pos + HEADER_SIZE)
            add_length(length)
            pos = end
        return pos, starts, lengths

    def _lose_sync(self, offset: int, batch: RecordBatch) -> None:
        if not self.resynchronising:
            self.resynchronising = True
            batch.problems.append(ReadProblem(offset, "bad_header"))


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
