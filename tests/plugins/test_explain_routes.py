"""The Explain plugin's routes over a log directory written with ``add_explanation``."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image
from starlette.testclient import TestClient
from torch import nn

from torchscope import SummaryWriter
from torchscope.client.explain_records import combine_targets
from torchscope.explain import explanation_record

ROUTE = "/data/plugin/explain/"


def tiny_cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 6, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(24, 10),
    ).eval()


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    """Records of one 8x8 image for its two best classes (digit-sized random data)."""
    model = tiny_cnn()
    image = torch.rand(1, 8, 8, generator=torch.Generator().manual_seed(1))
    first = explanation_record(model, image, methods=("saliency", "grad_cam"), top_k=3)
    second_target = first["predictions"][1]["index"]
    second = explanation_record(
        model, image, second_target, methods=("saliency", "grad_cam"), top_k=3
    )
    return [first, second]


@pytest.fixture
def served(
    tmp_path: Path, serve: Callable[..., TestClient], records: list[dict[str, Any]]
) -> TestClient:
    with SummaryWriter(str(tmp_path / "logs" / "cnn")) as writer:
        writer.add_explanation("digits/explain", records[0], global_step=3, walltime=10.0)
        writer.add_explanation("digits/explain", combine_targets(records), 7, walltime=20.0)
        writer.add_scalar("loss", 1.0, 0)
    return serve(tmp_path / "logs")


def test_tab_is_listed_and_tags_name_the_run(served: TestClient) -> None:
    listing = served.get("/data/plugins_listing").json()
    assert listing["explain"]["enabled"] is True
    assert listing["explain"]["tab_name"] == "Explain"
    assert served.get(ROUTE + "tags").json() == {"cnn": ["digits/explain"]}


def test_explanations_list_steps_without_pixels(
    served: TestClient, records: list[dict[str, Any]]
) -> None:
    answer = served.get(ROUTE + "explanations", params={"run": "cnn", "tag": "digits/explain"})
    assert answer.status_code == 200
    steps = answer.json()
    assert [entry["step"] for entry in steps] == [3, 7]
    assert [entry["wall_time"] for entry in steps] == [10.0, 20.0]
    assert steps[0]["methods"] == ["saliency", "grad_cam"]
    assert steps[0]["target"] == records[0]["target"]
    assert [p["index"] for p in steps[0]["top_k"]] == [
        p["index"] for p in records[0]["predictions"]
    ]
    assert "maps" not in steps[0] and "image" not in steps[0]


def test_record_returns_what_was_logged(served: TestClient, records: list[dict[str, Any]]) -> None:
    answer = served.get(ROUTE + "record", params={"run": "cnn", "tag": "digits/explain", "step": 7})
    assert answer.status_code == 200
    record = answer.json()
    assert [t["index"] for t in record["targets"]] == [r["target"]["index"] for r in records]
    assert record["targets"][1]["maps"] == records[1]["maps"]
    shown = Image.open(io.BytesIO(base64.b64decode(record["image"]["png"])))
    assert shown.size == (8, 8)
    first = served.get(ROUTE + "record", params={"run": "cnn", "tag": "digits/explain", "step": 3})
    assert first.json() == records[0]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"run": "cnn", "tag": "digits/explain"}, 400),
        ({"run": "cnn", "tag": "digits/explain", "step": "x"}, 400),
        ({"run": "cnn", "tag": "digits/explain", "step": 5}, 404),
        ({"run": "cnn", "tag": "loss", "step": 0}, 404),
        ({"run": "nope", "tag": "digits/explain", "step": 3}, 404),
    ],
)
def test_bad_requests_get_clear_answers(
    served: TestClient, params: dict[str, Any], status: int
) -> None:
    answer = served.get(ROUTE + "record", params=params)
    assert answer.status_code == status
    assert answer.text


def test_a_record_that_is_not_json_is_422(tmp_path: Path, serve: Callable[..., TestClient]) -> None:
    from torchscope.client.writer_explain import explanation_value

    with SummaryWriter(str(tmp_path / "logs" / "bad")) as writer:
        value = explanation_value("broken", _minimal_record())
        value.tensor.string_val[0] = b"{not json"
        writer._add_values([value], 1, None)
    client = serve(tmp_path / "logs")
    answer = client.get(ROUTE + "explanations", params={"run": "bad", "tag": "broken"})
    assert answer.status_code == 422


def _minimal_record() -> dict[str, Any]:
    return {
        "format": "torchscope.explain/1",
        "image": {"png": "", "height": 1, "width": 1},
        "target": {"index": 0, "label": None},
        "predictions": [],
        "methods": ["saliency"],
        "maps": {"saliency": {}},
    }
