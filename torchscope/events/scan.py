"""Frame a chunk of an event file and decode its scalar events in one call.

:func:`scan_records` is the reader's hot loop. It runs in C (``_native.c``, compiled when the
package is installed) and falls back to the pure-Python implementation below when the module
is not built; both give identical results (tests/events/test_events_scan.py checks it on real
and damaged files):

* framing and CRC checks follow :class:`~torchscope.events.RecordReader`'s rules (a payload
  whose CRC fails is skipped and counted; a bad header starts a byte-by-byte resync; a partial
  last record is left for a later read);
* every verified record for which :func:`~torchscope.events.decode_scalar_event` returns a
  :class:`~torchscope.events.ScalarEvent` becomes one row per value in numpy columns;
* the other records (file_version, images, graphs ...) are returned as positions, for the
  caller to parse with protobuf.

Set ``TORCHSCOPE_NATIVE=0`` to force the Python path.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from crc32c import crc32c

from torchscope.events.crc import masked_crc32c
from torchscope.events.framing import FOOTER_SIZE, HEADER_SIZE, OVERHEAD, unpack_footer
from torchscope.events.scalar_columns import columns_from_buffer
from torchscope.events.scalars import decode_scalar_event

__all__ = [
    "NATIVE",
    "ScanResult",
    "native_available",
    "scan_records",
    "scan_records_native",
    "scan_records_python",
]

ProblemKind = Literal["data_crc", "bad_header"]
_KINDS: tuple[ProblemKind, ProblemKind] = ("data_crc", "bad_header")
_MASK_DELTA = 0xA282EAD8
_U64_LIMIT = 1 << 64
_HEADER = struct.Struct("<QI")


def _load_native() -> ModuleType | None:
    if os.environ.get("TORCHSCOPE_NATIVE", "").strip() == "0":
        return None
    try:
        from torchscope.events import _native
    except ImportError:
        return None
    return _native


NATIVE = _load_native()
"""The compiled module, or ``None`` when the Python path is used."""


def native_available() -> bool:
    """True when scanning runs in C."""
    return NATIVE is not None


@dataclass
class ScanResult:
    """What :func:`scan_records` found in one buffer. Offsets are relative to the buffer."""

    consumed: int
    """Bytes framed: complete records (good or skipped) and resync bytes. The rest is a
    partial record (or too short to hold a header): read it again once the file grows."""
    resynchronising: bool
    """Still looking for the next valid record after a bad header (pass it to the next call)."""
    record_count: int
    """Verified records; ``row_record`` and ``other_record`` number them 0..record_count-1."""
    skipped_records: int
    """Records dropped because their payload CRC failed."""
    skipped_bytes: int
    """Bytes passed over while resynchronising."""
    problems: list[tuple[int, ProblemKind]]
    """(offset in the buffer, kind) of each damaged place, in order."""
    tags: list[str]
    """Distinct tags of the rows; ``row_tag`` indexes it (first seen first)."""
    plugins: list[str]
    """Distinct plugin names; ``row_plugin`` indexes it, -1 for a value without metadata."""
    row_record: npt.NDArray[np.int64]
    row_tag: npt.NDArray[np.int32]
    row_step: npt.NDArray[np.int64]
    row_wall: npt.NDArray[np.float64]
    row_value: npt.NDArray[np.float64]
    """float32 ``simple_value`` widened; tensor values converted as ``float()`` does."""
    row_tensor: npt.NDArray[np.bool_]
    """True for a tensor-encoded scalar, False for ``simple_value``."""
    row_plugin: npt.NDArray[np.int32]
    record_start: npt.NDArray[np.int64]
    """Where each verified record's payload starts in the buffer."""
    record_length: npt.NDArray[np.int64]
    other_record: npt.NDArray[np.int64]
    """The records that are not scalar events (parse them with protobuf), in order."""

    def payload(self, buffer: bytes | bytearray | memoryview, record: int) -> bytes:
        """The payload of verified record number ``record``."""
        start = int(self.record_start[record])
        return bytes(buffer[start : start + int(self.record_length[record])])


def scan_records(
    buffer: bytes | bytearray | memoryview,
    resynchronising: bool = False,
    max_record_bytes: int = 1 << 30,
    *,
    decode: bool = True,
) -> ScanResult:
    """Frame ``buffer`` (TFRecords from a record start, or from a resync position) and decode
    its scalar events (see the module doc). With ``decode=False`` every record is "other"."""
    if not isinstance(buffer, (bytes, bytearray, memoryview)):
        raise TypeError(f"buffer must be bytes-like, got {type(buffer).__name__}")
    if max_record_bytes < 0:
        raise ValueError(f"max_record_bytes must be >= 0, got {max_record_bytes}")
    limit = min(max_record_bytes, _U64_LIMIT - 1)
    if NATIVE is None:
        return scan_records_python(buffer, resynchronising, limit, decode=decode)
    return _native_result(NATIVE.scan_records(buffer, resynchronising, limit, decode))


def scan_records_native(
    buffer: bytes | bytearray | memoryview,
    resynchronising: bool = False,
    max_record_bytes: int = 1 << 30,
    *,
    decode: bool = True,
) -> ScanResult:
    """:func:`scan_records` in C, even when ``TORCHSCOPE_NATIVE=0``; raises ``RuntimeError``
    when the module is not built (``python -m torchscope.events.build_native``)."""
    try:
        from torchscope.events import _native
    except ImportError as error:
        raise RuntimeError(f"the native event reader is not built: {error}") from error
    if max_record_bytes < 0:
        raise ValueError(f"max_record_bytes must be >= 0, got {max_record_bytes}")
    limit = min(max_record_bytes, _U64_LIMIT - 1)
    return _native_result(_native.scan_records(buffer, resynchronising, limit, decode))


def _native_result(raw: tuple[Any, ...]) -> ScanResult:
    (consumed, resync, count, skipped_records, skipped_bytes, problems, tags, plugins) = raw[:8]
    columns = raw[8:]
    return ScanResult(
        consumed=consumed,
        resynchronising=resync,
        record_count=count,
        skipped_records=skipped_records,
        skipped_bytes=skipped_bytes,
        problems=[(offset, _KINDS[kind]) for offset, kind in problems],
        tags=tags,
        plugins=plugins,
        row_record=np.frombuffer(columns[0], np.int64),
        row_tag=np.frombuffer(columns[1], np.int32),
        row_step=np.frombuffer(columns[2], np.int64),
        row_wall=np.frombuffer(columns[3], np.float64),
        row_value=np.frombuffer(columns[4], np.float64),
        row_tensor=np.frombuffer(columns[5], np.bool_),
        row_plugin=np.frombuffer(columns[6], np.int32),
        record_start=np.frombuffer(columns[7], np.int64),
        record_length=np.frombuffer(columns[8], np.int64),
        other_record=np.frombuffer(columns[9], np.int64),
    )


# -- the pure-Python implementation -----------------------------------------------------------


@dataclass
class Framed:
    """Verified records of a buffer, as :func:`frame_records` finds them."""

    consumed: int
    resynchronising: bool
    starts: list[int]
    lengths: list[int]
    problems: list[tuple[int, ProblemKind]]
    skipped_records: int = 0
    skipped_bytes: int = 0


def frame_records(
    buffer: bytes | bytearray | memoryview, resynchronising: bool, limit: int
) -> Framed:
    """Find the verified records of ``buffer`` (payload starts and lengths).

    The common case costs one header unpack and one payload CRC: the length's own CRC is
    checked only when the payload's fails or the record looks truncated (a payload that
    verifies proves its length was right).
    """
    starts: list[int] = []
    lengths: list[int] = []
    framed = Framed(0, resynchronising, starts, lengths, [])
    view = memoryview(buffer).cast("B")
    size = len(view)
    pos = 0
    while size - pos >= HEADER_SIZE:
        length, length_crc = _HEADER.unpack_from(view, pos)
        end = pos + OVERHEAD + length
        if not framed.resynchronising and length <= limit and end <= size:
            crc = crc32c(view[pos + HEADER_SIZE : end - FOOTER_SIZE])
            masked = (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF
            if masked == unpack_footer(view, end - FOOTER_SIZE):
                starts.append(pos + HEADER_SIZE)
                lengths.append(length)
                pos = end
                continue
        # Slow path: check the header itself.
        if length > limit or masked_crc32c(view[pos : pos + 8]) != length_crc:
            if not framed.resynchronising:
                framed.resynchronising = True
                framed.problems.append((pos, "bad_header"))
            pos += 1
            framed.skipped_bytes += 1
            continue
        if end > size:
            break  # partial record: wait for the rest
        payload = view[pos + HEADER_SIZE : end - FOOTER_SIZE]
        if masked_crc32c(payload) != unpack_footer(view, end - FOOTER_SIZE):
            if framed.resynchronising:
                # A header that verified by chance inside damaged bytes: keep scanning.
                pos += 1
                framed.skipped_bytes += 1
                continue
            framed.problems.append((pos, "data_crc"))
            framed.skipped_records += 1
            pos = end
            continue
        framed.resynchronising = False
        starts.append(pos + HEADER_SIZE)
        lengths.append(length)
        pos = end
    framed.consumed = pos
    return framed


def scan_records_python(
    buffer: bytes | bytearray | memoryview,
    resynchronising: bool = False,
    max_record_bytes: int = 1 << 30,
    *,
    decode: bool = True,
) -> ScanResult:
    """:func:`scan_records` without the C module (the reference the C code mirrors).

    Records in torch's ``add_scalar`` layout are decoded many at a time with numpy
    (:func:`~torchscope.events.scalar_columns.columns_from_buffer`, which agrees with
    :func:`~torchscope.events.decode_scalar_event` on them); the rest one by one.
    """
    framed = frame_records(buffer, resynchronising, max_record_bytes)
    view = memoryview(buffer).cast("B")
    starts = np.array(framed.starts, np.int64)
    lengths = np.array(framed.lengths, np.int64)
    names: dict[str, int] = {}  # provisional tag ids; renumbered by first row below
    plugin_ids: dict[str, int] = {}
    if decode and len(starts):
        data = buffer if isinstance(buffer, bytes) else bytes(view)
        columns = columns_from_buffer(data, starts, lengths)
        simple_ids = np.array([names.setdefault(t, len(names)) for t in columns.tags], np.int64)
        block = (
            columns.record_index,
            simple_ids[columns.tag_ids] if len(columns.tag_ids) else columns.tag_ids,
            columns.steps,
            columns.wall_times,
            columns.values,
        )
        leftover = columns.rest
    else:
        empty = np.zeros(0, np.int64)
        block = (empty, empty, empty, np.zeros(0), np.zeros(0))
        leftover = list(range(len(starts))) if not decode else []
    rows: tuple[list[int], list[int], list[int], list[float], list[float], list[bool], list[int]]
    rows = ([], [], [], [], [], [], [])
    others: list[int] = []
    for index in leftover:
        start, length = framed.starts[index], framed.lengths[index]
        event = decode_scalar_event(bytes(view[start : start + length])) if decode else None
        if event is None:
            others.append(index)
            continue
        for value in event.values:
            rows[0].append(index)
            rows[1].append(names.setdefault(value.tag, len(names)))
            rows[2].append(event.step)
            rows[3].append(event.wall_time)
            rows[4].append(value.value)
            rows[5].append(value.is_tensor)
            name = value.plugin_name
            rows[6].append(-1 if name is None else plugin_ids.setdefault(name, len(plugin_ids)))
    count = len(block[0])
    record = np.concatenate([block[0], np.array(rows[0], np.int64)])
    # Rows in file order (a record's values keep their order: the sort is stable).
    order = np.argsort(record, kind="stable")
    tag = np.concatenate([block[1], np.array(rows[1], np.int64)])[order]
    # Tag ids numbered by first appearance, as the native scan does.
    seen, first = np.unique(tag, return_index=True)
    by_first = seen[np.argsort(first)]
    renumber = np.zeros(len(names), np.int32)
    renumber[by_first] = np.arange(len(by_first), dtype=np.int32)
    tag_names = list(names)
    return ScanResult(
        consumed=framed.consumed,
        resynchronising=framed.resynchronising,
        record_count=len(framed.starts),
        skipped_records=framed.skipped_records,
        skipped_bytes=framed.skipped_bytes,
        problems=framed.problems,
        tags=[tag_names[i] for i in by_first.tolist()],
        plugins=list(plugin_ids),
        row_record=record[order],
        row_tag=renumber[tag],
        row_step=np.concatenate([block[2], np.array(rows[2], np.int64)])[order],
        row_wall=np.concatenate([block[3], np.array(rows[3], np.float64)])[order],
        row_value=np.concatenate([block[4], np.array(rows[4], np.float64)])[order],
        row_tensor=np.concatenate([np.zeros(count, np.bool_), np.array(rows[5], np.bool_)])[order],
        row_plugin=np.concatenate([np.full(count, -1, np.int32), np.array(rows[6], np.int32)])[
            order
        ],
        record_start=starts,
        record_length=lengths,
        other_record=np.array(others, np.int64),
    )
