"""Checking and combining explanation records before they are logged or sent.

A record is what :func:`torchscope.explain.explanation_record` returns (its shape is in
docs/explain.md). The writer and the live client only carry it; this module makes sure what
they carry is a record a view can show, and lets several targets of one image travel together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

__all__ = ["EXPLAIN_PLUGIN", "check_record", "combine_targets", "record_json"]

#: ``plugin_name`` of explanation summaries in event files.
EXPLAIN_PLUGIN = "torchscope_explain"
_FORMAT_PREFIX = "torchscope.explain/"


def check_record(record: Any, name: str = "record") -> Mapping[str, Any]:
    """``record`` if it looks like an explanation record; ValueError/TypeError naming ``name``."""
    if not isinstance(record, Mapping):
        raise TypeError(
            f"{name} must be a dict from explanation_record, got {type(record).__name__}"
        )
    fmt = record.get("format")
    if not isinstance(fmt, str) or not fmt.startswith(_FORMAT_PREFIX):
        raise ValueError(f"{name}['format'] must start with {_FORMAT_PREFIX!r}, got {fmt!r}")
    image = record.get("image")
    if not isinstance(image, Mapping) or not isinstance(image.get("png"), str):
        raise ValueError(f"{name}['image'] must hold the input image as base64 PNG text")
    methods = record.get("methods")
    maps = record.get("maps")
    if not isinstance(methods, list) or not methods:
        raise ValueError(f"{name}['methods'] must be a non-empty list of method names")
    if not isinstance(maps, Mapping):
        raise ValueError(f"{name}['maps'] must map each method to its map")
    missing = [method for method in methods if method not in maps]
    if missing:
        raise ValueError(f"{name}['maps'] lacks the maps of methods {missing}")
    target = record.get("target")
    if not isinstance(target, Mapping) or not isinstance(target.get("index"), int):
        raise ValueError(f"{name}['target'] must be a dict with an integer 'index'")
    if not isinstance(record.get("predictions", []), list):
        raise ValueError(f"{name}['predictions'] must be a list")
    return record


def record_json(record: Any, name: str = "record") -> bytes:
    """The checked record as compact JSON bytes (NaN and infinities become null)."""
    try:
        return orjson.dumps(check_record(record, name), option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError as error:
        raise TypeError(f"{name} is not JSON-serializable: {error}") from None


def combine_targets(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One record holding the maps of several targets of the same image.

    ``records`` are records of one image for different targets (for example one per top
    prediction). The result is the first record plus ``"targets"``: one
    ``{"index", "label", "maps"}`` per record, which the Explain view's target picker switches
    between.
    """
    if isinstance(records, Mapping) or not isinstance(records, Sequence) or not records:
        raise ValueError("records must be a non-empty sequence of explanation records")
    checked = [check_record(record, f"records[{i}]") for i, record in enumerate(records)]
    first = checked[0]
    seen: set[int] = set()
    targets: list[dict[str, Any]] = []
    for i, record in enumerate(checked):
        if record["image"].get("png") != first["image"]["png"]:
            raise ValueError(f"records[{i}] explains another image than records[0]")
        if record["methods"] != first["methods"]:
            raise ValueError(
                f"records[{i}] has methods {record['methods']}, not {first['methods']}"
            )
        index = int(record["target"]["index"])
        if index in seen:
            raise ValueError(f"records[{i}] repeats target {index}")
        seen.add(index)
        targets.append(
            {"index": index, "label": record["target"].get("label"), "maps": dict(record["maps"])}
        )
    combined = dict(first)
    combined["targets"] = targets
    return combined
