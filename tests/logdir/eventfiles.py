"""Writing event files for the logdir tests, record by record (so they can be cut or damaged)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from torchscope.events import encode_record, encode_scalar_event
from torchscope.events.messages import Event

FILE_VERSION = "brain.Event:2"
SESSION_START = 1


def version_record(wall_time: float = 1.7e9, step: int = 0) -> bytes:
    """The first record every writer puts in a file."""
    return encode_record(
        Event(wall_time=wall_time, step=step, file_version=FILE_VERSION).SerializeToString()
    )


def scalar_records(
    tag: str, steps: Iterable[int], values: Iterable[float], wall_time: float = 1.7e9
) -> list[bytes]:
    """One framed ``simple_value`` record per (step, value)."""
    return [
        encode_record(encode_scalar_event(tag, float(value), int(step), wall_time + int(step)))
        for step, value in zip(steps, values, strict=True)
    ]


def event_record(**fields: Any) -> bytes:
    """A framed record of ``Event(**fields)``."""
    return encode_record(Event(**fields).SerializeToString())


def session_start_record(step: int, wall_time: float = 1.7e9) -> bytes:
    event = Event(wall_time=wall_time, step=step)
    event.session_log.status = SESSION_START
    return encode_record(event.SerializeToString())


def write_file(path: Path, records: Iterable[bytes]) -> Path:
    """Write ``records`` to ``path`` (parents created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(records))
    return path


def append_file(path: Path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)
        f.flush()
