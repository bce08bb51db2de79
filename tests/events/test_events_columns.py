"""Columnar scalar decoding equals the per-record decoder; everything else is left over."""

from __future__ import annotations

import io
import math
import random
from pathlib import Path

import numpy as np

from torchscope.events import (
    EventFileReader,
    RecordReader,
    decode_scalar_columns,
    decode_scalar_event,
    encode_record,
    encode_scalar_event,
    iter_records,
)
from torchscope.events import messages as m

FIXTURES = Path("/work/shared/fixtures")


def _mixed_payloads(count: int) -> list[bytes]:
    rng = random.Random(5)
    payloads = []
    for i in range(count):
        kind = rng.random()
        if kind < 0.8:
            tag = rng.choice(["loss", "acc", "lr", "a/b/c", "ünï", "t" * 118])
            payloads.append(encode_scalar_event(tag, rng.uniform(-5, 5), i, 1.7e9 + i))
        elif kind < 0.9:
            step = rng.choice([None, 0, 127, 128, -5, 2**62, -(2**63)])
            payloads.append(encode_scalar_event("x", rng.choice([0.0, math.nan]), step, 2.5))
        elif kind < 0.95:
            payloads.append(encode_scalar_event(rng.choice(["", "t" * 119]), 1.0, 3, 1.0))
        else:
            event = m.Event(wall_time=1.0, step=i)
            event.summary.value.add(tag="x", tensor=m.TensorProto(dtype=1, float_val=[1.0]))
            payloads.append(event.SerializeToString())
    payloads.append(b"\x09" + b"\xff" * 30)  # garbage of a plausible length
    return payloads


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def test_columns_equal_the_per_record_decoder() -> None:
    payloads = _mixed_payloads(20_000)
    columns = decode_scalar_columns(payloads)
    assert sorted([*columns.record_index.tolist(), *columns.rest]) == list(range(len(payloads)))
    assert list(columns.record_index) == sorted(columns.record_index)
    for row, index in enumerate(columns.record_index.tolist()):
        single = decode_scalar_event(payloads[index])
        assert single is not None
        (value,) = single.values
        assert columns.tags[columns.tag_ids[row]] == value.tag
        assert int(columns.steps[row]) == single.step
        assert float(columns.wall_times[row]) == single.wall_time
        assert _same(float(columns.values[row]), value.value)
    for index in columns.rest:
        single = decode_scalar_event(payloads[index])
        # Left over: not a simple_value scalar, or one of the rare layouts (empty or long
        # tag, no wall time) that the per-record decoder handles.
        if single is not None:
            value = single.values[0]
            assert value.is_tensor or value.tag in ("", "t" * 119) or single.wall_time == 0


def test_columns_on_a_real_file() -> None:
    path = FIXTURES / "tb-logdir-torch" / "eval" / "events.out.tfevents.1795716597.vm.31038.4"
    payloads = list(iter_records(path.open("rb")))
    columns = decode_scalar_columns(payloads)
    assert sorted(columns.tags) == ["accuracy", "loss", "lr"] and len(columns) == 300
    # The file_version record and the tensor-encoded scalars are left for the full parser.
    assert len(columns.rest) == len(payloads) - 300


def test_empty_input() -> None:
    columns = decode_scalar_columns([])
    assert len(columns) == 0 and columns.rest == [] and columns.tags == []


def _mixed_file() -> tuple[bytes, list[bytes]]:
    payloads = _mixed_payloads(3000)
    return b"".join(encode_record(p) for p in payloads), payloads


def test_read_columns_matches_read_including_damage() -> None:
    data, _ = _mixed_file()
    damaged = bytearray(data)
    damaged[len(data) // 3] ^= 0x10  # somewhere in a record: one record is lost
    damaged[len(data) // 2 : len(data) // 2 + 5] = b"\xff" * 5
    cut = bytes(damaged[: len(data) - 7])  # and the tail is still being written
    plain = RecordReader(chunk_bytes=4096)
    columnar = RecordReader(chunk_bytes=4096)
    while True:
        batch = plain.read(io.BytesIO(cut))
        columns = columnar.read_columns(io.BytesIO(cut))
        assert (columns.next_offset, columns.incomplete, columns.more) == (
            batch.next_offset,
            batch.incomplete,
            batch.more,
        )
        assert columns.problems == batch.problems
        assert columns.record_count == len(batch.payloads)
        expected = decode_scalar_columns(batch.payloads)
        got = columns.scalars
        assert got.record_index.tolist() == expected.record_index.tolist()
        assert [got.tags[i] for i in got.tag_ids] == [expected.tags[i] for i in expected.tag_ids]
        assert got.steps.tolist() == expected.steps.tolist()
        assert got.wall_times.tolist() == expected.wall_times.tolist()
        np.testing.assert_array_equal(got.values, expected.values)
        assert columns.other_payloads == [batch.payloads[i] for i in columns.other_indices]
        assert columns.other_offsets == [batch.offsets[i] for i in columns.other_indices]
        if not batch.more:
            break
    assert plain.skipped_records + (plain.skipped_bytes > 0) >= 2
    assert columnar.records_read == plain.records_read


def test_poll_columns_on_a_growing_file(tmp_path: Path) -> None:
    data, payloads = _mixed_file()
    path = tmp_path / "events.out.tfevents.4"
    path.write_bytes(data[: len(data) // 2])
    reader = EventFileReader(path)
    first = reader.poll_columns()
    assert first.incomplete
    path.write_bytes(data)
    second = reader.poll_columns()
    assert not second.incomplete and reader.offset == len(data)
    assert first.record_count + second.record_count == len(payloads)
    # Evenly spaced records of one tag are decoded from a strided view of the buffer.
    uniform = b"".join(encode_record(encode_scalar_event("x", i, i + 1000, 5.0)) for i in range(50))
    columns = RecordReader().read_columns(io.BytesIO(uniform)).scalars
    assert columns.steps.tolist() == list(range(1000, 1050)) and columns.tags == ["x"]
