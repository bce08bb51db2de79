"""Every acknowledged request survives kill -9; Visdom's env files import and export."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from live_helpers import RunningServer, window_json

from torchscope.live import LiveStore

ROOT = Path(__file__).resolve().parents[2]


def _spawn(env_path: Path) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "torchscope.server", "--port", "0", "-env_path", str(env_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r":(\d+)\s*$", line)
    assert "It's Alive!" in line and found, line + (process.stderr.read() if process.stderr else "")
    return process, int(found.group(1))


def _client(port: int) -> Any:
    import visdom

    return visdom.Visdom(
        server="http://127.0.0.1", port=port, use_incoming_socket=False, raise_exceptions=True
    )


def test_kill_9_keeps_every_acknowledged_append(tmp_path: Path) -> None:
    env_path = tmp_path / "envs"
    process, port = _spawn(env_path)
    acknowledged: list[int] = []
    try:
        vis = _client(port)
        vis.text("kept", win="note")
        killer = threading.Timer(1.5, lambda: os.kill(process.pid, signal.SIGKILL))
        killer.start()
        step = 0
        while step < 100_000:
            try:
                answer = vis.line(
                    Y=np.array([step * 0.5]), X=np.array([step]), win="burst", update="append"
                )
            except ConnectionError:
                break
            if answer == "burst":
                acknowledged.append(step)
            step += 1
        killer.join()
    finally:
        process.kill()
        process.wait()
    assert len(acknowledged) > 10  # the burst really ran before the kill

    process, port = _spawn(env_path)
    try:
        vis = _client(port)
        trace = window_json(vis, "burst")["content"]["data"][0]
        stored = dict(zip(trace["x"], trace["y"], strict=True))
        assert all(stored.get(step) == step * 0.5 for step in acknowledged)
        assert window_json(vis, "note")["content"] == "kept"
    finally:
        process.kill()
        process.wait()


def test_restart_after_compaction_and_torn_journal_tail(tmp_path: Path) -> None:
    store = LiveStore(tmp_path, compact_bytes=2_000)
    store.open()
    store.execute(
        "events",
        {"win": "w", "data": [{"x": [0], "y": [0.0], "type": "scatter", "name": "a"}]},
    )
    for i in range(1, 200):  # several compactions happen on the way
        store.execute(
            "update",
            {"win": "w", "data": [{"x": [i], "y": [i / 3]}], "append": True, "name": "a"},
        )
    store.close()
    journal = sorted((tmp_path / ".torchscope-live").glob("journal-*.log"))
    assert len(journal) == 1 and (tmp_path / ".torchscope-live" / "snapshot.json").exists()
    with open(journal[0], "ab") as handle:  # a crash in the middle of a write
        handle.write(b'{"op":"update","n":500}\n{"win": "w", "da')

    reopened = LiveStore(tmp_path)
    reopened.open()
    trace = reopened.win_data({"win": "w"})["content"]["data"][0]
    assert list(trace["x"]) == list(range(200))
    assert np.allclose(trace["y"], np.arange(200) / 3)
    reopened.execute("update", {"win": "w", "data": [{"x": [200], "y": [1.0]}], "append": True})
    reopened.close()
    again = LiveStore(tmp_path)
    again.open()
    assert len(again.win_data({"win": "w"})["content"]["data"][0]["x"]) == 201
    again.close()


def test_visdom_env_files_import_and_save_writes_that_format(
    tmp_path: Path, server_factory: Any
) -> None:
    env_path = tmp_path / "envs"
    env_path.mkdir()
    visdom_env = {
        "jsons": {
            "loss": {
                "command": "window",
                "id": "loss",
                "title": "loss",
                "inflate": True,
                "width": None,
                "height": None,
                "contentID": "x",
                "type": "plot",
                "i": 1,
                "content": {
                    "data": [{"x": [0, 1], "y": [1.0, NaN_TOKEN], "type": "scatter", "name": "1"}],
                    "layout": {"title": "loss"},
                },
            },
            "note": {"id": "note", "type": "text", "content": "hi", "title": "", "i": 2},
        },
        "reload": {"loss": {"x": 0, "y": 0, "w": 4, "h": 3}},
    }
    # Visdom writes Python's json.dumps output: NaN appears as a bare token.
    text = json.dumps(visdom_env).replace('"NaN_TOKEN"', "NaN")
    (env_path / "my run.json").write_text(text)
    server: RunningServer = server_factory(env_path)
    vis = _client(server.port)
    assert "my run" in vis.get_env_list()
    doc = window_json(vis, "loss", env="my run")
    assert doc["content"]["data"][0]["y"] == [1.0, None] and doc["title"] == "loss"
    assert window_json(vis, "note", env="my run")["content"] == "hi"

    vis.line(Y=np.array([2.0]), X=np.array([2]), win="loss", env="my run", update="append")
    assert json.loads(vis.save(["my run"])) == ["my run"]
    written = json.loads((env_path / "my%20run.json").read_text())
    assert written["reload"] == visdom_env["reload"]
    assert written["jsons"]["loss"]["content"]["data"][0]["x"] == [0, 1, 2]
    assert written["jsons"]["note"]["content"] == "hi"


NaN_TOKEN = "NaN_TOKEN"


def test_env_names_cannot_reach_outside_the_env_folder(tmp_path: Path, server_factory: Any) -> None:
    env_path = tmp_path / "envs"
    server: RunningServer = server_factory(env_path)
    victim = tmp_path / "victim.json"
    victim.write_text("{}")
    vis = _client(server.port)
    for name in ("../victim", "..", "..\\victim", "a\x00b"):
        # Refused outright (a 4xx whose body names the problem), so no env and no file exists.
        assert "eid must not contain" in vis.text("x", win="w", env=name)
        assert name.replace("/", "_") not in vis.get_env_list()
        vis.save([name.replace("/", "_")])
    assert victim.read_text() == "{}"
    assert {p.parent for p in env_path.rglob("*.json")} <= {env_path, env_path / "view"}
    files = {p.name for p in env_path.glob("*.json")}
    assert files == set()  # every save was deleted again, inside the folder


def test_second_server_on_same_env_path_is_refused(tmp_path: Path) -> None:
    first = LiveStore(tmp_path)
    first.open()
    try:
        second = LiveStore(tmp_path)
        try:
            second.open()
            raise AssertionError("a second store opened the same journal")
        except RuntimeError as exc:
            assert "another torchscope server" in str(exc)
    finally:
        first.close()


def test_store_restarts_with_same_data_as_before(tmp_path: Path) -> None:
    first = LiveStore(tmp_path)
    first.open()
    first.execute("events", {"win": "t", "eid": "e", "data": [{"type": "text", "content": "a"}]})
    first.execute("update", {"win": "t", "eid": "e", "data": [{"type": "text", "content": "b"}]})
    first.execute("fork_env", {"prev_eid": "e", "eid": "f"})
    first.execute("close", {"win": "t", "eid": "e"})
    before = {eid: _without_content_ids(first.win_data({"eid": eid})) for eid in first.env_ids()}
    first.close()
    time.sleep(0.01)
    second = LiveStore(tmp_path)
    second.open()
    # contentID is a render nonce: replay draws fresh ones
    after = {eid: _without_content_ids(second.win_data({"eid": eid})) for eid in second.env_ids()}
    second.close()
    assert after == before and after["f"]["t"]["content"] == "a<br>b"


def _without_content_ids(windows: dict[str, Any]) -> dict[str, Any]:
    return {wid: {k: v for k, v in doc.items() if k != "contentID"} for wid, doc in windows.items()}


def test_server_chosen_window_ids_survive_a_restart(tmp_path: Path) -> None:
    store = LiveStore(tmp_path)
    store.open()
    win = store.execute(
        "events", {"data": [{"type": "text", "content": "hi"}]}, win="window_fixed_by_server"
    )
    store.close()
    again = LiveStore(tmp_path)
    again.open()
    assert again.win_data({"win": win})["content"] == "hi"
    again.close()


def test_readonly_server_shares_the_env_path_of_a_writing_one(
    tmp_path: Path, server_factory: Any
) -> None:
    env_path = tmp_path / "shared"
    writer: RunningServer = server_factory(env_path)
    vis = _client(writer.port)
    vis.line(Y=np.array([1.0, 2.0]), X=np.array([0, 1]), win="loss")
    viewer: RunningServer = server_factory(env_path, readonly=True)
    reader = _client(viewer.port)
    assert window_json(reader, "loss")["content"]["data"][0]["y"] == [1.0, 2.0]
    assert reader.text("no", win="t") != "t"  # refused
    vis.line(Y=np.array([3.0]), X=np.array([2]), win="loss", update="append")  # still writes
    assert window_json(vis, "loss")["content"]["data"][0]["y"] == [1.0, 2.0, 3.0]
