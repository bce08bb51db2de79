"""Incremental reading: truncated tails are retried, damaged records skipped and counted."""

from __future__ import annotations

import io
from pathlib import Path

import fsspec
import pytest

from torchscope.events import (
    EventFileReader,
    RecordReader,
    encode_record,
    encode_scalar_event,
    iter_events,
    iter_records,
    masked_crc32c,
)
from torchscope.events.framing import HEADER_SIZE


def _payloads(count: int) -> list[bytes]:
    return [encode_scalar_event("x", float(i), i, 1_700_000_000.0 + i) for i in range(count)]


def _file(payloads: list[bytes]) -> tuple[bytes, list[int]]:
    offsets, chunks, position = [], [], 0
    for payload in payloads:
        record = encode_record(payload)
        offsets.append(position)
        chunks.append(record)
        position += len(record)
    return b"".join(chunks), offsets


def test_crc32c_matches_the_reference_check_value() -> None:
    from crc32c import crc32c

    assert crc32c(b"123456789") == 0xE3069283
    crc = crc32c(b"abc")
    assert masked_crc32c(b"abc") == ((((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF)


def test_reference_record_vector() -> None:
    payload = bytes.fromhex("0900000040fc54d9411a0d627261696e2e4576656e743a32")
    record = encode_record(payload)
    assert record.hex() == "1800000000000000a37f4b22" + payload.hex() + "eced8f9d"


def test_truncated_tail_is_retried_after_the_rest_is_appended(tmp_path: Path) -> None:
    payloads = _payloads(10)
    data, offsets = _file(payloads)
    path = tmp_path / "events.out.tfevents.1"
    cut = offsets[7] + 5  # inside record 7's header
    path.write_bytes(data[:cut])
    reader = EventFileReader(path)
    batch = reader.poll()
    assert batch.payloads == payloads[:7]
    assert batch.incomplete and not batch.problems and batch.next_offset == offsets[7]
    # A second poll with nothing new changes nothing.
    again = reader.poll()
    assert again.payloads == [] and again.incomplete and reader.offset == offsets[7]
    # The writer finishes record 7 and half of record 8's payload.
    path.write_bytes(data[: offsets[8] + HEADER_SIZE + 3])
    batch = reader.poll()
    assert batch.payloads == [payloads[7]] and batch.incomplete
    path.write_bytes(data)
    batch = reader.poll()
    assert batch.payloads == payloads[8:] and not batch.incomplete and not batch.more
    assert reader.reader.records_read == 10 and reader.reader.skipped_records == 0


def test_payload_bit_flip_skips_one_record_and_reading_goes_on() -> None:
    payloads = _payloads(100)
    data, offsets = _file(payloads)
    damaged = bytearray(data)
    damaged[offsets[50] + HEADER_SIZE + 12] ^= 0x04  # a bit of the float value
    reader = RecordReader()
    batch = reader.read(io.BytesIO(bytes(damaged)))
    assert batch.payloads == payloads[:50] + payloads[51:]
    assert [(p.offset, p.kind) for p in batch.problems] == [(offsets[50], "data_crc")]
    assert batch.skipped_records == 1 and reader.skipped_records == 1
    assert batch.offsets == offsets[:50] + offsets[51:]


def test_header_bit_flip_resynchronises_at_the_next_record() -> None:
    payloads = _payloads(20)
    data, offsets = _file(payloads)
    damaged = bytearray(data)
    damaged[offsets[5] + 2] ^= 0x01  # the length field: framing is lost
    reader = RecordReader()
    batch = reader.read(io.BytesIO(bytes(damaged)))
    assert batch.payloads == payloads[:5] + payloads[6:]
    assert [(p.offset, p.kind) for p in batch.problems] == [(offsets[5], "bad_header")]
    assert batch.skipped_bytes == offsets[6] - offsets[5]
    assert not reader.resynchronising


def test_garbage_between_records_is_skipped() -> None:
    payloads = _payloads(6)
    data, offsets = _file(payloads)
    garbage = bytes(range(256)) * 3
    damaged = data[: offsets[3]] + garbage + data[offsets[3] :]
    batch = RecordReader().read(io.BytesIO(damaged))
    assert batch.payloads == payloads
    assert batch.skipped_bytes == len(garbage) and len(batch.problems) == 1


def test_resynchronising_continues_across_polls() -> None:
    payloads = _payloads(4)
    data, offsets = _file(payloads)
    garbage = b"\xff" * 40
    damaged = data[: offsets[2]] + garbage + data[offsets[2] :]
    reader = RecordReader()
    first = reader.read(io.BytesIO(damaged[: offsets[2] + 30]))  # garbage only, so far
    assert first.payloads == payloads[:2] and reader.resynchronising
    second = reader.read(io.BytesIO(damaged))
    assert second.payloads == payloads[2:] and not reader.resynchronising
    assert reader.skipped_bytes == len(garbage)


def test_oversized_length_is_corruption_not_an_allocation() -> None:
    payloads = _payloads(3)
    data, offsets = _file(payloads)
    reader = RecordReader(max_record_bytes=1024)
    huge = (1 << 40).to_bytes(8, "little")
    header = huge + masked_crc32c(huge).to_bytes(4, "little")
    batch = reader.read(io.BytesIO(data[: offsets[1]] + header + data[offsets[1] :]))
    assert batch.payloads == payloads and batch.problems[0].kind == "bad_header"


def test_small_chunks_and_records_larger_than_a_chunk() -> None:
    payloads = [b"\x1a\x02ab", b"\x1a" + bytes([120]) + b"z" * 120, b"\x1a\x01c"]
    data, _ = _file(payloads)
    reader = RecordReader(chunk_bytes=20)
    seen: list[bytes] = []
    while True:
        batch = reader.read(io.BytesIO(data))
        seen += batch.payloads
        if not batch.more:
            break
    assert seen == payloads and reader.offset == len(data)


def test_resume_from_a_saved_offset() -> None:
    payloads = _payloads(10)
    data, offsets = _file(payloads)
    assert list(iter_records(io.BytesIO(data), offsets[4])) == payloads[4:]
    with pytest.raises(ValueError, match="offset"):
        RecordReader(-1)


def test_fsspec_files_and_urls(tmp_path: Path) -> None:
    payloads = _payloads(5)
    data, offsets = _file(payloads)
    memory = fsspec.filesystem("memory")
    memory.pipe("/logs/events.out.tfevents.2", data[: offsets[3] + 2])
    reader = EventFileReader("/logs/events.out.tfevents.2", fs=memory)
    assert reader.poll().payloads == payloads[:3]
    memory.pipe("/logs/events.out.tfevents.2", data)
    assert reader.poll().payloads == payloads[3:]
    events = list(iter_events("memory://logs/events.out.tfevents.2"))
    assert [e.step for e in events] == list(range(5))


def test_poll_all_merges_chunks(tmp_path: Path) -> None:
    payloads = _payloads(50)
    data, _ = _file(payloads)
    path = tmp_path / "events.out.tfevents.3"
    path.write_bytes(data)
    batch = EventFileReader(path, chunk_bytes=64).poll_all()
    assert batch.payloads == payloads and not batch.more and batch.next_offset == len(data)
