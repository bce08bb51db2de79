"""The bulk (columnar) path and the record-by-record path read a mixed file identically."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from eventfiles import scalar_records, session_start_record, version_record, write_file

import torchscope.logdir.ingest as ingest
from torchscope.events import encode_record
from torchscope.events.messages import Event
from torchscope.logdir import LogdirStore


def _tensor_scalar(tag: str, step: int, value: float) -> bytes:
    event = Event(wall_time=1.7e9 + step, step=step)
    item = event.summary.value.add(tag=tag)
    item.tensor.dtype = 2  # DT_DOUBLE
    item.tensor.double_val.append(value)
    item.metadata.plugin_data.plugin_name = "scalars"
    return encode_record(event.SerializeToString())


def _image(step: int) -> bytes:
    event = Event(wall_time=1.7e9 + step, step=step)
    item = event.summary.value.add(tag="img")
    item.image.width = item.image.height = 1
    item.image.encoded_image_string = b"\x89PNG\r\n\x1a\n" + bytes([step % 256])
    return encode_record(event.SerializeToString())


def _mixed_file(path: Path) -> None:
    rng = random.Random(0)
    records = [version_record()]
    for step in range(600):
        records += scalar_records("loss", [step], [rng.random()])
        records += scalar_records("acc", [step], [rng.random()])
        if rng.random() < 0.2:
            records.append(_tensor_scalar("double", step, rng.random()))
        if rng.random() < 0.05:
            records.append(_image(step))
        if step == 400:
            records.append(session_start_record(350))  # a restart: purge steps >= 350
    write_file(path, records)


@pytest.mark.parametrize("bulk_threshold", [64, 10**9])
def test_mixed_file_same_result_on_both_paths(
    tmp_path: Path,
    open_store: Callable[..., LogdirStore],
    monkeypatch: pytest.MonkeyPatch,
    bulk_threshold: int,
) -> None:
    _mixed_file(tmp_path / "events.out.tfevents.1")
    reference = open_store(tmp_path)
    monkeypatch.setattr(ingest, "_COLUMNAR_MIN_RECORDS", 10**9)  # record by record
    reference.reload()
    monkeypatch.setattr(ingest, "_COLUMNAR_MIN_RECORDS", bulk_threshold)
    store = open_store(tmp_path)
    store.reload()
    assert store.tags("scalars")["."].keys() == reference.tags("scalars")["."].keys()
    for tag in ("loss", "acc", "double"):
        ours, theirs = store.scalars(".", tag), reference.scalars(".", tag)
        assert np.array_equal(ours.steps, theirs.steps)
        assert np.array_equal(ours.values, theirs.values)
        assert np.array_equal(ours.wall_times, theirs.wall_times)
    assert store.scalars(".", "loss").steps.tolist() == [*range(350), *range(401, 600)]
    assert [s.step for s in store.samples(".", "img")] == [
        s.step for s in reference.samples(".", "img")
    ]
