"""The real ``visdom`` client, unchanged, against a torchscope server."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import numpy as np
import pytest
import websockets.sync.client as ws_client
from live_helpers import RunningServer, window_json


def test_check_connection_and_socket_handshake(vis: Any) -> None:
    assert vis.check_connection()
    assert vis.socket_alive


def test_line_create_and_every_update_mode(vis: Any) -> None:
    win = vis.line(
        Y=np.array([[1.0, 10.0], [2.0, 20.0]]),
        X=np.array([0, 1]),
        win="loss",
        opts={"title": "loss", "legend": ["train", "val"]},
    )
    assert win == "loss"
    doc = window_json(vis, "loss")
    assert doc["type"] == "plot" and doc["title"] == "loss"
    assert [t["name"] for t in doc["content"]["data"]] == ["train", "val"]

    # append to one named trace
    vis.line(Y=np.array([3.0]), X=np.array([2]), win="loss", name="train", update="append")
    # append to every trace at once (positional)
    vis.line(Y=np.array([[4.0, 40.0]]), X=np.array([3]), win="loss", update="append")
    traces = window_json(vis, "loss")["content"]["data"]
    assert traces[0]["x"] == [0, 1, 2, 3] and traces[0]["y"] == [1.0, 2.0, 3.0, 4.0]
    assert traces[1]["x"] == [0, 1, 3] and traces[1]["y"] == [10.0, 20.0, 40.0]

    # 'insert' / 'new' with a new name add a trace; 'replace' replaces its points
    vis.line(Y=np.array([7.0, 8.0]), X=np.array([0, 1]), win="loss", name="test", update="insert")
    vis.line(Y=np.array([5.0]), X=np.array([9]), win="loss", name="val", update="replace")
    traces = {t["name"]: t for t in window_json(vis, "loss")["content"]["data"]}
    assert traces["test"]["y"] == [7.0, 8.0]
    assert traces["val"]["x"] == [9] and traces["val"]["y"] == [5.0]

    # 'remove' drops the named trace
    vis.line(X=None, Y=None, win="loss", name="test", update="remove")
    names = [t["name"] for t in window_json(vis, "loss")["content"]["data"]]
    assert names == ["train", "val"]


def test_append_to_missing_window_creates_it(vis: Any) -> None:
    vis.line(Y=np.array([1.0, 2.0]), X=np.array([0, 1]), win="fresh", update="append")
    doc = window_json(vis, "fresh")
    assert doc["content"]["data"][0]["y"] == [1.0, 2.0]


def test_masking_update_with_nan_x_is_ignored(vis: Any) -> None:
    vis.line(Y=np.array([1.0]), X=np.array([0]), win="m")
    answer = vis.line(Y=np.array([5.0]), X=np.array([np.nan]), win="m", update="append")
    assert answer == "m"
    assert window_json(vis, "m")["content"]["data"][0]["y"] == [1.0]


def test_scatter_3d_and_labels(vis: Any) -> None:
    points = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    vis.scatter(X=points, Y=np.array([1, 2, 2]), win="s3", opts={"title": "3d"})
    traces = window_json(vis, "s3")["content"]["data"]
    assert [t["type"] for t in traces] == ["scatter3d", "scatter3d"]
    assert traces[1]["z"] == [1.0, 2.0]
    vis.scatter(X=np.array([[3.0, 3.0, 3.0]]), win="s3", name="2", update="append")
    assert window_json(vis, "s3")["content"]["data"][1]["z"] == [1.0, 2.0, 3.0]


def test_heatmap_every_update_direction(vis: Any) -> None:
    vis.heatmap(
        X=np.array([[1.0, 2.0], [3.0, 4.0]]),
        win="h",
        opts={"columnnames": ["a", "b"], "rownames": ["r1", "r2"]},
    )
    vis.heatmap(X=np.array([[5.0, 6.0]]), win="h", update="appendRow", opts={"rownames": ["r3"]})
    vis.heatmap(X=np.array([[0.0, 0.0]]), win="h", update="prependRow", opts={"rownames": ["r0"]})
    vis.heatmap(
        X=np.array([[7.0], [8.0], [9.0], [1.0]]),
        win="h",
        update="appendColumn",
        opts={"columnnames": ["c"]},
    )
    vis.heatmap(
        X=np.array([[-1.0], [-2.0], [-3.0], [-4.0]]),
        win="h",
        update="prependColumn",
        opts={"columnnames": ["z"]},
    )
    trace = window_json(vis, "h")["content"]["data"][0]
    assert trace["z"] == [
        [-1.0, 0.0, 0.0, 7.0],
        [-2.0, 1.0, 2.0, 8.0],
        [-3.0, 3.0, 4.0, 9.0],
        [-4.0, 5.0, 6.0, 1.0],
    ]
    assert trace["x"] == ["z", "a", "b", "c"] and trace["y"] == ["r0", "r1", "r2", "r3"]
    vis.heatmap(X=np.array([[1.0]]), win="h", update="replace")
    assert window_json(vis, "h")["content"]["data"][0]["z"] == [[1.0]]
    vis.heatmap(X=None, win="h", update="remove")
    assert window_json(vis, "h")["content"]["data"] == []


def test_every_plot_type_is_stored_with_its_trace_type(vis: Any) -> None:
    rng = np.random.default_rng(0)
    grid = rng.random((4, 5))
    cases = {
        "bar": (vis.bar, {"X": np.array([1.0, 2.0, 3.0])}, "bar"),
        "histogram": (vis.histogram, {"X": rng.random(50), "opts": {"numbins": 5}}, "bar"),
        "boxplot": (vis.boxplot, {"X": rng.random((10, 2))}, "box"),
        "surf": (vis.surf, {"X": grid}, "surface"),
        "contour": (vis.contour, {"X": grid}, "contour"),
        "quiver": (vis.quiver, {"X": grid, "Y": grid}, "scatter"),
        "stem": (vis.stem, {"X": rng.random(6)}, "scatter"),
        "pie": (vis.pie, {"X": np.array([1.0, 2.0]), "opts": {"legend": ["a", "b"]}}, "pie"),
        "mesh": (
            vis.mesh,
            {"X": rng.random((4, 3)), "Y": np.array([[0, 1, 2], [1, 2, 3]])},
            "mesh3d",
        ),
        "sunburst": (
            vis.sunburst,
            {
                "labels": np.array(["a", "b"]),
                "parents": np.array(["", "a"]),
                "values": np.array([2, 1]),
            },
            "sunburst",
        ),
        "dual": (
            vis.dual_axis_lines,
            {"X": np.arange(3.0), "Y1": np.ones(3), "Y2": np.zeros(3)},
            "scatter",
        ),
    }
    for win, (method, kwargs, trace_type) in cases.items():
        assert method(win=win, **kwargs) == win
        doc = window_json(vis, win)
        assert doc["type"] == "plot", win
        assert doc["content"]["data"][0]["type"] == trace_type, win
    assert window_json(vis, "dual")["content"]["layout"]["yaxis2"]["overlaying"] == "y"
    # Visdom refuses updates to plots that are not scatter/heatmap: so do we.
    answer = vis.line(Y=np.array([1.0]), X=np.array([1.0]), win="bar", update="append")
    assert answer.startswith("win is not scatter")


def test_text_svg_audio_matplotlib_are_text_panes(vis: Any) -> None:
    vis.text("<b>hello</b>", win="t")
    vis.text("again", win="t", append=True)
    assert window_json(vis, "t")["content"] == "<b>hello</b><br>again"
    vis.svg(svgstr='<svg height="10" width="10"><circle r="4"/></svg>', win="svg")
    assert window_json(vis, "svg")["content"].startswith("<svg ")
    vis.audio(tensor=np.sin(np.linspace(0, 100, 800)), win="audio", opts={"sample_frequency": 8000})
    assert "data:audio/wav;base64," in window_json(vis, "audio")["content"]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.plot([1, 2, 3])
    vis.matplot(plt, win="mpl")
    plt.close("all")
    doc = window_json(vis, "mpl")
    assert doc["type"] == "text" and "<svg" in doc["content"] and doc["width"] > 0


def test_images_and_image_history(vis: Any) -> None:
    import torch

    torch.manual_seed(0)
    vis.image(torch.rand(3, 8, 8), win="img", opts={"caption": "c"})
    doc = window_json(vis, "img")
    assert doc["type"] == "image" and doc["content"]["src"].startswith("data:image/png;base64,")
    assert doc["content"]["caption"] == "c" and doc["width"] == 8
    vis.images(torch.rand(5, 1, 4, 4), nrow=2, win="grid")
    assert window_json(vis, "grid")["type"] == "image"
    for _ in range(3):
        vis.image(np.random.rand(3, 4, 4), win="hist", opts={"store_history": True})
    doc = window_json(vis, "hist")
    assert doc["type"] == "image_history" and len(doc["content"]) == 3 and doc["selected"] == 2


def test_properties_graph_and_update_window_opts(vis: Any) -> None:
    props = [
        {"type": "text", "name": "lr", "value": "0.1"},
        {"type": "select", "name": "opt", "value": 1, "values": ["sgd", "adam"]},
    ]
    vis.properties(props, win="props")
    assert window_json(vis, "props")["content"] == props
    vis.graph([(0, 1), (1, 2)], win="g", opts={})
    doc = window_json(vis, "g")
    assert doc["type"] == "network" and len(doc["content"]["edges"]) == 2
    vis.line(Y=np.array([1.0, 2.0]), win="o")
    vis.update_window_opts("o", {"title": "renamed", "xlabel": "step"})
    doc = window_json(vis, "o")
    assert doc["title"] == "renamed"
    assert doc["content"]["layout"]["xaxis"]["title"] == "step"


def test_window_data_envs_save_fork_delete(vis: Any, live_server: RunningServer) -> None:
    vis.text("a", win="w1", env="exp")
    vis.text("b", win="w2", env="exp")
    assert set(json.loads(vis.get_window_data(None, env="exp"))) == {"w1", "w2"}
    doc = window_json(vis, "w1", env="exp")
    doc["content"] = "changed"
    vis.set_window_data(json.dumps(doc), win="w1", env="exp")
    assert window_json(vis, "w1", env="exp")["content"] == "changed"
    assert "exp" in vis.get_env_list()
    assert json.loads(vis.save(["exp", "nope"])) == ["exp"]
    saved = json.loads((live_server.env_path / "exp.json").read_text())
    assert set(saved["jsons"]) == {"w1", "w2"} and "reload" in saved
    assert vis.fork_env("exp", "exp2") == "exp2"
    assert (live_server.env_path / "exp2.json").exists()
    assert window_json(vis, "w2", env="exp2")["content"] == "b"
    vis.close("w1", env="exp")
    assert vis.win_exists("w1", env="exp") is False and vis.win_exists("w2", env="exp")
    vis.close(None, env="exp")
    assert json.loads(vis.get_window_data(None, env="exp")) == {}
    vis.delete_env("exp")
    assert "exp" not in vis.get_env_list() and not (live_server.env_path / "exp.json").exists()
    assert vis.win_hash("w2") is None
    vis.text("x", win="w2")
    assert len(vis.win_hash("w2")) == 32


def test_env_with_slash_is_escaped_like_visdom(vis: Any) -> None:
    vis.text("x", win="w", env="a/b")
    assert "a_b" in vis.get_env_list()
    assert window_json(vis, "w", env="a_b")["content"] == "x"


def _browser_forward(server: RunningServer, event: dict[str, Any]) -> None:
    url = f"ws://127.0.0.1:{server.port}{server.base_url}/socket"
    with ws_client.connect(url) as browser:
        json.loads(browser.recv(timeout=5))  # register
        browser.send(json.dumps({"cmd": "forward_to_vis", "data": event}))
        time.sleep(0.2)


def test_register_event_handler_gets_browser_events(vis: Any, live_server: RunningServer) -> None:
    vis.properties([{"type": "number", "name": "n", "value": "1"}], win="p")
    got: list[dict[str, Any]] = []
    done = threading.Event()

    def handler(event: dict[str, Any]) -> None:
        got.append(event)
        done.set()

    vis.register_event_handler(handler, "p")
    event = {
        "event_type": "PropertyUpdate",
        "target": "p",
        "eid": "main",
        "propertyId": 0,
        "value": "5",
    }
    _browser_forward(live_server, event)
    assert done.wait(5)
    assert got[0]["event_type"] == "PropertyUpdate" and got[0]["value"] == "5"
    assert got[0]["pane_data"]["content"][0]["name"] == "n"  # the server attaches the pane


def test_base_url(server_factory: Any) -> None:
    import visdom

    server = server_factory(base_url="/vis")
    client = visdom.Visdom(
        server="http://127.0.0.1", port=server.port, base_url="/vis", raise_exceptions=True
    )
    try:
        assert client.check_connection()
        client.line(Y=np.array([1.0, 2.0]), win="b")
        assert window_json(client, "b")["content"]["data"][0]["y"] == [1.0, 2.0]
        got = threading.Event()
        client.register_event_handler(lambda e: got.set(), "b")
        _browser_forward(
            server, {"event_type": "KeyPress", "target": "b", "key": "a", "eid": "main"}
        )
        assert got.wait(5)
    finally:
        client.use_socket = False


def test_polling_client(live_server: RunningServer) -> None:
    import visdom

    client = visdom.Visdom(
        server="http://127.0.0.1",
        port=live_server.port,
        use_polling=True,
        use_incoming_socket=False,
        raise_exceptions=True,
    )
    try:
        assert client.check_connection()
        got = threading.Event()
        client.text("t", win="poll")
        client.register_event_handler(lambda e: got.set(), "poll")
        _browser_forward(
            live_server, {"event_type": "KeyPress", "target": "poll", "eid": "main", "key": "x"}
        )
        assert got.wait(5)
    finally:
        client.use_socket = False
        client.socket_thread.join(timeout=5)


def test_embeddings_update_requests(vis: Any) -> None:
    # The client's t-SNE backend is not on PyPI, so drive its wire messages directly.
    points = [{"group": 0, "name": "e0", "label": "a", "position": [0, 0], "idx": 0}]
    vis._send(
        {
            "data": [{"type": "embeddings", "content": {"data": points}}],
            "win": "emb",
            "eid": None,
            "opts": {},
        }
    )
    vis._send(
        {
            "win": "emb",
            "eid": None,
            "data": {"update_type": "RegionSelected", "points": points[:0]},
        },
        endpoint="update",
    )
    doc = window_json(vis, "emb")
    assert doc["type"] == "embeddings" and doc["content"]["has_previous"] is True
    assert doc["old_content"] == [points]


@pytest.mark.parametrize("update", ["append", "replace"])
def test_offline_log_replays_into_server(vis: Any, tmp_path: Any, update: str) -> None:
    import visdom

    log = tmp_path / "log.jsonl"
    offline = visdom.Visdom(offline=True, log_to_filename=str(log))
    offline.line(Y=np.array([1.0, 2.0]), X=np.array([0, 1]), win="off")
    offline.line(Y=np.array([3.0]), X=np.array([2]), win="off", update=update)
    vis.replay_log(str(log))
    expected = [1.0, 2.0, 3.0] if update == "append" else [3.0]
    assert window_json(vis, "off")["content"]["data"][0]["y"] == expected
