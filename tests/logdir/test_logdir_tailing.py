"""Growing files are tailed; a partial last record waits; every file of a run is read, in order."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from eventfiles import append_file, scalar_records, version_record, write_file

from torchscope.logdir import LogdirStore


def _wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_background_reloader_shows_appended_data(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    path = write_file(
        tmp_path / "run" / "events.out.tfevents.1",
        [version_record(), *scalar_records("loss", range(5), range(5))],
    )
    store = open_store(tmp_path, reload_interval=0.2)
    assert store.wait_until_loaded(timeout=30)
    assert len(store.scalars("run", "loss")) == 5

    append_file(path, b"".join(scalar_records("loss", range(5, 8), range(5, 8))))
    assert _wait_for(lambda: len(store.scalars("run", "loss")) == 8)
    write_file(tmp_path / "late" / "events.out.tfevents.2", scalar_records("acc", [0], [0.5]))
    assert _wait_for(lambda: "late" in store.runs() and "acc" in store.tags("scalars")["late"])


def test_truncated_last_record_is_read_once_complete(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    records = scalar_records("x", range(100), np.arange(100.0))
    path = write_file(tmp_path / "events.out.tfevents.1", records[:99])
    half = len(records[99]) // 2
    append_file(path, records[99][:half])
    store = open_store(tmp_path)
    store.reload()
    assert len(store.scalars(".", "x")) == 99
    store.reload()  # still partial: nothing new, nothing counted as damage
    assert len(store.scalars(".", "x")) == 99
    assert store.status()["."].corrupt_records == 0

    append_file(path, records[99][half:])
    store.reload()
    assert store.scalars(".", "x").steps.tolist() == list(range(100))


def test_several_files_per_run_are_merged_in_name_order(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    run = tmp_path / "run"
    write_file(
        run / "events.out.tfevents.1700000002.h", scalar_records("x", range(10, 20), range(10, 20))
    )
    older = write_file(
        run / "events.out.tfevents.1700000001.h", scalar_records("x", range(10), range(10))
    )
    store = open_store(tmp_path)
    store.reload()
    assert store.scalars("run", "x").steps.tolist() == list(range(20))
    assert store.status()["run"].event_files == 2

    # An older file that keeps growing (a second writer, another rank) is still read.
    append_file(older, b"".join(scalar_records("y", [0], [1.0])))
    store.reload()
    assert store.scalars("run", "y").values.tolist() == [1.0]
