"""The store's fast path for small appends gives exactly what the general ``/update`` path gives:
the same window, the same patch for browsers, the same errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from torchscope.live import RequestError, jsonio, updates
from torchscope.live.model import Window

LINE = {
    "data": [
        {"x": [0, 1], "y": [1.0, 2.0], "name": "a", "type": "scatter", "mode": "lines"},
        {"x": [0, 1], "y": [3.0, 4.0], "name": "b", "type": "scatter", "mode": "lines"},
    ],
    "layout": {"title": "loss"},
    "opts": {"title": "loss", "markersize": 10},
}


def window() -> Window:
    return Window.from_request("w", copy.deepcopy(LINE))


def both_paths(monkeypatch: pytest.MonkeyPatch, msg: dict[str, Any]) -> tuple[Any, Any, bool]:
    """(fast result, general result, whether the fast path took it); a result is the window's
    JSON and the patch, or the RequestError's message."""
    fast_window, general_window = window(), window()
    taken = updates._append_few_points(window(), copy.deepcopy(msg)) is not None

    def run(target: Window) -> Any:
        try:
            change = updates.apply_update(target, copy.deepcopy(msg))
        except RequestError as exc:
            return str(exc)
        doc = jsonio.loads(jsonio.dumps(target.to_json()))  # columns as plain lists
        doc.pop("contentID")
        patch = [op for op in change.patch or [] if op["path"] != "/contentID"]
        return doc, patch

    fast = run(fast_window)
    with monkeypatch.context() as patched:
        patched.setattr(updates, "_append_few_points", lambda *_: None)
        general = run(general_window)
    return fast, general, taken


APPENDS = [
    ({"data": [{"x": [2], "y": [5.0]}, {"x": [2], "y": [6.0]}]}, True),
    ({"data": [{"x": [2, 3], "y": [5.0, None]}], "name": "b"}, True),
    ({"data": [{"x": [2], "y": [5.0]}], "name": "a", "opts": {"title": "loss"}}, True),
    ({"data": [{"x": [2], "y": [5.0]}], "name": "a", "layout": {"title": "loss"}}, True),
    (
        {"data": [{"x": [2.5], "y": [float("nan")]}], "name": "a", "opts": {"markersize": None}},
        True,
    ),
    # Not for the fast path: each must still come out as the general path makes it.
    ({"data": [{"x": [2], "y": [5.0]}], "name": "a", "opts": {"title": "new"}}, False),
    ({"data": [{"x": [2], "y": [5.0]}], "name": "a", "layout": {"xaxis": {"type": "log"}}}, False),
    ({"data": [{"x": [None], "y": [5.0]}], "name": "a"}, False),  # a masking append
    ({"data": [{"x": [2], "y": [5.0]}], "name": "new"}, False),  # creates a trace
    ({"data": [{"x": [2], "y": [5.0]}]}, False),  # fewer traces than targets: an error
    ({"data": [{"x": [2], "y": [5.0, 6.0]}], "name": "a"}, False),  # bad lengths: an error
    ({"data": [{"x": [2], "y": [5.0], "z": [1.0]}], "name": "a"}, False),
    ({"data": [{"x": [2], "y": [5.0], "marker": {"color": ["red"]}}], "name": "a"}, False),
    ({"data": [{"x": list(range(100)), "y": list(range(100))}], "name": "a"}, False),
    ({"data": [{"x": [2], "y": [5.0]}], "name": "a", "opts": {"legend": ["p", "q"]}}, False),
    ({"data": [{"x": [2], "y": [5.0]}], "name": "a", "opts": "oops"}, False),
]


@pytest.mark.parametrize(("extra", "fast"), APPENDS)
def test_fast_path_matches_the_general_path(
    monkeypatch: pytest.MonkeyPatch, extra: dict[str, Any], fast: bool
) -> None:
    msg = {"win": "w", "append": True, **extra}
    fast_result, general_result, taken = both_paths(monkeypatch, msg)
    assert taken is fast
    assert fast_result == general_result


def test_replace_and_delete_never_take_the_fast_path() -> None:
    for msg in (
        {"data": [{"x": [2], "y": [5.0]}], "name": "a"},  # append missing: a replace
        {"data": [], "name": "a", "delete": True, "append": True},
    ):
        assert updates._append_few_points(window(), msg) is None
