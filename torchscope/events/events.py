"""Whole-event helpers on top of the record reader: parse, iterate, classify values."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO, Any

from torchscope.events.messages import Event
from torchscope.events.reader import EventFileReader, iter_records

__all__ = ["iter_events", "parse_event", "plugin_of_value"]


def parse_event(payload: bytes) -> Any:
    """Parse one record payload into an ``Event`` message.

    Raises ``google.protobuf.message.DecodeError`` if the payload is not an Event (which
    only happens to a record whose CRC verified, i.e. one written wrong).
    """
    return Event.FromString(payload)


def iter_events(
    source: str | os.PathLike[str] | IO[bytes], *, fs: Any | None = None
) -> Iterator[Any]:
    """Yield every ``Event`` of a file (path, fsspec URL or binary file object), read once."""
    if isinstance(source, (str, os.PathLike)):
        reader = EventFileReader(source, fs=fs)
        while True:
            batch = reader.poll()
            for payload in batch.payloads:
                yield parse_event(payload)
            if not batch.more:
                return
    for payload in iter_records(source):
        yield parse_event(payload)


def plugin_of_value(value: Any) -> str | None:
    """The dashboard a ``Summary.Value`` belongs to, as TensorBoard decides it.

    ``simple_value`` -> "scalars", ``image`` -> "images", ``histo`` -> "histograms",
    ``audio`` -> "audio"; a tensor -> its metadata's plugin name (``None`` when the value
    carries no metadata: use the plugin of the tag's first value).
    """
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        return "scalars"
    if kind == "image":
        return "images"
    if kind == "histo":
        return "histograms"
    if kind == "audio":
        return "audio"
    if value.HasField("metadata") and value.metadata.plugin_data.plugin_name:
        plugin: str = value.metadata.plugin_data.plugin_name
        return plugin
    return None
