"""``GET /data/export/scalars``: the Scalars view's "download all" of a selection."""

from __future__ import annotations

import csv
import io
import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from torchscope.export.routes import export_routes
from torchscope.logdir import LogdirStore, StoreOptions
from torchscope.logdir.registration import logdir_plugins
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig

from .conftest import TORCH_LOGDIR


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    config = ServerConfig(logdir=str(TORCH_LOGDIR), env_path=tmp_path_factory.mktemp("server-env"))
    plugins = logdir_plugins(config, StoreOptions(reload_interval=0))
    app = create_app(config, plugins)
    app.router.routes[0:0] = export_routes()
    with TestClient(app) as test_client:
        yield test_client


def test_csv_download_holds_every_point_of_the_selection(
    client: TestClient, torch_store: LogdirStore
) -> None:
    answer = client.get("/data/export/scalars", params={"runs": "^eval$", "tags": "^(loss|lr)$"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="scalars.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {(row["run"], row["tag"]) for row in rows} == {("eval", "loss"), ("eval", "lr")}
    loss = [float(row["value"]) for row in rows if row["tag"] == "loss"]
    assert loss == torch_store.scalars("eval", "loss").values.tolist()


def test_json_and_parquet_downloads(client: TestClient, torch_store: LogdirStore) -> None:
    answer = client.get("/data/export/scalars", params={"format": "json", "tags": "^accuracy$"})
    series = json.loads(answer.content)["series"]
    assert [item["run"] for item in series] == [
        run for run, tags in torch_store.tags("scalars").items() if "accuracy" in tags
    ]
    import pyarrow.parquet as pq

    answer = client.get("/data/export/scalars", params={"format": "parquet"})
    table = pq.read_table(io.BytesIO(answer.content))
    total = sum(
        len(torch_store.scalars(run, tag))
        for run, tags in torch_store.tags("scalars").items()
        for tag in tags
    )
    assert table.num_rows == total


def test_bad_parameters_are_400_with_the_parameter_named(client: TestClient) -> None:
    answer = client.get("/data/export/scalars", params={"format": "xml"})
    assert answer.status_code == 400 and "format" in answer.text
    answer = client.get("/data/export/scalars", params={"tags": "("})
    assert answer.status_code == 400 and "tags" in answer.text


def test_a_server_without_logdir_answers_404(tmp_path: Path) -> None:
    app = create_app(ServerConfig(env_path=tmp_path), plugins=[])
    app.router.routes[0:0] = export_routes()
    with TestClient(app) as test_client:
        assert test_client.get("/data/export/scalars").status_code == 404
