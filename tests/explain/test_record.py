"""The explanation record is plain JSON with decodable images."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np
import pytest
import torch
from explain_models import make_model
from PIL import Image

from torchscope import explain


def decode(png: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(png))))


def test_record_round_trips_through_json() -> None:
    model = make_model("resnet", "inplace", batchnorm=True)
    image = torch.randn(3, 16, 16, generator=torch.Generator().manual_seed(0))
    labels = [f"digit {i}" for i in range(10)]
    record = explain.explanation_record(
        model, image, methods=explain.METHODS, labels=labels, top_k=3
    )
    record = json.loads(json.dumps(record))
    assert record["format"] == explain.RECORD_FORMAT
    assert decode(record["image"]["png"]).shape == (16, 16, 3)
    logits = model(image[None])[0].detach()
    top = logits.argsort(descending=True)[:3].tolist()
    assert [p["index"] for p in record["predictions"]] == top
    assert record["predictions"][0]["label"] == f"digit {top[0]}"
    assert record["target"] == {"index": top[0], "label": f"digit {top[0]}"}
    assert record["methods"] == list(explain.METHODS)
    cam = explain.grad_cam(model, image[None], top[0])[0, 0]
    entry = record["maps"]["grad_cam"]
    assert entry["max"] == pytest.approx(float(cam.max()))
    pixels = decode(entry["png"]).astype(np.float32)
    assert pixels.shape == (16, 16)
    restored = entry["min"] + pixels / 255 * (entry["max"] - entry["min"])
    np.testing.assert_allclose(
        restored, cam.numpy(), atol=(entry["max"] - entry["min"]) / 255 + 1e-6
    )
    assert (
        record["maps"]["occlusion"]["signed"]
        and record["maps"]["occlusion"]["scale"] == "symmetric"
    )


def test_float_encoding_and_explicit_target() -> None:
    model = make_model("vgg", "functional", batchnorm=False)
    image = torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    record = explain.explanation_record(
        model, image, target=4, methods=["saliency"], map_encoding="float"
    )
    values = torch.tensor(record["maps"]["saliency"]["values"])
    torch.testing.assert_close(values, explain.to_heatmap(explain.saliency(model, image, 4))[0, 0])
    assert record["target"] == {"index": 4, "label": None}


def test_record_argument_errors() -> None:
    model = make_model("vgg", "module", batchnorm=False)
    image = torch.randn(3, 16, 16)
    with pytest.raises(ValueError, match="methods"):
        explain.explanation_record(model, image, methods=["lime"])
    with pytest.raises(ValueError, match="target"):
        explain.explanation_record(model, image, target=10)
    with pytest.raises(ValueError, match="labels"):
        explain.explanation_record(model, image, labels=["a"])
    with pytest.raises(ValueError, match="one image"):
        explain.explanation_record(model, torch.randn(2, 3, 16, 16))


def test_several_targets_in_one_record_match_combined_single_records() -> None:
    from torchscope.client.explain_records import check_record, combine_targets

    model = make_model("resnet", "inplace", batchnorm=True)
    image = torch.randn(3, 16, 16, generator=torch.Generator().manual_seed(1))
    labels = [f"digit {i}" for i in range(10)]
    options: dict[str, Any] = {"methods": ["grad_cam", "saliency"], "labels": labels, "top_k": 4}
    top = model(image[None])[0].detach().topk(3).indices
    together = explain.explanation_record(model, image, targets=top, **options)
    apart = combine_targets(
        [explain.explanation_record(model, image, int(t), **options) for t in top]
    )
    assert json.loads(json.dumps(together)) == json.loads(json.dumps(apart))
    assert [t["index"] for t in together["targets"]] == top.tolist()
    assert together["target"]["index"] == int(top[0])
    assert together["targets"][1]["maps"] != together["targets"][0]["maps"]
    check_record(together)  # what the writer and the live client accept


def test_targets_argument_errors() -> None:
    model = make_model("vgg", "module", batchnorm=False)
    image = torch.randn(3, 16, 16)
    with pytest.raises(ValueError, match="not both"):
        explain.explanation_record(model, image, target=1, targets=[1, 2])
    for bad in ([], "12", [1, 1], [1, 10], [1.5], [True]):
        with pytest.raises(ValueError, match="targets"):
            explain.explanation_record(model, image, targets=bad)  # type: ignore[arg-type]
