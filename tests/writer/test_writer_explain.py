"""``SummaryWriter.add_explanation``: records round-trip through torchscope's reader and
TensorBoard's, and bad records are refused with a message naming the argument."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from torchscope import SummaryWriter
from torchscope.client.explain_records import combine_targets
from torchscope.explain import explanation_record
from torchscope.logdir import LogdirStore, StoreOptions
from torchscope.plugins.explain import EXPLAIN_PLUGIN, record_of


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5)
    ).eval()
    image = torch.rand(3, 6, 6, generator=torch.Generator().manual_seed(2))
    return explanation_record(model, image, methods=("saliency", "grad_cam"), top_k=3)


def write(log_dir: Path, record: dict[str, Any], steps: range) -> None:
    with SummaryWriter(str(log_dir)) as writer:
        for step in steps:
            writer.add_explanation(
                "explain/input0", record, global_step=step, walltime=100.0 + step
            )


def test_round_trip_through_torchscope_reader(tmp_path: Path, record: dict[str, Any]) -> None:
    write(tmp_path / "run", record, range(3))
    store = LogdirStore(str(tmp_path), StoreOptions(reload_interval=0))
    try:
        store.start()
        assert store.wait_until_loaded(timeout=60)
        info = store.tag_info("run", "explain/input0")
        samples = store.samples("run", "explain/input0")
    finally:
        store.close()
    assert info.plugin == EXPLAIN_PLUGIN
    assert json.loads(info.plugin_content) == {"version": 1}
    assert [s.step for s in samples] == [0, 1, 2]
    assert [s.wall_time for s in samples] == [100.0, 101.0, 102.0]
    assert record_of(samples[-1].payload) == record


def test_tensorboard_keeps_it_as_an_unknown_plugin_tensor(
    tmp_path: Path, record: dict[str, Any]
) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    write(tmp_path, combine_targets([record]), range(2))
    accumulator = EventAccumulator(str(tmp_path), size_guidance={"tensors": 0})
    accumulator.Reload()
    assert "explain/input0" in accumulator.Tags()["tensors"]
    metadata = accumulator.SummaryMetadata("explain/input0")
    assert metadata.plugin_data.plugin_name == EXPLAIN_PLUGIN
    events = accumulator.Tensors("explain/input0")
    assert [event.step for event in events] == [0, 1]
    stored = json.loads(events[0].tensor_proto.string_val[0])
    assert stored["targets"][0]["maps"] == record["maps"]
    assert stored["image"] == record["image"]


def test_bad_records_are_refused(tmp_path: Path, record: dict[str, Any]) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        with pytest.raises(TypeError, match="record"):
            writer.add_explanation("x", "not a record")
        with pytest.raises(ValueError, match=r"record\['format'\]"):
            writer.add_explanation("x", {**record, "format": "other"})
        with pytest.raises(ValueError, match=r"record\['maps'\] lacks"):
            writer.add_explanation("x", {**record, "maps": {}})
        with pytest.raises(ValueError, match="tag"):
            writer.add_explanation("", record)


def test_combine_targets_checks_the_records_match(record: dict[str, Any]) -> None:
    other = {**record, "target": {"index": record["target"]["index"] + 1, "label": None}}
    combined = combine_targets([record, other])
    assert [t["index"] for t in combined["targets"]] == [
        record["target"]["index"],
        record["target"]["index"] + 1,
    ]
    with pytest.raises(ValueError, match="repeats target"):
        combine_targets([record, record])
    with pytest.raises(ValueError, match="another image"):
        combine_targets([record, {**other, "image": {"png": "AAAA"}}])
    with pytest.raises(ValueError, match="records"):
        combine_targets([])
