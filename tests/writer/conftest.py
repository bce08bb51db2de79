"""Fixtures shared by the SummaryWriter tests: read runs back with our reader and TensorBoard's."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from torchscope.events import iter_events


def _read_run(run_dir: Path) -> dict[str, Any]:
    """Every event of a run directory (all its event files), with our reader."""
    events: list[Any] = []
    for path in sorted(p for p in Path(run_dir).iterdir() if "tfevents" in p.name):
        events.extend(iter_events(path))
    values: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    for event in events:
        if event.WhichOneof("what") == "summary":
            for value in event.summary.value:
                values[value.tag].append((event.step, value))
    return {"events": events, "values": values}


def _accumulator(run_dir: Path) -> Any:
    """TensorBoard's own EventAccumulator over a run, keeping everything."""
    from tensorboard.backend.event_processing import event_accumulator

    size_guidance = dict.fromkeys(event_accumulator.DEFAULT_SIZE_GUIDANCE, 0)
    acc = event_accumulator.EventAccumulator(str(run_dir), size_guidance=size_guidance)
    acc.Reload()
    return acc


@pytest.fixture
def read_run() -> Callable[[Path], dict[str, Any]]:
    return _read_run


@pytest.fixture
def tb_accumulator() -> Callable[[Path], Any]:
    return _accumulator
