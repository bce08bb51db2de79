"""The native scan (C) and the pure-Python scan give identical results, damage included."""

from __future__ import annotations

import importlib.util
import io
import os
import random
import time
from pathlib import Path

import numpy as np
import pytest
from crc32c import crc32c

from torchscope.events import (
    RecordReader,
    build_native,
    decode_scalar_event,
    encode_record,
    encode_scalar_event,
    masked_crc32c,
)
from torchscope.events import messages as m
from torchscope.events.framing import HEADER_SIZE
from torchscope.events.scan import (
    ScanResult,
    scan_records,
    scan_records_native,
    scan_records_python,
)

FIXTURES = Path("/work/shared/fixtures")
_ARRAYS = (
    "row_record",
    "row_tag",
    "row_step",
    "row_wall",
    "row_value",
    "row_tensor",
    "row_plugin",
    "record_start",
    "record_length",
    "other_record",
)
_FIELDS = (
    "consumed",
    "resynchronising",
    "record_count",
    "skipped_records",
    "skipped_bytes",
    "problems",
    "tags",
    "plugins",
)


@pytest.fixture(scope="module", autouse=True)
def native_module() -> None:
    """Build the module if it is missing or stale (the package install normally does)."""
    if build_native.compiler_command() is None:
        pytest.skip("no C compiler here: only the pure-Python scan can run")
    assert build_native.build() is not None


def _assert_same(ours: ScanResult, reference: ScanResult, context: object = "") -> None:
    for name in _FIELDS:
        assert getattr(ours, name) == getattr(reference, name), (name, context)
    for name in _ARRAYS:
        a, b = getattr(ours, name), getattr(reference, name)
        assert a.dtype == b.dtype, (name, context)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), (name, context)


def _check(buffer: bytes, resynchronising: bool = False, limit: int = 1 << 30) -> ScanResult:
    native = scan_records_native(buffer, resynchronising, limit)
    _assert_same(native, scan_records_python(buffer, resynchronising, limit), buffer[:64].hex())
    return native


def _scalar_payloads() -> list[bytes]:
    """Scalar events of every encoding the Python decoder accepts, and a few it does not."""
    payloads = [
        encode_scalar_event("loss", 0.5, 12, 1.7e9),
        encode_scalar_event("ünï/ß", -3.25, -5, 1.7e9),
        encode_scalar_event("", 1.0, None, 0.0),
        encode_scalar_event("big", 1e30, 2**62, 1.0),
    ]
    for length in (118, 119, 120, 128, 200):
        payloads.append(encode_scalar_event("t" * length, 1.0, 7, 1.0))
        # One-byte lengths where a varint needs two: the Python fast path accepts it as is.
        payloads.append(
            b"\x09"
            + bytes(8)
            + b"\x10\x07\x2a"
            + bytes([(length + 9) & 0xFF, 0x0A, (length + 7) & 0xFF, 0x0A, length])
            + b"t" * length
            + b"\x15\x00\x00\x80\x3f"
        )
    several = m.Event(wall_time=3.0, step=4)
    several.summary.value.add(tag="a", simple_value=1.5)
    several.summary.value.add(tag="b", tensor=m.TensorProto(dtype=1, float_val=[2.5]))
    payloads.append(several.SerializeToString())
    tensors = [
        (1, {"float_val": [1.25]}),
        (2, {"double_val": [1e300]}),
        (3, {"int_val": [-7]}),
        (9, {"int64_val": [2**62 + 1]}),
        (19, {"half_val": [0x3C00]}),
        (1, {"tensor_content": np.float32(3.5).tobytes()}),
        (2, {"tensor_content": np.float64(-0.1).tobytes()}),
        (19, {"tensor_content": np.float16(0.1).tobytes()}),
        (4, {"tensor_content": b"\xff"}),
        (6, {"tensor_content": b"\xff"}),
        (5, {"tensor_content": b"\xff\x80"}),
        (1, {"float_val": [1.0, 2.0]}),
    ]
    for plugin in ("scalars", "images", None):
        for dtype, fields in tensors:
            event = m.Event(wall_time=2.0, step=9)
            shape = m.TensorShapeProto(dim=[m.TensorShapeProto.Dim(size=1)])
            value = event.summary.value.add(
                tag="t", tensor=m.TensorProto(dtype=dtype, tensor_shape=shape, **fields)
            )
            if plugin is not None:
                value.metadata.plugin_data.plugin_name = plugin
            payloads.append(event.SerializeToString())
    payloads.append(m.Event(wall_time=1.0, file_version="brain.Event:2").SerializeToString())
    image = m.Event(wall_time=1.0, step=1)
    image.summary.value.add(tag="i", image=m.Summary.Image(height=1))
    payloads.append(image.SerializeToString())
    return payloads


def test_every_fixture_file_scans_identically() -> None:
    files = sorted(FIXTURES.rglob("*tfevents*"))
    assert files
    rows = 0
    for path in files:
        result = _check(path.read_bytes())
        rows += len(result.row_record)
        assert result.consumed == path.stat().st_size and not result.problems
    assert rows > 0


def _assert_matches_decoder(result: ScanResult, payloads: list[bytes]) -> int:
    """Each record's rows say what ``decode_scalar_event`` says; returns the scalar records."""
    assert result.record_count == len(payloads)
    scalars = 0
    for index, payload in enumerate(payloads):
        event = decode_scalar_event(payload)
        mine = np.flatnonzero(result.row_record == index)
        if event is None:
            assert index in result.other_record.tolist() and len(mine) == 0
            continue
        scalars += 1
        assert [result.tags[i] for i in result.row_tag[mine]] == [v.tag for v in event.values]
        assert result.row_step[mine].tolist() == [event.step] * len(event.values)
        walls = result.row_wall[mine].tolist()
        numbers = result.row_value[mine].tolist()
        assert np.array_equal(walls, [event.wall_time] * len(event.values), equal_nan=True)
        assert np.array_equal(numbers, [v.value for v in event.values], equal_nan=True)
        assert result.row_tensor[mine].tolist() == [v.is_tensor for v in event.values]
        plugins = [None if i < 0 else result.plugins[i] for i in result.row_plugin[mine]]
        assert plugins == [v.plugin_name for v in event.values]
    return scalars


def test_rows_hold_what_the_per_record_decoder_returns() -> None:
    payloads = _scalar_payloads()
    result = _check(b"".join(encode_record(p) for p in payloads))
    scalars = _assert_matches_decoder(result, payloads)
    assert len(result.row_record) > scalars > len(payloads) // 2  # one event has two values


def test_mutated_payloads_decode_identically() -> None:
    rng = random.Random(11)
    payloads = _scalar_payloads()
    specials = [b"\xff" * 9 + b"\x01", b"\x80" * 9 + b"\x02", b"\x8a\x00", b"\xff" * 10]
    accepted = 0
    for _ in range(3000):
        payload = bytearray(rng.choice(payloads))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(payload) + 1)
            choice = rng.random()
            if choice < 0.4 and at < len(payload):
                payload[at] = rng.choice([rng.randrange(256), 0x80, 0x0A, 0x12, 0x42, 0x4A, 0x15])
            elif choice < 0.6:
                payload[at:at] = rng.choice(specials)
            elif choice < 0.8:
                del payload[at : at + rng.randint(1, 4)]
            else:
                payload = payload[:at]
        result = _check(encode_record(bytes(payload)))
        accepted += _assert_matches_decoder(result, [bytes(payload)])
    assert 50 < accepted < 2950  # the mutations left both scalars and non-scalars


def test_damaged_and_truncated_files_scan_identically() -> None:
    rng = random.Random(12)
    payloads = _scalar_payloads()
    data = b"".join(encode_record(p) for p in payloads)
    # Every cut point of a short file: a truncated last record is left for later.
    short = b"".join(encode_record(p) for p in payloads[:4])
    for cut in range(len(short) + 1):
        result = _check(short[:cut])
        assert result.consumed <= cut and not result.problems
    for _ in range(400):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        if rng.random() < 0.3:
            at = rng.randrange(len(damaged))
            damaged[at:at] = rng.randbytes(rng.randint(1, 40))
        damaged = damaged[: rng.randint(len(damaged) // 2, len(damaged))]
        result = _check(bytes(damaged), rng.random() < 0.2, rng.choice([1 << 30, 64]))
        assert result.skipped_records or result.skipped_bytes or result.record_count


def test_reader_gives_the_same_batches_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small chunks, a header bit flip and a payload bit flip, read by RecordReader."""
    import torchscope.events.scan as scan_module

    payloads = _scalar_payloads() * 3
    data = bytearray(b"".join(encode_record(p) for p in payloads))
    data[len(encode_record(payloads[0])) + 2] ^= 0x10  # record 1's length
    data[-10] ^= 0x01  # inside the last payload
    batches = {}
    for native in (True, False):
        if not native:
            monkeypatch.setattr(scan_module, "NATIVE", None)
        reader = RecordReader(chunk_bytes=300)
        seen = []
        while True:
            batch = reader.read_scan(io.BytesIO(bytes(data)))
            seen.append(batch)
            if not batch.more:
                break
        batches[native] = (seen, reader.skipped_records, reader.skipped_bytes)
    native_batches, python_batches = batches[True][0], batches[False][0]
    assert batches[True][1:] == batches[False][1:] == (1, batches[True][2])
    assert len(native_batches) == len(python_batches) > 3
    for ours, theirs in zip(native_batches, python_batches, strict=True):
        _assert_same(ours.scan, theirs.scan)
        assert ours.problems == theirs.problems and ours.next_offset == theirs.next_offset


def test_columns_grow_past_their_first_estimate() -> None:
    """Tiny records and a wide event need more rows than the buffer size suggests."""
    wide = m.Event(wall_time=1.0, step=2)
    for i in range(3000):
        wide.summary.value.add(tag=f"t{i % 7}", simple_value=float(i))
    data = encode_record(b"") * 20_000 + encode_record(wide.SerializeToString()) * 3
    result = _check(data)
    assert result.record_count == 20_003 and len(result.row_record) == 9000
    assert result.row_value[:3000].tolist() == [float(i) for i in range(3000)]
    assert result.tags == [f"t{i}" for i in range(7)]


def test_reading_into_a_reused_buffer_gives_the_same_batches() -> None:
    big = m.Event(wall_time=1.0, file_version="x" * 9000).SerializeToString()  # > one chunk
    payloads = _scalar_payloads() * 10 + [big] + _scalar_payloads() * 10
    data = b"".join(encode_record(p) for p in payloads)
    fresh, reused = RecordReader(chunk_bytes=4096), RecordReader(chunk_bytes=4096)
    into = bytearray(4096)
    seen = 0
    payloads_read: list[bytes] = []
    while True:
        ours = reused.read_scan(io.BytesIO(data), into=into)
        theirs = fresh.read_scan(io.BytesIO(data))
        _assert_same(ours.scan, theirs.scan)
        assert bytes(ours.buffer) == theirs.buffer and ours.next_offset == theirs.next_offset
        seen += ours.scan.record_count
        payloads_read += [ours.payload(int(i)) for i in ours.scan.other_record]
        if not theirs.more:
            break
    assert reused.offset == len(data) and reused.records_read == len(payloads) == seen
    assert big in payloads_read
    with pytest.raises(ValueError, match="into"):
        RecordReader(chunk_bytes=4096).read_scan(io.BytesIO(data), into=bytearray(10))


def test_decode_false_frames_only() -> None:
    payloads = _scalar_payloads()
    data = b"".join(encode_record(p) for p in payloads)
    for scan in (scan_records_native, scan_records_python):
        result = scan(data, decode=False)
        assert result.other_record.tolist() == list(range(len(payloads)))
        assert len(result.row_record) == 0
        starts = result.record_start.tolist()
        lengths = result.record_length.tolist()
        assert [data[s : s + n] for s, n in zip(starts, lengths, strict=True)] == payloads
        assert [result.payload(data, i) for i in range(3)] == payloads[:3]
        assert starts[0] == HEADER_SIZE


def test_native_crc_matches_the_crc32c_package_in_both_modes() -> None:
    from torchscope.events import _native

    rng = random.Random(13)
    samples = [rng.randbytes(n) for n in range(0, 80)] + [rng.randbytes(5000)]
    had_hardware = _native.hardware_crc()
    try:
        for hardware in (True, False):
            _native.set_hardware_crc(hardware)
            for data in samples:
                assert _native.masked_crc32c(data) == masked_crc32c(data)
            # The table path must also frame whole files correctly.
            assert scan_records_native(encode_record(b"x" * 100)).record_count == 1
    finally:
        _native.set_hardware_crc(had_hardware)
    assert crc32c(b"123456789") == 0xE3069283


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(TypeError, match="buffer"):
        scan_records("not bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_record_bytes"):
        scan_records(b"", max_record_bytes=-1)


def test_build_helper_rebuilds_only_a_stale_module(tmp_path: Path) -> None:
    source = tmp_path / "_native.c"
    source.write_bytes(build_native.SOURCE.read_bytes())
    target = build_native.extension_path(tmp_path)
    assert build_native.is_stale(source, target)
    messages: list[str] = []
    assert build_native.build(source=source, log=messages.append) == target
    assert not build_native.is_stale(source, target)
    built_at = target.stat().st_mtime_ns
    assert build_native.build(source=source, log=messages.append) == target
    assert target.stat().st_mtime_ns == built_at  # up to date: not compiled again
    later = time.time() + 5
    os.utime(source, (later, later))
    assert build_native.is_stale(source, target)
    # The freshly built module works on its own.
    spec = importlib.util.spec_from_file_location("_native", target)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    raw = module.scan_records(encode_record(encode_scalar_event("x", 2.0, 3, 4.0)), False, 1 << 20)
    assert raw[2] == 1 and np.frombuffer(raw[12], np.float64).tolist() == [2.0]


def test_build_helper_warns_without_a_compiler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "_native.c"
    source.write_text("int x;\n")
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    messages: list[str] = []
    assert build_native.build(source=source, log=messages.append) is None
    assert "no C compiler" in messages[0] and not build_native.extension_path(tmp_path).exists()
    monkeypatch.delenv("CC")
    source.write_text("this is not C\n")
    assert build_native.build(source=source, log=messages.append) is None
    assert "failed" in messages[-1] and not list(tmp_path.glob("*.so"))
