"""TensorBoard's ListSessionGroupsRequest: filters, sorting and slicing of session groups."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from torchscope import SummaryWriter

ROUTE = "/data/plugin/hparams/session_groups"
SESSIONS = {
    "a": ({"lr": 0.1, "opt": "adam", "bn": True}, {"acc": 0.7}),
    "b": ({"lr": 0.01, "opt": "sgd", "bn": False}, {"acc": 0.9}),
    "c": ({"lr": 0.001, "opt": "adam", "bn": True}, {"acc": 0.8}),
    "d": ({"lr": 0.05, "opt": "sgd", "bn": True}, {}),  # no metric: a missing value
}


@pytest.fixture
def client(tmp_path: Path, serve: Callable[..., TestClient]) -> TestClient:
    for run, (hparams, metrics) in SESSIONS.items():
        with SummaryWriter(tmp_path / run) as writer:
            writer.add_hparams(hparams, metrics, run_name=".")
    return serve(tmp_path)


def _names(answer: dict[str, Any]) -> list[str]:
    return [group["sessions"][0]["name"] for group in answer["sessionGroups"]]


def _post(client: TestClient, request: dict[str, Any]) -> dict[str, Any]:
    response = client.post(ROUTE, content=json.dumps(request))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


ACC = {"metric": {"tag": "acc", "group": ""}}


def test_no_request_returns_every_group(client: TestClient) -> None:
    answer = client.get(ROUTE).json()
    assert sorted(_names(answer)) == ["a", "b", "c", "d"] and answer["totalSize"] == 4


def test_sort_by_metric_with_missing_values_last_and_first(client: TestClient) -> None:
    asc = _post(client, {"colParams": [{**ACC, "order": "ORDER_ASC"}]})
    assert _names(asc) == ["a", "c", "b", "d"]
    desc = _post(client, {"colParams": [{**ACC, "order": "ORDER_DESC"}]})
    assert _names(desc) == ["b", "c", "a", "d"]
    first = _post(
        client, {"colParams": [{**ACC, "order": "ORDER_DESC", "missingValuesFirst": True}]}
    )
    assert _names(first) == ["d", "b", "c", "a"]


def test_sort_by_two_columns(client: TestClient) -> None:
    request = {
        "colParams": [
            {"hparam": "opt", "order": "ORDER_ASC"},
            {"hparam": "lr", "order": "ORDER_DESC"},
        ]
    }
    assert _names(_post(client, request)) == ["a", "c", "d", "b"]


def test_filters(client: TestClient) -> None:
    regexp = _post(client, {"colParams": [{"hparam": "opt", "filterRegexp": "^ad"}]})
    assert sorted(_names(regexp)) == ["a", "c"] and regexp["totalSize"] == 2
    interval = {
        "colParams": [{"hparam": "lr", "filterInterval": {"minValue": 0.005, "maxValue": 0.06}}]
    }
    assert sorted(_names(_post(client, interval))) == ["b", "d"]
    discrete = _post(client, {"colParams": [{"hparam": "bn", "filterDiscrete": [False]}]})
    assert _names(discrete) == ["b"]
    # A filter on a metric drops the group that lacks it.
    metric = _post(client, {"colParams": [{**ACC, "filterInterval": {"minValue": 0}}]})
    assert sorted(_names(metric)) == ["a", "b", "c"]


def test_slice_and_exclude_from_response(client: TestClient) -> None:
    request = {
        "colParams": [{"hparam": "lr", "order": "ORDER_ASC", "excludeFromResponse": True}],
        "startIndex": 1,
        "sliceSize": 2,
    }
    answer = _post(client, request)
    assert _names(answer) == ["b", "d"] and answer["totalSize"] == 4
    assert all("lr" not in group["hparams"] for group in answer["sessionGroups"])
    assert all("opt" in group["hparams"] for group in answer["sessionGroups"])


def test_get_with_request_parameter(client: TestClient) -> None:
    request = json.dumps({"colParams": [{"hparam": "lr", "order": "ORDER_DESC"}]})
    assert _names(client.get(ROUTE, params={"request": request}).json()) == ["a", "d", "b", "c"]


def test_allowed_statuses(client: TestClient) -> None:
    assert _post(client, {"allowedStatuses": ["STATUS_RUNNING"]})["totalSize"] == 0
    assert _post(client, {"allowedStatuses": ["STATUS_SUCCESS"]})["totalSize"] == 4


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "JSON object"),
        (json.dumps({"colParams": [{"order": "ORDER_ASC"}]}), "exactly one of"),
        (json.dumps({"colParams": [{"hparam": "lr", "order": "UP"}]}), "order must be"),
        (json.dumps({"colParams": [{"hparam": "lr", "filterRegexp": "("}]}), "regular expression"),
        (
            json.dumps({"colParams": [{"hparam": "lr", "filterInterval": {"minValue": "x"}}]}),
            "minValue",
        ),
        (json.dumps({"allowedStatuses": ["DONE"]}), "unknown status"),
        (json.dumps({"sliceSize": -1}), "sliceSize"),
    ],
)
def test_bad_requests_get_400(client: TestClient, request_body: str, message: str) -> None:
    response = client.post(ROUTE, content=request_body)
    assert response.status_code == 400 and message in response.text
