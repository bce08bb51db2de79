from pathlib import Path

import pytest
from starlette.testclient import TestClient

from torchscope import __version__
from torchscope.plugins.base import Plugin
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig
from torchscope.server.jsonresponse import dumps


class SwitchPlugin(Plugin):
    name = "scalars"
    tab_name = "Scalars"

    def __init__(self) -> None:
        self.active = False

    def is_active(self) -> bool:
        return self.active


@pytest.fixture
def plugin() -> SwitchPlugin:
    return SwitchPlugin()


def make_client(tmp_path: Path, plugin: Plugin, **config: object) -> TestClient:
    app = create_app(ServerConfig(env_path=tmp_path, **config), plugins=[plugin])  # type: ignore[arg-type]
    return TestClient(app)


def test_core_data_routes(tmp_path: Path, plugin: SwitchPlugin) -> None:
    client = make_client(tmp_path, plugin, logdir="runs")
    assert client.get("/data/logdir").json() == {"logdir": "runs"}
    environment = client.get("/data/environment").json()
    assert environment["version"] == __version__
    assert environment["data_location"] == "runs"
    assert client.get("/api/health").json()["status"] == "ok"


def test_plugins_listing_follows_the_plugin(tmp_path: Path, plugin: SwitchPlugin) -> None:
    client = make_client(tmp_path, plugin)
    listing = client.get("/data/plugins_listing").json()
    assert listing["scalars"]["enabled"] is False
    assert listing["scalars"]["tab_name"] == "Scalars"
    plugin.active = True
    assert client.get("/data/plugins_listing").json()["scalars"]["enabled"] is True


def test_every_route_lives_under_the_base_url(tmp_path: Path, plugin: SwitchPlugin) -> None:
    client = make_client(tmp_path, plugin, base_url="/vis")
    assert client.get("/vis/data/logdir").status_code == 200
    assert client.get("/data/logdir").status_code == 404
    root = client.get("/", follow_redirects=False)
    assert root.status_code in (302, 307)
    assert root.headers["location"] == "/vis/"


def test_unknown_api_path_is_404_not_the_page(tmp_path: Path, plugin: SwitchPlugin) -> None:
    client = make_client(tmp_path, plugin)
    response = client.get("/data/nothing-here")
    assert response.status_code == 404
    assert "nothing-here" in response.text


def test_pages_carry_safety_headers(tmp_path: Path, plugin: SwitchPlugin) -> None:
    response = make_client(tmp_path, plugin).get("/data/logdir")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_status_socket_says_hello_and_answers_pings(tmp_path: Path, plugin: SwitchPlugin) -> None:
    client = make_client(tmp_path, plugin, readonly=True)
    with client.websocket_connect("/api/ws") as socket:
        hello = socket.receive_json()
        assert hello["type"] == "hello"
        assert hello["environment"]["readonly"] is True
        assert hello["views"]["scalars"]["enabled"] is False
        socket.send_json({"type": "ping"})
        assert socket.receive_json() == {"type": "pong"}
        socket.send_text("not json")
        assert socket.receive_json()["type"] == "error"


def test_status_socket_pushes_view_changes(
    tmp_path: Path, plugin: SwitchPlugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("torchscope.server.status_socket.VIEWS_POLL_INTERVAL", 0.05)
    client = make_client(tmp_path, plugin)
    with client.websocket_connect("/api/ws") as socket:
        socket.receive_json()
        plugin.active = True
        update = socket.receive_json()
        assert update == {"type": "views", "views": {"scalars": update["views"]["scalars"]}}
        assert update["views"]["scalars"]["enabled"] is True


def test_ui_page_gets_a_base_tag(tmp_path: Path, plugin: SwitchPlugin) -> None:
    client = make_client(tmp_path, plugin, base_url="/vis")
    page = client.get("/vis/env/main")
    if page.status_code == 503:  # UI not built in this installation: the page says how to fix it
        assert "make web" in page.text
    else:
        assert page.status_code == 200
        assert '<base href="/vis/">' in page.text


def test_json_writes_non_finite_values_as_tensorboard_does() -> None:
    payload = {"v": [1.5, float("nan"), float("inf"), -float("inf")], "n": 3}
    assert dumps(payload) == b'{"v":[1.5,"NaN","Infinity","-Infinity"],"n":3}'
