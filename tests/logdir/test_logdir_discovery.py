"""Runs are directories holding event files, at any depth; the logdir itself is run "."."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from eventfiles import scalar_records, version_record, write_file

from torchscope.logdir import LogdirStore


def _event_file(directory: Path, name: str = "events.out.tfevents.1700000000.host.1.0") -> Path:
    return write_file(directory / name, [version_record(), *scalar_records("x", [0], [1.0])])


def test_runs_at_any_depth_and_the_root(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    _event_file(tmp_path)
    _event_file(tmp_path / "a")
    _event_file(tmp_path / "a" / "b" / "c")
    _event_file(tmp_path / "z", name="custom.tfevents.v2")  # only the "tfevents" infix counts
    (tmp_path / "no_run").mkdir()
    (tmp_path / "no_run" / "notes.txt").write_text("not an event file")
    _event_file(tmp_path / "profile", name="events.out.tfevents.1.profile-empty")

    store = open_store(tmp_path)
    store.reload()
    assert store.runs() == [".", "a", "a/b/c", "z"]
    assert store.scalars("a/b/c", "x").values.tolist() == [1.0]


def test_new_runs_are_appended_and_order_never_changes(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    _event_file(tmp_path / "m")
    store = open_store(tmp_path)
    store.reload()
    _event_file(tmp_path / "a")
    store.reload()
    assert store.runs() == ["m", "a"]


def test_symlinked_run_directories_are_followed(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    _event_file(tmp_path / "elsewhere" / "real")
    logdir = tmp_path / "logdir"
    logdir.mkdir()
    (logdir / "linked").symlink_to(tmp_path / "elsewhere" / "real", target_is_directory=True)
    (logdir / "loop").symlink_to(logdir, target_is_directory=True)  # must not recurse forever
    store = open_store(logdir)
    store.reload()
    assert store.runs() == ["linked"]


def test_a_logdir_created_later_is_picked_up(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    logdir = tmp_path / "not-yet"
    store = open_store(logdir)
    store.reload()
    assert store.runs() == []
    _event_file(logdir / "run")
    store.reload()
    assert store.runs() == ["run"]


def test_bad_logdir_argument() -> None:
    with pytest.raises(ValueError, match="logdir"):
        LogdirStore("")
