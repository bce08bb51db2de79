"""A damaged record is skipped and counted; everything after it is still read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from eventfiles import scalar_records, version_record, write_file

from torchscope.logdir import LogdirStore

HEADER = 12  # u64 length + u32 length CRC


def _file_with_damage(tmp_path: Path, damage: Callable[[bytearray, int], None]) -> Path:
    records = [version_record(), *scalar_records("x", range(100), np.arange(100.0))]
    data = bytearray(b"".join(records))
    start_of_record_51 = sum(len(r) for r in records[:51])  # the record holding step 50
    damage(data, start_of_record_51)
    return write_file(tmp_path / "run" / "events.out.tfevents.1", [bytes(data)])


def test_bit_flip_in_a_value_skips_that_record_only(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    def flip_value_bit(data: bytearray, start: int) -> None:
        length = int.from_bytes(data[start : start + 8], "little")
        data[start + HEADER + length - 2] ^= 0x01  # inside the float32 value: still parseable

    _file_with_damage(tmp_path, flip_value_bit)
    store = open_store(tmp_path)
    store.reload()
    view = store.scalars("run", "x")
    assert view.steps.tolist() == [s for s in range(100) if s != 50]
    # The damaged value is not shown at all (TensorBoard's Rust loader shows the flipped float).
    assert view.values.tolist() == [float(s) for s in range(100) if s != 50]
    assert store.status()["run"].corrupt_records == 1


def test_damaged_length_header_costs_one_record(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    def break_length(data: bytearray, start: int) -> None:
        data[start] ^= 0x40

    _file_with_damage(tmp_path, break_length)
    store = open_store(tmp_path)
    store.reload()
    steps = store.scalars("run", "x").steps.tolist()
    assert steps == [s for s in range(100) if s != 50]
    status = store.status()["run"]
    assert status.skipped_bytes > 0


def test_damage_count_is_served_for_the_ui(tmp_path: Path, serve_logdir: Callable) -> None:
    def corrupt_payload(data: bytearray, start: int) -> None:
        data[start + HEADER + 3] ^= 0xFF

    _file_with_damage(tmp_path, corrupt_payload)
    client = serve_logdir(tmp_path)
    answer = client.get("/data/logdir_status").json()
    assert answer["loaded"] is True
    assert answer["runs"]["run"]["corrupt_records"] == 1
    rows = client.get("/data/plugin/scalars/scalars", params={"run": "run", "tag": "x"}).json()
    assert len(rows) == 99
