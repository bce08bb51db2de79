"""Which directories are runs, and which files each run reads, in order."""

from __future__ import annotations

from collections.abc import Iterable

from torchscope.logdir.fs import FileInfo


def is_event_file(name: str) -> bool:
    """TensorBoard's test: the base name contains ``tfevents`` (and is not a profiler stub)."""
    return "tfevents" in name and not name.endswith(".profile-empty")


def group_runs(files: Iterable[FileInfo]) -> dict[str, list[FileInfo]]:
    """Map each run (directory relative to the logdir, ``"."`` for the root) to its event files.

    Files of a run are sorted by name: writers put the creation time first, so name order is
    the order the files were started in, which is the order their events are merged in.
    """
    runs: dict[str, list[FileInfo]] = {}
    for info in files:
        if is_event_file(info.name):
            runs.setdefault(info.directory, []).append(info)
    for run_files in runs.values():
        run_files.sort(key=lambda info: info.name)
    return runs
