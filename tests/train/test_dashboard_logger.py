"""TorchscopeLogger: a fit leaves every kind of data in the log directory and the live client."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from torchscope.events import iter_events
from torchscope.train.callbacks.dashboard import TorchscopeLogger

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
from train_digits import train_digits


class RecordingVis:
    """Stands in for a live client: keeps what the logger sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.flushed = False

    def line(self, **kwargs: Any) -> str:
        self.calls.append(("line", kwargs))
        return str(kwargs["win"])

    def text(self, text: str, **kwargs: Any) -> str:
        self.calls.append(("text", {"text": text, **kwargs}))
        return str(kwargs["win"])

    def image(self, img: Any, **kwargs: Any) -> str:
        self.calls.append(("image", {"img": img, **kwargs}))
        return str(kwargs["win"])

    def explanation(self, record: dict[str, Any], **kwargs: Any) -> str:
        self.calls.append(("explanation", {"record": record, **kwargs}))
        return str(kwargs["win"])

    def flush(self) -> None:
        self.flushed = True


def logged_tags(log_dir: Path) -> dict[str, set[str]]:
    """Plugin name -> tags found in every event file under ``log_dir``."""
    found: dict[str, set[str]] = {}
    for path in log_dir.rglob("events.out.tfevents.*"):
        for event in iter_events(str(path)):
            for value in event.summary.value:
                kind = value.metadata.plugin_data.plugin_name or value.WhichOneof("value") or "?"
                found.setdefault(kind, set()).add(value.tag)
    return found


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RecordingVis]:
    log_dir = tmp_path_factory.mktemp("runs") / "digits"
    vis = RecordingVis()
    logger = TorchscopeLogger(str(log_dir), vis=vis, histogram_every=10, n_samples=4,
                              explain=("saliency", "grad_cam"), n_embeddings=64)  # fmt: skip
    train_digits(epochs=1, callbacks=[logger], progress=False)
    return log_dir, vis


def test_scalars_histograms_images_text_and_graph_are_written(
    fitted: tuple[Path, RecordingVis],
) -> None:
    log_dir, _ = fitted
    tags = logged_tags(log_dir)
    scalars = tags.get("simple_value", set()) | tags.get("scalars", set())
    assert {"train/train_loss", "train/lr", "epoch/valid_loss", "epoch/accuracy"} <= scalars
    histograms = tags["histo"]
    assert any(tag.startswith("weights/") for tag in histograms)
    assert any(tag.startswith("gradients/") for tag in histograms)
    assert {"explain/saliency", "explain/grad_cam", "samples/inputs"} <= tags["image"]
    assert "model/summary/text_summary" in tags["text"]  # torch names text tags so
    assert {f"pr/class_{cls}" for cls in range(10)} <= tags["pr_curves"]
    assert {"explain/sample_0", "explain/sample_1"} <= tags["torchscope_explain"]
    assert "custom_scalars__config__" in tags["custom_scalars"]
    assert "_hparams_/session_start_info" in tags["hparams"]
    assert (log_dir / "hparams").is_dir()  # torch's habit: the session goes into a child run
    assert (log_dir / "model.torchscope-graph.json").is_file()
    graph_files = [p for p in log_dir.rglob("events.out.tfevents.*") if _has_graph(p)]
    assert graph_files, "no GraphDef was written"


def _has_graph(path: Path) -> bool:
    return any(event.HasField("graph_def") for event in iter_events(str(path)))


def test_embeddings_of_validation_samples_go_to_the_projector(
    fitted: tuple[Path, RecordingVis],
) -> None:
    log_dir, _ = fitted
    config = (log_dir / "projector_config.pbtxt").read_text()
    assert "validation_features" in config
    tensors = next(log_dir.rglob("tensors.tsv")).read_text().strip().splitlines()
    assert len(tensors) == 64
    assert len(tensors[0].split("\t")) == 64  # the 64 inputs of the digits CNN's last Linear


def test_live_client_gets_lines_images_and_the_summary(fitted: tuple[Path, RecordingVis]) -> None:
    _, vis = fitted
    lines = {call["win"] for kind, call in vis.calls if kind == "line"}
    assert {"train_loss", "lr", "epoch_valid_loss", "epoch_accuracy"} <= lines
    assert all(call["update"] == "append" for kind, call in vis.calls if kind == "line")
    images = {call["win"] for kind, call in vis.calls if kind == "image"}
    assert images == {"explain_saliency", "explain_grad_cam"}
    assert any(kind == "text" and call["win"] == "model_summary" for kind, call in vis.calls)
    records = [call["record"] for kind, call in vis.calls if kind == "explanation"]
    assert records
    assert len(records[0]["targets"]) == 3  # the top three predictions, switchable in the view
    assert set(records[0]["methods"]) == {"saliency", "grad_cam"}
    assert vis.flushed


def test_unknown_explain_method_is_refused() -> None:
    with pytest.raises(ValueError, match="explain"):
        TorchscopeLogger(explain=("lime",))


def test_every_batch_loss_reaches_the_live_client_in_batches(
    fitted: tuple[Path, RecordingVis],
) -> None:
    log_dir, vis = fitted
    written: list[tuple[int, float]] = []
    for path in log_dir.glob("events.out.tfevents.*"):
        for event in iter_events(str(path)):
            for value in event.summary.value:
                if value.tag == "train/train_loss":
                    written.append((event.step, value.simple_value))
    calls = [call for kind, call in vis.calls if kind == "line" and call["win"] == "train_loss"]
    live = [(int(x), float(y)) for call in calls for x, y in zip(call["X"], call["Y"], strict=True)]
    assert len(live) == len(written) > 1
    assert [step for step, _ in live] == sorted(step for step, _ in written)
    for (_, got), (_, want) in zip(live, sorted(written), strict=True):
        assert got == pytest.approx(want, rel=1e-6)
    assert len(calls) < len(live)  # several points per request, not one request per batch
