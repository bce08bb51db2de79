"""Which (run, tag) scalar series an export covers: regular expressions over names."""

from __future__ import annotations

import re
from typing import NamedTuple

from torchscope.logdir import LogdirStore


class SeriesKey(NamedTuple):
    """One scalar series of a log directory."""

    run: str
    tag: str


def compile_pattern(pattern: str | None, argument: str) -> re.Pattern[str] | None:
    """``pattern`` compiled, ``None`` for "everything"; a bad one is a ValueError naming it."""
    if pattern is None or pattern == "":
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{argument} is not a valid regular expression: {exc}") from None


def select_series(
    store: LogdirStore, runs: str | None = None, tags: str | None = None
) -> list[SeriesKey]:
    """The scalar series whose run matches ``runs`` and tag matches ``tags`` (``re.search``).

    Runs come in the store's order (the order they were found), tags sorted within a run, so
    two exports of the same logdir list the series in the same order.
    """
    run_pattern = compile_pattern(runs, "runs")
    tag_pattern = compile_pattern(tags, "tags")
    selected: list[SeriesKey] = []
    for run, run_tags in store.tags("scalars").items():
        if run_pattern is not None and not run_pattern.search(run):
            continue
        for tag in sorted(run_tags):
            if tag_pattern is None or tag_pattern.search(tag):
                selected.append(SeriesKey(run, tag))
    return selected
