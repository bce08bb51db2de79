"""Files written by torchscope's SummaryWriter read back through TensorBoard's own reader."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing import plugin_event_accumulator
from tensorboard.util import tensor_util

from torchscope import SummaryWriter


@pytest.fixture(scope="module")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tb")
    torch.manual_seed(0)
    with SummaryWriter(str(root)) as writer:
        for step in range(20):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.add_scalar("tensor/float", 0.25, 0, new_style=True)
        writer.add_histogram("weights", torch.randn(1000), 3)
        writer.add_image("img", torch.rand(3, 10, 14), 0)
        writer.add_video("clip", torch.rand(2, 4, 3, 8, 8), 0, fps=5)
        writer.add_audio("tone", torch.sin(torch.linspace(0, 50, 400)), 0, sample_rate=4000)
        writer.add_text("notes", "hello *world*", 1)
        writer.add_tensor("half", torch.tensor([0.5, -2.0, 1024.0], dtype=torch.float16))
        writer.add_pr_curve("pr", torch.randint(0, 2, (50,)), torch.rand(50), 0)
        writer.add_mesh("cloud", torch.rand(1, 5, 3))
        writer.add_custom_scalars_multilinechart(["loss"])
        writer.add_graph(torch.nn.Sequential(torch.nn.Linear(3, 2)), torch.rand(1, 3))
        writer.add_hparams({"lr": 0.1}, {"metric/acc": 0.5}, run_name="hp")
    return root


def test_scalars_histograms_images(logdir: Path, tb_accumulator: Callable[[Path], Any]) -> None:
    acc = tb_accumulator(logdir)
    loss = acc.Scalars("loss")
    assert [e.step for e in loss] == list(range(20))
    assert [e.value for e in loss] == pytest.approx([1.0 / (s + 1) for s in range(20)])
    histogram = acc.Histograms("weights")[0]
    assert histogram.step == 3 and histogram.histogram_value.num == 1000
    assert sum(histogram.histogram_value.bucket) == 1000
    image = acc.Images("img")[0]
    assert (image.width, image.height) == (14, 10)
    assert Image.open(io.BytesIO(image.encoded_image_string)).size == (14, 10)
    clip = acc.Images("clip")[0]
    gif = Image.open(io.BytesIO(clip.encoded_image_string))
    assert gif.format == "GIF" and gif.n_frames == 4 and gif.size == (16, 8)
    audio = acc.Audio("tone")[0]
    assert audio.sample_rate == 4000 and audio.length_frames == 400


def test_tensors_text_graph(logdir: Path, tb_accumulator: Callable[[Path], Any]) -> None:
    acc = tb_accumulator(logdir)
    assert tensor_util.make_ndarray(acc.Tensors("tensor/float")[0].tensor_proto) == 0.25
    text = tensor_util.make_ndarray(acc.Tensors("notes/text_summary")[0].tensor_proto)
    assert text[0].decode() == "hello *world*"
    half = tensor_util.make_ndarray(acc.Tensors("half")[0].tensor_proto)
    np.testing.assert_array_equal(half, np.array([0.5, -2.0, 1024.0], dtype=np.float16))
    graph = acc.Graph()
    assert any(node.op == "aten::linear" for node in graph.node)
    assert acc.RunMetadata("step1").step_stats.dev_stats[0].device == "/device:CPU:0"


def test_plugins_see_their_data(logdir: Path) -> None:
    acc = plugin_event_accumulator.EventAccumulator(str(logdir), size_guidance={"tensors": 0})
    acc.Reload()
    assert set(acc.PluginTagToContent("pr_curves")) == {"pr"}
    assert set(acc.PluginTagToContent("mesh")) == {"cloud_VERTEX"}
    assert set(acc.PluginTagToContent("custom_scalars")) == {"custom_scalars__config__"}
    assert set(acc.PluginTagToContent("text")) == {"notes/text_summary"}
    hparams = plugin_event_accumulator.EventAccumulator(str(logdir / "hp"))
    hparams.Reload()
    assert set(hparams.PluginTagToContent("hparams")) == {
        "_hparams_/experiment",
        "_hparams_/session_start_info",
        "_hparams_/session_end_info",
    }
