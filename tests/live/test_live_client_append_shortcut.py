"""``torchscope.Visdom.line(..., update='append')``'s shortcut sends exactly the general request."""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import pytest
import torch
from live_helpers import RunningServer, window_json

import torchscope
from torchscope.client.visdom_transport import encode


def general_request(vis: Any, Y: Any, X: Any, **kwargs: Any) -> bytes:
    msg, endpoint = vis._line_request(
        Y, X, kwargs["win"], kwargs.get("env"), None, "append", kwargs.get("name")
    )
    sent_msg, sent_endpoint = vis._send(msg, endpoint)  # send=False: fills eid, sends nothing
    assert sent_endpoint == "update"
    return encode(sent_msg)


CALLS = [
    ({"Y": [0.5], "X": [3]}, {"win": "loss"}),
    ({"Y": np.array([0.25, np.nan]), "X": np.array([1.5, 2.5])}, {"win": "loss", "env": "e"}),
    ({"Y": np.float32([0.1]), "X": np.int64([7])}, {"win": "acc", "name": "train"}),
    ({"Y": torch.tensor([1.0, 2.0]), "X": torch.tensor([4, 5])}, {"win": "acc", "name": "val"}),
    ({"Y": np.array([True]), "X": np.array([9])}, {"win": "flag"}),
]


@pytest.mark.parametrize(("points", "where"), CALLS)
def test_shortcut_request_is_the_general_request(
    points: dict[str, Any], where: dict[str, Any]
) -> None:
    vis = torchscope.Visdom(send=False)
    for _ in range(3):  # the first call builds the window's template, later ones reuse it
        msg, endpoint = vis.line(**points, **where, update="append")
        assert endpoint == "update"
        assert encode(msg) == general_request(vis, points["Y"], points["X"], **where)
    assert (where["win"], where.get("env"), where.get("name")) in vis._line_templates


@pytest.mark.parametrize(
    "call",
    [
        {"Y": [[1.0, 2.0]], "X": [[0, 0]]},  # two lines
        {"Y": [1.0], "X": [0], "opts": {"title": "t"}},  # options
        {"Y": list(range(100)), "X": list(range(100))},  # many points
        {"Y": ["a"], "X": [0]},  # not numbers: the general path explains
    ],
)
def test_other_appends_take_the_general_path(call: dict[str, Any]) -> None:
    vis = torchscope.Visdom(send=False)
    with contextlib.suppress(TypeError, ValueError):  # what the general path says of bad input
        vis.line(**call, win="w", update="append")
    assert vis._line_templates == {}


def test_appends_through_the_shortcut_reach_the_server(live_server: RunningServer) -> None:
    vis = torchscope.Visdom(
        server="http://127.0.0.1",
        port=live_server.port,
        use_incoming_socket=False,
        raise_exceptions=True,
    )
    for step in range(5):
        answer = vis.line(Y=[step / 2], X=[step], win="loss", name="first", update="append")
        assert answer == "loss"
        vis.line(Y=[step], X=[step], win="loss", name="second", update="append")
    traces = window_json(vis, "loss")["content"]["data"]
    assert [t["name"] for t in traces] == ["first", "second"]
    assert traces[0]["y"] == [0.0, 0.5, 1.0, 1.5, 2.0] and traces[0]["x"] == [0, 1, 2, 3, 4]
    assert traces[1]["y"] == [0, 1, 2, 3, 4]
    vis.close("loss")
    # The window is gone: the next append creates it again, from the same one request.
    assert vis.line(Y=[7.0], X=[0], win="loss", update="append") == "loss"
    assert window_json(vis, "loss")["content"]["data"][0]["y"] == [7.0]
    vis.close_connection()
