"""``torchscope.Visdom.embeddings`` answers the page's hover and lasso events like Visdom's client:
a preview from ``data_getter`` for a hovered point, a new t-SNE layout for a lasso selection."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import websockets.sync.client as ws_client
from live_helpers import RunningServer, window_json

import torchscope
from torchscope.client.visdom_embedding_events import NO_PREVIEW, embeddings_event_handler

COUNT = 24


@pytest.fixture
def tvis(live_server: RunningServer) -> Any:
    client = torchscope.Visdom(
        server="http://127.0.0.1", port=live_server.port, raise_exceptions=True
    )
    assert client.socket_alive
    yield client
    client.close_connection()


def features_and_labels() -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(1)
    labels = ["odd" if i % 2 else "even" for i in range(COUNT)]
    centers = {"odd": 5.0, "even": -5.0}
    features = np.stack([rng.normal(loc=centers[label], size=4) for label in labels])
    return features, labels


def browser_event(port: int, event: dict[str, Any]) -> None:
    """What the Live view sends when the user hovers or lassoes points of the pane."""
    with ws_client.connect(f"ws://127.0.0.1:{port}/socket") as page:
        page.recv(timeout=5)
        page.send(json.dumps({"cmd": "forward_to_vis", "data": event}))


def wait_for(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the client never answered the pane's event")
        time.sleep(0.05)


def test_hover_shows_the_data_getters_preview(tvis: Any, live_server: RunningServer) -> None:
    features, labels = features_and_labels()
    asked: list[int] = []

    def preview(index: int) -> str:
        asked.append(index)
        return f"<b>item {index}</b>"

    win = tvis.embeddings(features, labels, data_getter=preview, data_type="html", win="emb")
    event = {
        "event_type": "EntitySelected",
        "target": win,
        "eid": "main",
        "entityId": "Entity 7",
        "idx": 7,
    }
    browser_event(live_server.port, event)

    def selected() -> Any:
        return window_json(tvis, win)["content"].get("selected")

    wait_for(lambda: selected() is not None)
    assert selected() == {"html": "<b>item 7</b>", "entityId": "Entity 7"}
    assert asked == [7]


def test_lasso_lays_out_the_selection_again_and_back_restores(
    tvis: Any, live_server: RunningServer
) -> None:
    features, labels = features_and_labels()
    win = tvis.embeddings(features, labels, win="lasso")
    before = window_json(tvis, win)["content"]["data"]
    chosen = [1, 3, 4, 9, 10, 15, 20, 22]
    event = {"event_type": "RegionSelected", "target": win, "eid": "main", "selectedIdxs": chosen}
    browser_event(live_server.port, event)
    wait_for(lambda: len(window_json(tvis, win)["content"]["data"]) == len(chosen))
    content = window_json(tvis, win)["content"]
    assert [point["idx"] for point in content["data"]] == chosen
    assert [point["label"] for point in content["data"]] == [labels[i] for i in chosen]
    assert content["has_previous"] is True
    # The new layout keeps the two classes apart, as the first did.
    odd = np.array([p["position"] for p in content["data"] if p["label"] == "odd"])
    even = np.array([p["position"] for p in content["data"] if p["label"] == "even"])
    gap = np.linalg.norm(odd.mean(axis=0) - even.mean(axis=0))
    assert gap > max(odd.std(axis=0).max(), even.std(axis=0).max())
    # The page's "back" button: the server restores the whole first layout.
    with ws_client.connect(f"ws://127.0.0.1:{live_server.port}/socket") as page:
        page.recv(timeout=5)
        data = {"eid": "main", "target": win}
        page.send(json.dumps({"cmd": "pop_embeddings_pane", "data": data}))
    wait_for(lambda: len(window_json(tvis, win)["content"]["data"]) == COUNT)
    assert window_json(tvis, win)["content"]["data"] == before


def test_handler_without_preview_and_with_bad_indices() -> None:
    features, labels = features_and_labels()
    sent: list[dict[str, Any]] = []
    handle = embeddings_event_handler(sent.append, features, labels, None, None)
    handle({"event_type": "EntitySelected", "idx": 2, "entityId": "Entity 2"})
    assert sent == [
        {"update_type": "EntitySelected", "selected": {"html": NO_PREVIEW, "entityId": "Entity 2"}}
    ]
    for bad in ({"idx": COUNT}, {"idx": -1}, {"idx": "x"}, {"idx": None}, {}):
        handle({"event_type": "EntitySelected", **bad})
    handle({"event_type": "RegionSelected", "selectedIdxs": "all"})
    handle({"event_type": "RegionSelected", "selectedIdxs": [COUNT + 5]})
    handle({"event_type": "KeyPress", "key": "a"})
    assert len(sent) == 1  # nothing else was answered
    handle({"event_type": "RegionSelected", "selectedIdxs": [5, 6]})  # too few for t-SNE
    assert [p["idx"] for p in sent[-1]["points"]] == [5, 6]
