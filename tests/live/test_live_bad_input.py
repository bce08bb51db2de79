"""Bad input to every live endpoint: never a 500, and a refused request changes nothing.

A property-based fuzz (hypothesis) POSTs malformed JSON, wrong types, NaN/Inf, huge strings
and hostile names to each of Visdom's HTTP routes; a read-only server is driven through every
write route and every browser command, over HTTP, WebSocket and the polling wrappers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from torchscope.live import jsonio
from torchscope.plugins.live import LivePlugin
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig

LINE = {
    "eid": "main",
    "win": "loss",
    "data": [{"x": [1, 2], "y": [0.5, 0.25], "type": "scatter", "mode": "lines", "name": "a"}],
    "layout": {"title": "loss"},
    "opts": {"title": "loss"},
}
TEXT = {"eid": "notes", "win": "txt", "data": [{"content": "hello", "type": "text"}]}

#: A valid body for each route; the fuzz breaks one field at a time, or the whole body.
TEMPLATES: dict[str, dict[str, Any]] = {
    "/events": LINE,
    "/update": {
        "eid": "main", "win": "loss", "append": True, "name": "a",
        "data": [{"x": [3], "y": [0.125]}],
    },
    "/close": {"eid": "main", "win": "loss"},
    "/win_data": {"eid": "main", "win": "loss", "data": {"type": "text", "content": "x"}},
    "/win_exists": {"eid": "main", "win": "loss"},
    "/win_hash": {"eid": "main", "win": "loss"},
    "/env/main": {"eid": "main"},
    "/compare/main+notes": {"sid": "nope"},
    "/delete_env": {"eid": "notes"},
    "/save": {"data": ["main"]},
    "/fork_env": {"prev_eid": "main", "eid": "copy"},
    "/env_state": {},
    "/socket_wrap": {"sid": "nope", "message_type": "send", "message": "{}"},
    "/vis_socket_wrap": {"sid": "nope", "message_type": "query"},
}  # fmt: skip

HOSTILE_NAMES = [
    "../escape", "..", "../../etc/passwd", "a/b", "a\\b", "/abs", "C:\\x", "nul\x00byte",
    "line\nbreak", "\x1b[31m", "%2e%2e%2f", "." * 20, "é" * 10, "",
]  # fmt: skip
NASTY_VALUES: list[Any] = [
    None, True, 0, -1, 2**70, 1e308, math.nan, math.inf, -math.inf, "", "x" * 200_000,
    [], {}, [[[[[]]]]], {"a": {"b": {"c": []}}}, [None], ["x"] * 1000, *HOSTILE_NAMES,
]  # fmt: skip

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50), st.sampled_from(HOSTILE_NAMES),
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _encode(value: Any) -> bytes:
    # Python's json writes NaN/Infinity tokens, as Visdom's client does.
    return json.dumps(value, allow_nan=True).encode()


#: Env ids become file names; names whose encoding passes the file system's 255-byte limit
#: are exercised by ``test_overlong_env_names_are_4xx`` below, so the fuzz keeps them short.
ENV_FIELDS = ("eid", "prev_eid")
MAX_FUZZED_ENV_NAME = 20


@st.composite
def broken_template(draw: st.DrawFn, route: str) -> bytes:
    """The route's valid body with one field (or one trace field) replaced by a bad value."""
    body = json.loads(json.dumps(TEMPLATES[route]))
    keys = list(body) or ["eid"]
    key = draw(st.sampled_from([*keys, "eid", "win", "data", "opts", "layout"]))
    value = draw(st.sampled_from(NASTY_VALUES) | json_values)
    if key in ENV_FIELDS and isinstance(value, str):
        value = value[:MAX_FUZZED_ENV_NAME]
    traces = body.get("data")
    if (
        key == "data"
        and isinstance(traces, list)
        and isinstance(traces[0], dict)
        and draw(st.booleans())
    ):
        trace = traces[0]
        trace[draw(st.sampled_from([*trace, "x", "y", "type", "content"]))] = value
    else:
        body[key] = value
    return _encode(body)


malformed_bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"{", b"[", b'{"eid": }', b"\xff\xfe", b"NaN", b'"str"', b"[1, 2]", b"null"]),
    json_values.filter(lambda v: not isinstance(v, dict)).map(_encode),
)


def _snapshot(plugin: LivePlugin) -> str:
    """Everything a client can see of the store, plus the names of the files it keeps."""
    store = plugin.store
    envs = {
        eid: {win: window.to_json() for win, window in env.windows.items()}
        for eid, env in store.envs.items()
    }
    files = sorted(
        str(p.relative_to(plugin.config.env_path)) for p in plugin.config.env_path.rglob("*")
    )
    return jsonio.dumps({"envs": envs, "layouts": store.layouts, "files": files}).decode()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, LivePlugin]]:
    env_path = tmp_path_factory.mktemp("bad_input") / "envs"
    config = ServerConfig(env_path=env_path)
    plugin = LivePlugin(config)
    with TestClient(create_app(config, plugins=[plugin]), raise_server_exceptions=False) as client:
        yield client, plugin


def _reset(client: TestClient, plugin: LivePlugin) -> None:
    for eid in list(plugin.store.envs):
        if eid not in ("main", "notes"):
            plugin.store.execute("delete_env", {"eid": eid})
    for body in (LINE, TEXT):
        assert client.post("/events", content=_encode(body)).status_code == 200


def _assert_safe_answer(client: TestClient, plugin: LivePlugin, route: str, body: bytes) -> int:
    before = _snapshot(plugin)
    answer = client.post(route, content=body)
    assert answer.status_code < 500, (route, body[:200], answer.text[:200])
    if answer.status_code >= 400:
        assert answer.text.strip(), f"{route} refused {body[:100]!r} without a reason"
        assert _snapshot(plugin) == before, f"{route} refused {body[:100]!r} but changed data"
    root = plugin.config.env_path.resolve()
    outside = [p for p in root.parent.rglob("*") if not p.resolve().is_relative_to(root)]
    assert outside == [], f"{route} wrote outside the env folder: {outside}"
    return answer.status_code


FUZZ = settings(
    max_examples=60, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


@pytest.mark.parametrize("route", sorted(TEMPLATES))
@FUZZ
@given(data=st.data())
def test_broken_fields_never_500_nor_half_apply(
    served: tuple[TestClient, LivePlugin], route: str, data: st.DataObject
) -> None:
    client, plugin = served
    _reset(client, plugin)
    _assert_safe_answer(client, plugin, route, data.draw(broken_template(route)))


@pytest.mark.parametrize("route", sorted(set(TEMPLATES) - {"/socket_wrap", "/vis_socket_wrap"}))
@FUZZ
@given(body=malformed_bodies)
def test_malformed_bodies_are_4xx_and_change_nothing(
    served: tuple[TestClient, LivePlugin], route: str, body: bytes
) -> None:
    client, plugin = served
    _reset(client, plugin)
    if body.strip() in (b"", b"null"):
        return  # an empty body means {} to Visdom's routes; covered by the template fuzz
    status = _assert_safe_answer(client, plugin, route, body)
    assert 400 <= status < 500, f"{route} accepted {body[:80]!r}"


@pytest.mark.parametrize("route", ["/socket_wrap", "/vis_socket_wrap"])
@FUZZ
@given(body=malformed_bodies)
def test_polling_wrappers_survive_malformed_bodies(
    served: tuple[TestClient, LivePlugin], route: str, body: bytes
) -> None:
    client, plugin = served
    _reset(client, plugin)
    before = _snapshot(plugin)
    assert client.post(route, content=body).status_code < 500
    assert _snapshot(plugin) == before


@pytest.mark.parametrize(
    ("route", "field"),
    [("/events", "eid"), ("/events", "win"), ("/fork_env", "eid"), ("/env/main", "eid")],
)
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_never_reach_the_file_system_raw(
    served: tuple[TestClient, LivePlugin], route: str, field: str, name: str
) -> None:
    client, plugin = served
    _reset(client, plugin)
    body = dict(TEMPLATES[route], **{field: name})
    _assert_safe_answer(client, plugin, route, _encode(body))
    for path in plugin.config.env_path.glob("*.json"):
        assert all(ch.isalnum() or ch in "_-.%" for ch in path.name), path.name


def test_deeply_nested_json_is_400_not_500(served: tuple[TestClient, LivePlugin]) -> None:
    client, plugin = served
    _reset(client, plugin)
    body = b"[" * 100_000 + b"]" * 100_000
    assert _assert_safe_answer(client, plugin, "/events", body) == 400


def test_lone_surrogate_strings_are_refused_before_they_are_stored(
    served: tuple[TestClient, LivePlugin],
) -> None:
    # Python's json accepts "\ud800"; stored, no UTF-8 output could hold it again.
    client, plugin = served
    _reset(client, plugin)
    body = b'{"eid": "main", "win": "t", "data": [{"content": "\\ud800", "type": "text"}]}'
    assert _assert_safe_answer(client, plugin, "/events", body) == 400
    assert client.post("/env/main", json={"eid": "main"}).status_code == 200


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/save", {"data": ["." * 300]}),
        ("/fork_env", {"prev_eid": "main", "eid": "é" * 200}),
        ("/delete_env", {"eid": "x" * 300}),
    ],
)
def test_overlong_env_names_are_4xx(
    served: tuple[TestClient, LivePlugin], route: str, body: dict[str, Any]
) -> None:
    client, plugin = served
    _reset(client, plugin)
    client.post("/env/main", content=_encode({"eid": body.get("eid", "." * 300)}))
    _assert_safe_answer(client, plugin, route, _encode(body))


@pytest.mark.parametrize("name", ["../escape", "nul\x00byte", "line\nbreak"])
def test_names_with_separators_or_control_characters_are_refused(
    served: tuple[TestClient, LivePlugin], name: str
) -> None:
    client, plugin = served
    _reset(client, plugin)
    status = _assert_safe_answer(
        client, plugin, "/fork_env", _encode({"prev_eid": "main", "eid": name})
    )
    assert 400 <= status < 500


# --- read-only: every write refused, over HTTP, WebSocket and polling ----------------------

WRITES: list[tuple[str, dict[str, Any]]] = [
    ("/events", dict(LINE, win="new")),
    ("/update", TEMPLATES["/update"]),
    ("/close", TEMPLATES["/close"]),
    ("/win_data", TEMPLATES["/win_data"]),
    ("/env/fresh", {}),
    ("/delete_env", {"eid": "main"}),
    ("/save", {"data": ["main"]}),
    ("/fork_env", {"prev_eid": "main", "eid": "copy"}),
]
BROWSER_COMMANDS: list[dict[str, Any]] = [
    {"cmd": "close", "eid": "main", "data": "loss"},
    {"cmd": "save", "prev_eid": "main", "eid": "copy", "data": {}},
    {"cmd": "delete_env", "eid": "main"},
    {"cmd": "save_layouts", "data": json.dumps({"main": {"loss": [0, 1]}})},
    {"cmd": "layout_item_update", "eid": "main", "win": "loss", "data": {"i": "loss", "w": 3}},
    {"cmd": "pop_embeddings_pane", "data": {"eid": "main", "target": "loss"}},
    {"cmd": "forward_to_vis", "data": {"target": "loss", "eid": "main", "event_type": "Close"}},
]


@pytest.fixture
def readonly_served(tmp_path: Path) -> Iterator[tuple[TestClient, LivePlugin]]:
    env_path = tmp_path / "envs"
    writer = LivePlugin(ServerConfig(env_path=env_path))
    for body in (LINE, TEXT):
        writer.store.execute("events", body)
    writer.store.close()
    config = ServerConfig(env_path=env_path, readonly=True)
    plugin = LivePlugin(config)
    with TestClient(create_app(config, plugins=[plugin])) as client:
        yield client, plugin


@pytest.mark.parametrize(("route", "body"), WRITES, ids=[route for route, _ in WRITES])
def test_readonly_refuses_every_http_write(
    readonly_served: tuple[TestClient, LivePlugin], route: str, body: dict[str, Any]
) -> None:
    client, plugin = readonly_served
    before = _snapshot(plugin)
    answer = client.post(route, content=_encode(body))
    assert answer.status_code == 403 and "read-only" in answer.text
    assert _snapshot(plugin) == before


@pytest.mark.parametrize("socket_path", ["/socket", "/vis_socket"])
def test_readonly_refuses_every_websocket_command(
    readonly_served: tuple[TestClient, LivePlugin], socket_path: str
) -> None:
    client, plugin = readonly_served
    before = _snapshot(plugin)
    with client.websocket_connect(socket_path) as ws:
        first = ws.receive_json()
        assert first.get("readonly") is True or first.get("command") == "alive"
        for command in BROWSER_COMMANDS:
            ws.send_text(json.dumps(command))
    # Leaving the block waits for the server to finish with every message sent.
    assert _snapshot(plugin) == before
    assert sorted(plugin.store.envs) == ["main", "notes"]


@pytest.mark.parametrize("route", ["/socket_wrap", "/vis_socket_wrap"])
def test_readonly_refuses_every_polled_command(
    readonly_served: tuple[TestClient, LivePlugin], route: str
) -> None:
    client, plugin = readonly_served
    before = _snapshot(plugin)
    if route == "/socket_wrap":
        sid = client.get(route).json()["sid"]
    else:
        sid = client.post(route, content=_encode({"message_type": "init"})).json()["sid"]
    for command in BROWSER_COMMANDS:
        message = {"sid": sid, "message_type": "send", "message": json.dumps(command)}
        assert client.post(route, content=_encode(message)).status_code < 500
    assert _snapshot(plugin) == before
