"""The persistent cache reopens a logdir without parsing it again, and notices changed files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from eventfiles import append_file, scalar_records, version_record, write_file

import torchscope.logdir.ingest as ingest
from torchscope.events import encode_record
from torchscope.events.messages import Event
from torchscope.logdir import LogdirStore
from torchscope.logdir.payloads import decode_blobs


def _image_record(step: int) -> bytes:
    event = Event(wall_time=1.7e9 + step, step=step)
    value = event.summary.value.add(tag="img")
    value.image.width, value.image.height = 1, 1
    value.image.encoded_image_string = b"\x89PNG\r\n\x1a\n" + bytes([step])
    return encode_record(event.SerializeToString())


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    write_file(
        root / "a" / "events.out.tfevents.1",
        [
            version_record(),
            *scalar_records("x", range(1000), np.linspace(0, 1, 1000)),
            _image_record(0),
            _image_record(1),
        ],
    )
    write_file(root / "b" / "events.out.tfevents.1", scalar_records("y", range(10), range(10)))
    return root


def _count_parsing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real_fast, real_full = ingest.decode_scalar_event, ingest.parse_event

    def fast(payload: bytes):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return real_fast(payload)

    def full(payload: bytes):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return real_full(payload)

    monkeypatch.setattr(ingest, "decode_scalar_event", fast)
    monkeypatch.setattr(ingest, "parse_event", full)
    return calls


def test_restart_reads_nothing_again(
    logdir: Path,
    tmp_path: Path,
    open_store: Callable[..., LogdirStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    first = open_store(logdir, cache_dir=cache)
    first.reload()
    expected = first.scalars("a", "x")
    first.close()
    assert {p.suffix for p in cache.rglob("*") if p.is_file()} <= {".json", ".npy"}

    calls = _count_parsing(monkeypatch)
    second = open_store(logdir, cache_dir=cache)
    second.reload()
    assert calls[0] == 0
    view = second.scalars("a", "x")
    assert np.array_equal(view.steps, expected.steps)
    assert np.array_equal(view.values, expected.values)
    assert [decode_blobs(s.payload)[2] for s in second.samples("a", "img")] == [
        b"\x89PNG\r\n\x1a\n" + bytes([0]),
        b"\x89PNG\r\n\x1a\n" + bytes([1]),
    ]
    assert second.runs() == ["a", "b"]


def test_grown_file_is_resumed_from_the_cached_offset(
    logdir: Path,
    tmp_path: Path,
    open_store: Callable[..., LogdirStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    first = open_store(logdir, cache_dir=cache)
    first.reload()
    first.close()
    append_file(
        logdir / "b" / "events.out.tfevents.1", b"".join(scalar_records("y", [10, 11], [10, 11]))
    )

    calls = _count_parsing(monkeypatch)
    second = open_store(logdir, cache_dir=cache)
    second.reload()
    assert calls[0] == 2  # only the two new records
    assert second.scalars("b", "y").steps.tolist() == list(range(12))
    second.scalars("b", "y")  # the memory-mapped columns became writable copies
    append_file(logdir / "b" / "events.out.tfevents.1", b"".join(scalar_records("y", [12], [1])))
    second.reload()
    assert len(second.scalars("b", "y")) == 13


def test_rewritten_file_invalidates_the_run(
    logdir: Path, tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    cache = tmp_path / "cache"
    first = open_store(logdir, cache_dir=cache)
    first.reload()
    first.close()
    write_file(logdir / "b" / "events.out.tfevents.1", scalar_records("z", range(3), range(3)))

    second = open_store(logdir, cache_dir=cache)
    second.reload()
    assert sorted(second.tags("scalars")["b"]) == ["z"]
    assert len(second.scalars("a", "x")) == 1000  # the unchanged run still comes from the cache


def test_first_pass_in_worker_processes_gives_the_same_data(
    logdir: Path, open_store: Callable[..., LogdirStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    import torchscope.logdir.store as store_module

    serial = open_store(logdir, load_workers=1)
    serial.reload()
    monkeypatch.setattr(store_module, "PARALLEL_MIN_BYTES", 0)
    parallel = open_store(logdir, load_workers=2)
    parallel.reload()
    assert parallel.runs() == serial.runs()
    for run in serial.runs():
        assert parallel.tags("scalars").get(run) == serial.tags("scalars").get(run)
    assert np.array_equal(parallel.scalars("a", "x").values, serial.scalars("a", "x").values)
    assert len(parallel.samples("a", "img")) == 2
    # Tailing continues from where the workers stopped.
    append_file(logdir / "b" / "events.out.tfevents.1", b"".join(scalar_records("y", [10], [1])))
    parallel.reload()
    assert parallel.scalars("b", "y").steps.tolist() == list(range(11))
