"""``torchscope.Visdom`` against a torchscope server: same results as Visdom's client."""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
import websockets.sync.client as ws_client
from live_helpers import RunningServer, window_json

import torchscope


@pytest.fixture
def tvis(live_server: RunningServer) -> Any:
    client = torchscope.Visdom(
        server="http://127.0.0.1", port=live_server.port, raise_exceptions=True
    )
    yield client
    client.close_connection()


def _count_requests(client: Any) -> list[str]:
    sent: list[str] = []
    post = client._transport.post

    def counting(endpoint: str, body: bytes) -> str:
        sent.append(endpoint)
        return str(post(endpoint, body))

    client._transport.post = counting
    return sent


def test_line_append_is_one_request_and_creates_missing_windows(tvis: Any) -> None:
    sent = _count_requests(tvis)
    for step in range(5):
        answer = tvis.line(
            Y=[step * 0.5], X=[step], win="loss", update="append", opts={"title": "loss"}
        )
        assert answer == "loss"
    assert sent == ["update"] * 5
    doc = window_json(tvis, "loss")
    assert doc["title"] == "loss" and doc["content"]["layout"]["title"] == "loss"
    assert doc["content"]["data"][0]["y"] == [0.0, 0.5, 1.0, 1.5, 2.0]


def test_same_documents_as_visdoms_client(tvis: Any, vis: Any) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(1)
    grid = rng.random((3, 4))
    calls: list[tuple[str, dict[str, Any]]] = [
        (
            "line",
            {
                "Y": np.array([[1.0, 2.0], [3.0, 4.0]]),
                "X": np.array([0.0, 1.0]),
                "opts": {"legend": ["a", "b"], "title": "t", "xlabel": "step"},
            },
        ),
        (
            "scatter",
            {
                "X": rng.random((6, 2)),
                "Y": np.array([1, 2, 1, 2, 1, 2]),
                "opts": {"markercolor": np.array([[255, 0, 0], [0, 0, 255]])},
            },
        ),
        ("scatter", {"X": rng.random((4, 3))}),
        ("heatmap", {"X": grid, "opts": {"columnnames": list("abcd")}}),
        (
            "bar",
            {
                "X": np.array([[1.0, 2.0], [3.0, 4.0]]),
                "opts": {"stacked": True, "legend": ["x", "y"]},
            },
        ),
        ("histogram", {"X": rng.random(40), "opts": {"numbins": 4}}),
        ("boxplot", {"X": rng.random((5, 2))}),
        ("surf", {"X": grid}),
        ("contour", {"X": grid}),
        ("quiver", {"X": grid, "Y": grid}),
        ("stem", {"X": rng.random(5)}),
        ("pie", {"X": np.array([1.0, 3.0])}),
        ("mesh", {"X": rng.random((4, 3)), "Y": np.array([[0, 1, 2], [1, 2, 3]])}),
        ("sunburst", {"labels": np.array(["r", "c"]), "parents": np.array(["", "r"])}),
        ("dual_axis_lines", {"X": np.arange(3.0), "Y1": np.ones(3), "Y2": np.zeros(3)}),
        ("text", {"text": "<i>hi</i>"}),
        ("svg", {"svgstr": '<svg width="4" height="4"><rect width="2" height="2"/></svg>'}),
        ("image", {"img": np.full((3, 4, 5), 0.5), "opts": {"caption": "c"}}),
        ("images", {"tensor": np.ones((3, 1, 4, 4)), "nrow": 2}),
        ("properties", {"data": [{"type": "number", "name": "n", "value": "1"}]}),
        ("graph", {"edges": [(0, 1), (1, 2), (1, 0)], "opts": {}}),
        ("audio", {"tensor": np.sin(np.arange(400.0)), "opts": {"sample_frequency": 8000}}),
        ("matplot", {"plot": plt}),
    ]
    plt.plot([1, 2])
    ignore = {"contentID", "version"}
    for n, (method, kwargs) in enumerate(calls):
        # Visdom's client writes into the opts it is given: each client gets its own copy.
        ours = getattr(tvis, method)(win=f"w{n}", env="ours", **_copied(kwargs))
        theirs = getattr(vis, method)(win=f"w{n}", env="theirs", **_copied(kwargs))
        assert ours == theirs == f"w{n}", method
        a, b = window_json(tvis, ours, env="ours"), window_json(vis, theirs, env="theirs")
        a = {k: v for k, v in a.items() if k not in ignore}
        b = {k: v for k, v in b.items() if k not in ignore}
        if method in ("audio", "matplot"):  # encoders differ byte-wise; the pane does not
            assert a["type"] == b["type"] == "text" and a["width"] == b["width"], method
            continue
        # Visdom's default y2 title colour has a typo ("rgb(148, 103, 0189)"); ours does not.
        b = json.loads(json.dumps(b).replace("0189)", "189)"))
        assert a == b, method
    plt.close("all")


def _copied(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v if k == "plot" else copy.deepcopy(v) for k, v in kwargs.items()}


def test_tensors_on_any_dtype_and_grad(tvis: Any) -> None:
    y = torch.tensor([1.0, 2.0], requires_grad=True) * 2
    tvis.line(Y=y, X=torch.arange(2), win="t")
    tvis.line(
        Y=torch.tensor([5.0], dtype=torch.bfloat16), X=torch.tensor([2]), win="t", update="append"
    )
    assert window_json(tvis, "t")["content"]["data"][0]["y"] == [2.0, 4.0, 5.0]
    tvis.image(torch.rand(3, 4, 4, dtype=torch.float16), win="img")
    assert window_json(tvis, "img")["width"] == 4


def test_every_update_mode(tvis: Any) -> None:
    tvis.line(Y=np.array([[1.0, 10.0]]), X=np.array([0.0]), win="u", opts={"legend": ["a", "b"]})
    tvis.line(Y=[2.0], X=[1.0], win="u", name="a", update="append")
    tvis.line(Y=[7.0], X=[0.0], win="u", name="c", update="insert")
    tvis.line(Y=[9.0], X=[5.0], win="u", name="b", update="replace")
    tvis.line(Y=None, win="u", name="c", update="remove")
    traces = {t["name"]: t for t in window_json(tvis, "u")["content"]["data"]}
    assert set(traces) == {"a", "b"}
    assert traces["a"]["y"] == [1.0, 2.0] and traces["b"]["x"] == [5.0]
    tvis.heatmap(np.ones((2, 2)), win="h")
    tvis.heatmap(np.zeros((1, 2)), win="h", update="appendRow")
    tvis.heatmap(np.zeros((3, 1)), win="h", update="prependColumn")
    assert window_json(tvis, "h")["content"]["data"][0]["z"] == [[0, 1, 1], [0, 1, 1], [0, 0, 0]]
    tvis.text("a", win="txt")
    tvis.text("b", win="txt", append=True)
    assert window_json(tvis, "txt")["content"] == "a<br>b"
    for _ in range(2):
        tvis.image(np.zeros((3, 2, 2)), win="hist", opts={"store_history": True})
    assert len(window_json(tvis, "hist")["content"]) == 2
    tvis.update_window_opts("u", {"title": "new"})
    assert window_json(tvis, "u")["title"] == "new"


def test_asynchronous_mode_queues_and_flush_waits(live_server: RunningServer) -> None:
    client = torchscope.Visdom(
        server="http://127.0.0.1",
        port=live_server.port,
        asynchronous=True,
        queue_size=8,
        raise_exceptions=True,
    )
    try:
        for step in range(50):
            assert client.line(Y=[float(step)], X=[step], win="a", update="append") == "a"
        client.flush(timeout=30)
        assert window_json(client, "a")["content"]["data"][0]["x"] == list(range(50))
    finally:
        client.close_connection()


def test_asynchronous_failure_surfaces_in_flush(tmp_path: Path) -> None:
    from live_helpers import free_port

    client = torchscope.Visdom(
        server="http://127.0.0.1", port=free_port(), asynchronous=True, use_incoming_socket=False
    )
    client.text("lost", win="w")
    with pytest.raises(ConnectionError):
        client.flush(timeout=30)
    client.close_connection()


def test_state_methods(tvis: Any, live_server: RunningServer) -> None:
    assert tvis.check_connection()
    tvis.text("a", win="w", env="e1")
    assert tvis.win_exists("w", env="e1") and tvis.win_exists("nope") is False
    assert "e1" in tvis.get_env_list()
    assert json.loads(tvis.save(["e1"])) == ["e1"] and (live_server.env_path / "e1.json").exists()
    assert tvis.fork_env("e1", "e2") == "e2"
    doc = json.loads(tvis.get_window_data("w", env="e2"))
    doc["content"] = "z"
    tvis.set_window_data(json.dumps(doc), win="w", env="e2")
    assert window_json(tvis, "w", env="e2")["content"] == "z"
    assert len(tvis.win_hash("w", env="e2") or "") == 32
    tvis.close("w", env="e2")
    assert tvis.win_exists("w", env="e2") is False
    tvis.delete_env("e2")
    assert "e2" not in tvis.get_env_list()


def test_event_handlers(tvis: Any, live_server: RunningServer) -> None:
    tvis.properties([{"type": "text", "name": "lr", "value": "0.1"}], win="p")
    got = threading.Event()
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any]) -> None:
        events.append(event)
        got.set()

    tvis.register_event_handler(handler, "p")
    with ws_client.connect(f"ws://127.0.0.1:{live_server.port}/socket") as page:
        page.recv(timeout=5)
        page.send(
            json.dumps(
                {
                    "cmd": "forward_to_vis",
                    "data": {
                        "event_type": "PropertyUpdate",
                        "target": "p",
                        "eid": "main",
                        "propertyId": 0,
                        "value": "0.2",
                    },
                }
            )
        )
        assert got.wait(5)
    assert events[0]["value"] == "0.2" and events[0]["pane_data"]["type"] == "properties"


def test_base_url_and_polling(server_factory: Any) -> None:
    server: RunningServer = server_factory(base_url="/vis")
    client = torchscope.Visdom(
        server="http://127.0.0.1",
        port=server.port,
        base_url="/vis",
        use_polling=True,
        raise_exceptions=True,
    )
    try:
        assert client.check_connection()
        client.text("x", win="b")
        assert window_json(client, "b")["content"] == "x"
        got = threading.Event()
        client.register_event_handler(lambda event: got.set(), "b")
        with ws_client.connect(f"ws://127.0.0.1:{server.port}/vis/socket") as page:
            page.recv(timeout=5)
            event = {"event_type": "KeyPress", "target": "b", "eid": "main", "key": "k"}
            page.send(json.dumps({"cmd": "forward_to_vis", "data": event}))
            assert got.wait(5)
    finally:
        client.close_connection()


def test_offline_log_and_replay(tvis: Any, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    offline = torchscope.Visdom(offline=True, log_to_filename=str(log))
    offline.line(Y=[1.0, 2.0], X=[0, 1], win="off")
    offline.line(Y=[3.0], X=[2], win="off", update="append")
    assert offline.get_env_list() == ["main"]
    assert len(log.read_text().splitlines()) == 2
    tvis.replay_log(str(log))
    assert window_json(tvis, "off")["content"]["data"][0]["y"] == [1.0, 2.0, 3.0]


def test_replay_of_visdoms_own_log(tvis: Any, tmp_path: Path) -> None:
    import visdom

    log = tmp_path / "visdom.log"
    theirs = visdom.Visdom(offline=True, log_to_filename=str(log))
    theirs.text("from visdom", win="v")
    tvis.replay_log(str(log))
    assert window_json(tvis, "v")["content"] == "from visdom"


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda v: v.line(Y=np.ones((2, 2, 2))), "Y"),
        (lambda v: v.line(Y=np.ones(3), X=np.ones(2)), "X"),
        (lambda v: v.scatter(X=np.ones((3, 4))), "X"),
        (lambda v: v.scatter(X=np.ones((2, 2)), Y=np.array([0, 1])), "Y"),
        (lambda v: v.heatmap(np.ones(3)), "X"),
        (lambda v: v.heatmap(np.ones((2, 2)), update="sideways"), "update"),
        (lambda v: v.pie(np.array([-1.0, 2.0])), "X"),
        (lambda v: v.text(5), "text"),
        (lambda v: v.line(Y=np.ones(2), opts={"markersize": -1}), "markersize"),
        (lambda v: v.line(Y=np.ones(2), opts="big"), "opts"),
        (lambda v: v.graph([(0, 2)]), "edges"),
        (lambda v: v.images(np.ones((2, 3, 4, 4)), nrow=0), "nrow"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(tvis: Any, call: Any, argument: str) -> None:
    with pytest.raises((ValueError, TypeError), match=argument):
        call(tvis)


def test_importing_torchscope_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = "import sys, torchscope; torchscope.Visdom; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == "False", result.stderr


def test_embeddings_plotly_dicts_and_video_files(tvis: Any, tmp_path: Path) -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    features, labels = digits.data[:40], [int(v) for v in digits.target[:40]]
    assert tvis.embeddings(features, labels, win="emb") == "emb"
    doc = window_json(tvis, "emb")
    assert doc["type"] == "embeddings" and len(doc["content"]["data"]) == 40
    assert doc["content"]["data"][0]["label"] == labels[0]
    figure = {
        "data": [{"type": "scatter", "x": [1, 2], "y": [3, 4]}],
        "layout": {"title": {"text": "fig"}},
    }
    assert tvis.plotlyplot(figure, win="fig") == "fig"
    assert window_json(tvis, "fig")["title"] == "fig"
    clip = tmp_path / "clip.webm"
    clip.write_bytes(b"\x1a\x45\xdf\xa3 not really a video")
    tvis.video(videofile=str(clip), win="vid", opts={"autoplay": True})
    html = window_json(tvis, "vid")["content"]
    assert "<video controls autoplay>" in html and "data:video/webm;base64," in html
    with pytest.raises(ValueError, match="videofile"):
        tvis.video(videofile=str(tmp_path / "clip.xyz"))
