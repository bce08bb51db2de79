"""``GET /data/plugin/live/export``: a Live env downloaded as Visdom JSON or offline HTML."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig

LOSS = [1.0, 0.5, 0.25, 0.125]
EXPORT = "/data/plugin/live/export"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A server whose env ``exp run`` holds a line plot (sent as two requests) and a text pane."""
    app = create_app(ServerConfig(env_path=tmp_path / "env"))
    with TestClient(app) as test_client:
        line = {"type": "scatter", "mode": "lines", "name": "train", "x": [0, 1], "y": LOSS[:2]}
        sent = [
            (
                "/events",
                {"eid": "exp run", "win": "loss", "data": [line], "opts": {"title": "loss"}},
            ),
            (
                "/update",
                {
                    "eid": "exp run",
                    "win": "loss",
                    "append": True,
                    "name": "train",
                    "data": [{"x": [2, 3], "y": LOSS[2:]}],
                },
            ),
            (
                "/events",
                {
                    "eid": "exp run",
                    "win": "notes",
                    "data": [{"type": "text", "content": "see https://example.org/run"}],
                    "opts": {"title": "notes"},
                },
            ),
        ]
        for path, body in sent:
            answer = test_client.post(path, content=json.dumps(body))
            assert answer.status_code == 200, answer.text
        yield test_client


def test_json_is_visdom_env_file_with_every_point(client: TestClient) -> None:
    answer = client.get(EXPORT, params={"env": "exp run", "format": "json"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    # The space is percent-encoded as in the env's saved file name.
    assert answer.headers["content-disposition"] == 'attachment; filename="exp%20run.json"'
    document = answer.json()
    assert set(document["jsons"]) == {"loss", "notes"}
    assert document["jsons"]["loss"]["content"]["data"][0]["y"] == LOSS


def test_json_is_the_default_format(client: TestClient) -> None:
    answer = client.get(EXPORT, params={"env": "exp run"})
    assert answer.status_code == 200
    assert answer.json()["jsons"]["loss"]["content"]["data"][0]["y"] == LOSS


def test_html_is_self_contained(client: TestClient) -> None:
    answer = client.get(EXPORT, params={"env": "exp run", "format": "html"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-disposition"] == 'attachment; filename="exp%20run.html"'
    page = answer.text
    assert "<title>exp run · torchscope</title>" in page
    assert 'data-win="loss"' in page and 'data-win="notes"' in page
    # The only URLs are in the data (the text pane's own words): the page fetches nothing.
    embedded = page.split('id="torchscope-env">')[1].split("</script>")[0]
    assert json.loads(embedded)["jsons"]["loss"]["content"]["data"][0]["y"] == LOSS
    outside_data = page.replace(embedded, "")
    text_pane = re.search(r'<section[^>]*data-win="notes".*?</section>', outside_data, re.S)
    assert text_pane is not None
    outside_data = outside_data.replace(text_pane.group(0), "")
    # An SVG namespace is a name, never fetched: it is the one URL-shaped string allowed.
    outside_data = outside_data.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<svg" in outside_data
    assert "http://" not in outside_data and "https://" not in outside_data


def test_unknown_env_is_404(client: TestClient) -> None:
    answer = client.get(EXPORT, params={"env": "nope", "format": "json"})
    assert answer.status_code == 404
    assert "nope" in answer.text


@pytest.mark.parametrize("fmt", ["csv", "JSON", ""])
def test_bad_format_is_400(client: TestClient, fmt: str) -> None:
    answer = client.get(EXPORT, params={"env": "exp run", "format": fmt})
    assert answer.status_code == 400
    assert "format" in answer.text


def test_bad_env_name_is_400(client: TestClient) -> None:
    answer = client.get(EXPORT, params={"env": "../etc", "format": "json"})
    assert answer.status_code == 400
    assert "env" in answer.text
