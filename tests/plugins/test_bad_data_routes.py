"""Logged data that verifies but does not decode is answered with a 4xx, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from torchscope.events import encode_record
from torchscope.events.messages import Event


def _value_event(tag: str, plugin: str, content: bytes) -> bytes:
    event = Event(wall_time=1.7e9, step=0)
    value = event.summary.value.add(tag=tag)
    value.metadata.plugin_data.plugin_name = plugin
    value.metadata.plugin_data.content = content
    return encode_record(event.SerializeToString())


def test_malformed_plugin_data(tmp_path: Path, serve: Callable[..., TestClient]) -> None:
    (tmp_path / "events.out.tfevents.1").write_bytes(
        _value_event("_hparams_/session_start_info", "hparams", b"\xff\xff\xff")
        + _value_event("cloud_VERTEX", "mesh", b"\x0a\xff")
    )
    client = serve(tmp_path)
    for route, params in [
        ("/data/plugin/hparams/experiment", {}),
        ("/data/plugin/hparams/session_groups", {}),
        ("/data/plugin/mesh/tags", {}),
    ]:
        response = client.get(route, params=params)
        assert response.status_code == 422, route
        assert "cannot be decoded" in response.text
