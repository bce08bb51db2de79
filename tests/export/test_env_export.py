"""``torchscope export-env``: a Live env as Visdom JSON and as offline HTML."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from torchscope.cli import main
from torchscope.export.env import env_to_visdom_json, load_env
from torchscope.export.env_html import env_to_html
from torchscope.export.svg import nice_ticks
from torchscope.live.store import LiveStore

LOSS = [1.0, 0.5, 0.25, 0.125, 0.0625]


@pytest.fixture
def env_path(tmp_path: Path) -> Path:
    """An env folder as a server leaves it: journal only, nothing saved."""
    folder = tmp_path / "envs"
    folder.mkdir()
    store = LiveStore(folder)
    store.open()
    line = {"type": "scatter", "mode": "lines", "name": "train", "x": [0, 1, 2], "y": LOSS[:3]}
    store.execute(
        "events",
        {"eid": "exp", "win": "loss", "data": [line], "opts": {"title": "loss"}, "layout": {}},
    )
    store.execute(
        "update",
        {"eid": "exp", "win": "loss", "append": True, "data": [{"x": [3, 4], "y": LOSS[3:]}]},
    )
    dots = {"type": "scatter", "mode": "markers", "x": [0.1, 0.2], "y": [3, 4]}
    store.execute("events", {"eid": "exp", "win": "dots", "data": [dots], "opts": {}})
    store.execute(
        "events",
        {
            "eid": "exp",
            "win": "note",
            "data": [{"type": "text", "content": "<b>done</b><script>alert(1)</script>"}],
        },
    )
    store.execute(
        "events",
        {"eid": "exp", "win": "tree", "data": [{"type": "network", "content": {"nodes": []}}]},
    )
    store.close()
    return folder


def test_visdom_json_holds_every_point_and_reopens(env_path: Path, tmp_path: Path) -> None:
    exported = env_to_visdom_json(load_env(env_path, "exp"))
    document = json.loads(exported)
    loss = document["jsons"]["loss"]
    assert loss["content"]["data"][0]["y"] == LOSS
    # The file is Visdom's env format: a server started on a folder holding it imports it.
    other = tmp_path / "other"
    other.mkdir()
    (other / "copied.json").write_bytes(exported)
    reopened = load_env(other, "copied").windows["loss"].to_json()
    assert list(reopened["content"]["data"][0]["y"]) == LOSS


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_sources: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self.script_sources.append(dict(attrs).get("src"))


def test_html_draws_plots_and_loads_nothing_from_outside(env_path: Path) -> None:
    page = env_to_html(load_env(env_path, "exp"), "exp")
    parsed = _Collector()
    parsed.feed(page)
    # Offline: no script, stylesheet, image or frame is fetched from anywhere.
    assert parsed.script_sources == [None, None]
    for tag, attrs in parsed.tags:
        for name in ("src", "href"):
            value = attrs.get(name)
            assert value is None or value.startswith("data:"), (tag, attrs)
    panes = {
        attrs["data-win"]: attrs["data-type"] for tag, attrs in parsed.tags if tag == "section"
    }
    assert panes == {"loss": "plot", "dots": "plot", "note": "text", "tree": "network"}
    loss_pane = page.split('data-win="loss"')[1].split("</section>")[0]
    polyline = re.search(r'points="([^"]+)"', loss_pane)
    assert polyline is not None and len(polyline.group(1).split()) == len(LOSS)
    dots_pane = page.split('data-win="dots"')[1].split("</section>")[0]
    assert dots_pane.count("<circle") == 2 and "<polyline" not in dots_pane
    # The text pane's HTML runs in a frame without scripts.
    assert '<iframe sandbox=""' in page and "<script>alert" not in page
    assert "network pane: not drawn" in page
    embedded = page.split('id="torchscope-env">')[1].split("</script>")[0]
    assert json.loads(embedded)["jsons"]["loss"]["content"]["data"][0]["y"] == LOSS


def test_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(3.0, 97.0) == [20.0, 40.0, 60.0, 80.0]


def test_command_writes_both_formats_and_names_a_missing_env(
    env_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    html_file, json_file = tmp_path / "exp.html", tmp_path / "exp.json"
    common = ["export-env", "--env-path", str(env_path), "--env", "exp"]
    assert main([*common, "--format", "html", "--output", str(html_file)]) == 0
    assert main([*common, "--format", "json", "--output", str(json_file)]) == 0
    assert html_file.read_text().startswith("<!DOCTYPE html>")
    assert set(json.loads(json_file.read_bytes())["jsons"]) == {"loss", "dots", "note", "tree"}
    assert main(["export-env", "--env-path", str(env_path), "--env", "nope"]) == 1
    assert "env 'nope' not found" in capsys.readouterr().err
    with pytest.raises(ValueError, match="env_path"):
        load_env(tmp_path / "missing", "exp")
