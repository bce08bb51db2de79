"""Every method writes what torch.utils.tensorboard writes for the same call.

The same calls go to torch's SummaryWriter and to ours; both directories are read back
with torchscope's reader and compared value by value (PNG images by their pixels, since
the compression level differs).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
import torch
from google.protobuf import json_format
from PIL import Image
from torch import nn
from torch.utils.tensorboard import SummaryWriter as TorchWriter

from torchscope import SummaryWriter
from torchscope.events.messages import HParamsPluginData

matplotlib.use("Agg")
WALL = 1_700_000_000.0


class SmallNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn(self.conv(x)))
        return self.fc(torch.flatten(x, 1))


def _figure() -> Any:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(2, 1.5), dpi=50)
    axes.plot([0, 1, 2], [1, 0, 2])
    return figure


def _log_everything(writer: Any) -> None:
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    for step in range(5):
        writer.add_scalar("loss", 1.0 / (step + 1), step, walltime=WALL + step)
        writer.add_scalar("tensor/float", step * 0.5, step, walltime=WALL, new_style=True)
        writer.add_scalar(
            "tensor/double", step / 3, step, WALL, new_style=True, double_precision=True
        )
    writer.add_scalar("no_step", torch.tensor(2.5), walltime=WALL)
    writer.add_scalars("losses/all", {"train": 0.5, "val": np.float32(0.75)}, 3, walltime=WALL)
    weights = rng.standard_normal(5000)
    writer.add_histogram("hist/default", weights, 1, walltime=WALL)
    writer.add_histogram("hist/tensor", torch.randn(300), 2, walltime=WALL)
    writer.add_histogram("hist/bins", np.arange(100), 0, bins=10, walltime=WALL)
    writer.add_histogram("hist/max_bins", weights, 0, bins=30, max_bins=7, walltime=WALL)
    writer.add_histogram_raw(
        "hist/raw", 0, 4, 10, 20, 50, [1, 2, 3, 4], [1, 2, 3, 4], 0, walltime=WALL
    )
    writer.add_image("img/chw", torch.rand(3, 16, 20), 0, walltime=WALL)
    writer.add_image(
        "img/hwc", rng.integers(0, 255, (12, 10, 3), dtype=np.uint8), 1, WALL, dataformats="HWC"
    )
    writer.add_image("img/gray", np.linspace(0, 1, 64).reshape(8, 8), 0, WALL, dataformats="HW")
    writer.add_images("img/batch", torch.rand(5, 1, 8, 8), 0, walltime=WALL)
    writer.add_image_with_boxes(
        "img/boxes",
        torch.rand(3, 32, 32),
        torch.tensor([[2.0, 2.0, 20.0, 20.0], [5.0, 8.0, 30.0, 28.0]]),
        0,
        walltime=WALL,
        labels=["a", "b"],
    )
    writer.add_figure("figure", _figure(), 0, walltime=WALL)
    writer.add_figure("figures", [_figure(), _figure()], 0, walltime=WALL)
    writer.add_audio("tone", torch.sin(torch.linspace(0, 100, 800)) * 1.5, 0, 8000, WALL)
    writer.add_text("notes", "**bold** | ünïcødé", 2, walltime=WALL)
    labels = rng.integers(0, 2, 200)
    writer.add_pr_curve("pr", labels, rng.random(200), 0, walltime=WALL)
    writer.add_pr_curve("pr/few", torch.tensor(labels), torch.rand(200), 1, 30, walltime=WALL)
    counts = [np.arange(5, 0, -1, dtype=float) for _ in range(4)]
    writer.add_pr_curve_raw(
        "pr/raw", *counts, np.linspace(0, 1, 5), np.linspace(1, 0, 5), 0, 5, walltime=WALL
    )
    writer.add_custom_scalars(
        {
            "Main": {
                "both": ["Multiline", ["loss", "tensor/.*"]],
                "band": ["Margin", ["a", "b", "c"]],
            }
        }
    )
    writer.add_custom_scalars_multilinechart(["loss"], category="More", title="one")
    writer.add_custom_scalars_marginchart(["x", "lo", "hi"])
    vertices = torch.rand(1, 8, 3)
    faces = torch.tensor([[[0, 1, 2], [1, 2, 3]]], dtype=torch.int32)
    colors = torch.randint(0, 255, (1, 8, 3))
    writer.add_mesh("cloud", vertices, colors, faces, {"camera": {"fov": 60}}, 0, WALL)
    writer.add_mesh("points", vertices, global_step=1, walltime=WALL)
    writer.add_tensor("raw/f32", torch.arange(6, dtype=torch.float32).reshape(2, 3), 0, WALL)
    writer.add_tensor("raw/i64", torch.arange(4), 0, WALL)
    writer.add_graph(SmallNet(), torch.rand(1, 1, 8, 8))
    writer.add_embedding(
        torch.rand(10, 4),
        metadata=[f"p{i}" for i in range(10)],
        label_img=torch.rand(10, 3, 4, 4),
        tag="emb/one",
    )
    writer.add_embedding(
        torch.arange(12).reshape(6, 2),
        metadata=[[i, "odd" if i % 2 else "even"] for i in range(6)],
        global_step=5,
        metadata_header=["idx", "kind"],
    )
    writer.add_hparams(
        {"lr": 0.1, "bs": 32, "opt": "adam", "bn": True, "none": None},
        {"hp/acc": 0.9},
        hparam_domain_discrete={"opt": ["adam", "sgd"]},
        run_name="trial",
        global_step=4,
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("parity")
    for name, factory in (("torch", TorchWriter), ("ours", SummaryWriter)):
        writer = factory(str(root / name))
        _log_everything(writer)
        writer.close()
    return root / "torch", root / "ours"


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def _comparable(value: Any) -> Any:
    """A value with PNG bytes replaced by their pixels."""
    if value.metadata.plugin_data.plugin_name == "hparams":
        # Map entries have no defined order on the wire: compare the decoded message.
        content = HParamsPluginData.FromString(value.metadata.plugin_data.content)
        return value.tag, json_format.MessageToDict(content)
    if value.WhichOneof("value") == "histo":
        # Sums are accumulated chunk by chunk: equal up to float rounding.
        histo = type(value.histo)()
        histo.CopyFrom(value.histo)
        sums = (histo.sum, histo.sum_squares)
        histo.sum = histo.sum_squares = 0
        return value.tag, histo.SerializeToString(), [f"{x:.9e}" for x in sums]
    if value.WhichOneof("value") == "image":
        image = value.image
        return (value.tag, image.height, image.width, image.colorspace), _pixels(
            image.encoded_image_string
        ).tobytes()
    return value.SerializeToString()


def _run_dirs(root: Path) -> list[str]:
    return sorted(str(p.parent.relative_to(root)) for p in root.rglob("*tfevents*"))


def test_same_runs(written: tuple[Path, Path]) -> None:
    theirs, ours = written
    assert _run_dirs(theirs) == _run_dirs(ours)
    assert "losses_all_train" in _run_dirs(ours) and "trial" in _run_dirs(ours)


def test_same_values_in_every_run(
    written: tuple[Path, Path], read_run: Callable[[Path], dict[str, Any]]
) -> None:
    theirs, ours = written
    for run in _run_dirs(theirs):
        expected = read_run(theirs / run)
        got = read_run(ours / run)
        assert sorted(got["values"]) == sorted(expected["values"]), run
        for tag, entries in expected["values"].items():
            mine = got["values"][tag]
            assert [s for s, _ in mine] == [s for s, _ in entries], tag
            for (_, a), (_, b) in zip(mine, entries, strict=True):
                assert _comparable(a) == _comparable(b), tag


def test_same_wall_times_and_events(
    written: tuple[Path, Path], read_run: Callable[[Path], dict[str, Any]]
) -> None:
    theirs, ours = written
    expected = read_run(theirs)["events"]
    got = read_run(ours)["events"]
    assert [e.WhichOneof("what") for e in got] == [e.WhichOneof("what") for e in expected]
    assert got[0].source_metadata.writer == expected[0].source_metadata.writer

    def stamps(events: list[Any]) -> list[tuple[int, float]]:
        # add_custom_scalars takes no walltime: its events carry the current time.
        return [
            (e.step, e.wall_time)
            for e in events
            if e.HasField("summary") and e.summary.value[0].tag != "custom_scalars__config__"
        ]

    assert stamps(got) == stamps(expected)


def test_same_graph(written: tuple[Path, Path], read_run: Callable[[Path], dict[str, Any]]) -> None:
    theirs, ours = written

    def graph_bytes(root: Path) -> tuple[bytes, bytes]:
        events = read_run(root)["events"]
        graph = next(e.graph_def for e in events if e.HasField("graph_def"))
        meta = next(e.tagged_run_metadata for e in events if e.HasField("tagged_run_metadata"))
        return graph, meta.SerializeToString()

    assert graph_bytes(ours) == graph_bytes(theirs)


def test_same_projector_files(written: tuple[Path, Path]) -> None:
    theirs, ours = written
    names = sorted(str(p.relative_to(theirs)) for p in theirs.rglob("*") if p.is_file())
    projector = [n for n in names if "tfevents" not in n]
    assert "projector_config.pbtxt" in projector and "00000/emb%2fone/sprite.png" in projector
    for name in projector:
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name


def test_tensorboard_reads_the_same_from_both(
    written: tuple[Path, Path], tb_accumulator: Callable[[Path], Any]
) -> None:
    """TensorBoard's EventAccumulator finds the same tags and values in every run."""
    from tensorboard.util import tensor_util

    theirs, ours = written
    for run in _run_dirs(theirs):
        expected, got = tb_accumulator(theirs / run), tb_accumulator(ours / run)
        assert got.Tags() == expected.Tags(), run
        tags = expected.Tags()
        for tag in tags["scalars"]:
            assert [(e.step, e.value) for e in got.Scalars(tag)] == [
                (e.step, e.value) for e in expected.Scalars(tag)
            ]
        for tag in tags["images"]:
            mine, reference = got.Images(tag), expected.Images(tag)
            assert [(e.step, e.width, e.height) for e in mine] == [
                (e.step, e.width, e.height) for e in reference
            ]
            for a, b in zip(mine, reference, strict=True):
                assert (_pixels(a.encoded_image_string) == _pixels(b.encoded_image_string)).all()
        for tag in tags["histograms"]:
            mine_h, reference_h = got.Histograms(tag), expected.Histograms(tag)
            assert [list(e.histogram_value.bucket) for e in mine_h] == [
                list(e.histogram_value.bucket) for e in reference_h
            ]
        for tag in tags["audio"]:
            assert [e.encoded_audio_string for e in got.Audio(tag)] == [
                e.encoded_audio_string for e in expected.Audio(tag)
            ]
        for tag in tags["tensors"]:
            for a, b in zip(got.Tensors(tag), expected.Tensors(tag), strict=True):
                np.testing.assert_array_equal(
                    tensor_util.make_ndarray(a.tensor_proto),
                    tensor_util.make_ndarray(b.tensor_proto),
                )
        if tags["graph"]:
            assert got.Graph() == expected.Graph()
