"""Reading through the one-pass scan (native or Python) equals reading record by record."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from eventfiles import scalar_records, session_start_record, version_record, write_file

import torchscope.events.scan as scan_module
import torchscope.logdir.loader as loader
from torchscope.events import encode_record, native_available
from torchscope.events.messages import Event
from torchscope.logdir import LogdirStore

FIXTURES = Path("/work/shared/fixtures")


def _event(step: int, **fields: Any) -> Event:
    return Event(wall_time=1.7e9 + step, step=step, **fields)


def _tensor(tag: str, step: int, value: float, plugin: str | None) -> bytes:
    event = _event(step)
    item = event.summary.value.add(tag=tag)
    item.tensor.dtype = 2  # DT_DOUBLE
    item.tensor.double_val.append(value)
    if plugin is not None:
        item.metadata.plugin_data.plugin_name = plugin
    return encode_record(event.SerializeToString())


def _several(step: int, values: dict[str, float]) -> bytes:
    event = _event(step)
    for tag, value in values.items():
        event.summary.value.add(tag=tag, simple_value=value)
    return encode_record(event.SerializeToString())


def _image(tag: str, step: int) -> bytes:
    event = _event(step)
    item = event.summary.value.add(tag=tag)
    item.image.width = item.image.height = 1
    item.image.encoded_image_string = b"\x89PNG\r\n\x1a\n" + bytes([step % 256])
    return encode_record(event.SerializeToString())


def _mixed_logdir(root: Path) -> Path:
    """Every case the ingestor distinguishes, in two runs and three files."""
    rng = random.Random(7)
    records = [version_record()]
    for step in range(1500):
        records += scalar_records("loss", [step], [rng.random()])
        records += scalar_records("acc", [step], [rng.random()])
        if step % 7 == 0:
            records.append(_tensor("double", step, rng.random(), "scalars"))
        if step % 11 == 0:
            # A tensor without metadata: a scalar only once the tag is known as one.
            records.append(_tensor("double", step, rng.random(), None))
            records.append(_tensor("orphan", step, rng.random(), None))
        if step % 13 == 0:
            records.append(_several(step, {"pair/a": step * 0.5, "pair/b": -step * 0.5}))
        if step % 50 == 0:
            records.append(_image("img", step))
            records.append(_image("clash", step))  # an image tag...
        if step % 51 == 0:
            records += scalar_records("clash", [step], [1.0])  # ...then a scalar of that tag
        if step == 900:
            records.append(session_start_record(850))  # a restart: purge steps >= 850
    data = bytearray(b"".join(records))
    data[len(data) // 3] ^= 0x20  # one damaged payload
    middle = len(data) // 2
    data[middle : middle + 3] = b"\xff\xff\xff"  # and a damaged header, probably
    write_file(root / "train" / "events.out.tfevents.1.host", [bytes(data)])
    # A file without a version: a step going back purges that tag's later points.
    old_style = scalar_records("loss", range(600), [0.1] * 600)
    old_style += scalar_records("loss", range(300, 400), [0.2] * 100)
    write_file(root / "old" / "events.out.tfevents.2.host", old_style)
    write_file(
        root / "old" / "events.out.tfevents.3.host", [version_record(), _image("img", 3)] * 300
    )
    return root


def _snapshot(store: LogdirStore) -> dict[str, Any]:
    """Everything the store serves, in comparable form."""
    snap: dict[str, Any] = {"runs": store.runs(), "status": store.status()}
    for plugin in sorted(store.active_plugins()):
        for run, tags in store.tags(plugin).items():
            for tag, info in tags.items():
                key = (run, tag)
                snap[f"info {key}"] = info
                if info.kind == "scalar":
                    view = store.scalars(run, tag)
                    snap[f"scalars {key}"] = (
                        view.steps.tolist(),
                        view.wall_times.tolist(),
                        view.values.tobytes(),
                    )
                else:
                    samples = store.samples(run, tag)
                    snap[f"samples {key}"] = [(s.step, s.wall_time, s.payload) for s in samples]
    for run in store.runs():
        snap[f"graph {run}"] = (store.graph(run), store.run_metadata(run), store.start_time(run))
    return snap


def _load(
    logdir: Path,
    open_store: Callable[..., LogdirStore],
    monkeypatch: pytest.MonkeyPatch,
    *,
    scan: bool,
    native: bool = True,
) -> dict[str, Any]:
    with monkeypatch.context() as patch:
        patch.setattr(loader, "SCAN_MIN_BYTES", 0 if scan else 1 << 62)
        patch.setattr(loader, "CHUNK_BYTES", 16 << 10)  # many chunks per file
        patch.setattr(loader, "MERGE_BYTES", 100 << 10)  # and merges in the middle of one
        if not native:
            patch.setattr(scan_module, "NATIVE", None)
        store = open_store(logdir)
        store.reload()
        return _snapshot(store)


@pytest.mark.parametrize("native", [True, False])
def test_mixed_logdir_reads_the_same_on_every_path(
    tmp_path: Path,
    open_store: Callable[..., LogdirStore],
    monkeypatch: pytest.MonkeyPatch,
    native: bool,
) -> None:
    if native and not native_available():
        pytest.skip("the native reader is not built")
    logdir = _mixed_logdir(tmp_path / "logs")
    reference = _load(logdir, open_store, monkeypatch, scan=False)
    scanned = _load(logdir, open_store, monkeypatch, scan=True, native=native)
    assert scanned.keys() == reference.keys()
    for key, value in reference.items():
        assert scanned[key] == value, key
    # The file exercised what it should: purges, damage, tensor and multi-value scalars.
    status = reference["status"]
    assert status["train"].corrupt_records + status["train"].skipped_bytes > 0
    steps = reference["scalars ('train', 'loss')"][0]
    # Purged from 850 on, 900 included: its point came before the restart event.
    assert steps[:850] == list(range(850)) and min(steps[850:]) == 901
    assert 1400 < len(steps) < 1450  # a damaged record or two lost
    old_steps = reference["scalars ('old', 'loss')"][0]
    assert old_steps == [*range(300), *range(300, 400)]
    assert reference["info ('train', 'double')"].display_name == ""
    assert "scalars ('train', 'pair/b')" in reference
    assert reference["info ('train', 'clash')"].kind == "blobs"


@pytest.mark.parametrize("name", ["tb-logdir-torch", "tb-logdir-tensorboardx"])
def test_fixture_logdirs_read_the_same_on_every_path(
    name: str, open_store: Callable[..., LogdirStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = _load(FIXTURES / name, open_store, monkeypatch, scan=False)
    assert any(key.startswith("scalars") for key in reference)
    for native in (True, False) if native_available() else (False,):
        scanned = _load(FIXTURES / name, open_store, monkeypatch, scan=True, native=native)
        assert scanned == reference


def test_a_long_first_read_builds_each_series_at_its_final_size(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    """Staged chunks are merged once per file: no growth slack is left in the columns."""
    steps = np.arange(20_000)
    records = [version_record()]
    for step in steps.tolist():
        records += scalar_records("a", [step], [step * 0.5])
        records += scalar_records("b", [step], [-step * 0.5])
    write_file(tmp_path / "events.out.tfevents.1", records)
    store = open_store(tmp_path)
    store.reload()
    run = store._runs["."]
    for tag, sign in (("a", 1), ("b", -1)):
        view = store.scalars(".", tag)
        assert np.array_equal(view.steps, steps)
        assert np.array_equal(view.values, (sign * steps * 0.5).astype(np.float32))
        assert run.scalars[tag].nbytes == len(steps) * 20
