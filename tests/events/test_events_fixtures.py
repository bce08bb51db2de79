"""Reading the real TensorBoard fixture logdirs reproduces what TensorBoard's reader finds."""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format, text_format

from torchscope.events import (
    decode_scalar_event,
    iter_records,
    parse_event,
    plugin_of_value,
    tensor_scalar_value,
)
from torchscope.events import messages as m

FIXTURES = Path("/work/shared/fixtures")
LOGDIRS = ["tb-logdir-torch", "tb-logdir-tensorboardx"]


@dataclass
class Run:
    file_version: float | None = None
    event_files: int = 0
    plugins: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    first_plugin: dict[str, str] = field(default_factory=dict)
    scalars: dict[str, list[tuple[int, float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    tensors: dict[str, list[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(list))
    images: dict[str, list[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(list))
    audio: dict[str, list[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(list))
    histograms: dict[str, list[tuple[int, Any]]] = field(default_factory=lambda: defaultdict(list))
    metadata: dict[str, Any] = field(default_factory=dict)
    graph: Any = None
    run_metadata: dict[str, Any] = field(default_factory=dict)
    fast_scalars: int = 0


def _add_value(run: Run, step: int, wall_time: float, value: Any) -> None:
    tag = value.tag
    plugin = plugin_of_value(value)
    if plugin is None:
        plugin = run.first_plugin[tag]
    run.first_plugin.setdefault(tag, plugin)
    run.plugins[plugin].add(tag)
    if value.HasField("metadata") and tag not in run.metadata:
        run.metadata[tag] = value.metadata
    kind = value.WhichOneof("value")
    if kind == "simple_value":
        run.scalars[tag].append((step, wall_time, value.simple_value))
    elif kind == "image":
        run.images[tag].append((step, value.image))
    elif kind == "audio":
        run.audio[tag].append((step, value.audio))
    elif kind == "histo":
        run.histograms[tag].append((step, value.histo))
    elif kind == "tensor":
        run.tensors[tag].append((step, value.tensor))


def load_run(directory: Path) -> Run:
    run = Run()
    files = sorted(p for p in directory.iterdir() if "tfevents" in p.name)
    run.event_files = len(files)
    for path in files:
        with path.open("rb") as file:
            for payload in iter_records(file):
                event = parse_event(payload)
                fast = decode_scalar_event(payload)
                if fast is not None:
                    # The fast path agrees with protobuf on every scalar event it accepts.
                    run.fast_scalars += 1
                    assert fast.step == event.step and fast.wall_time == event.wall_time
                    for quick, full in zip(fast.values, event.summary.value, strict=True):
                        assert quick.tag == full.tag
                        expected = (
                            tensor_scalar_value(full.tensor)
                            if full.HasField("tensor")
                            else full.simple_value
                        )
                        assert quick.value == expected
                what = event.WhichOneof("what")
                if what == "file_version":
                    run.file_version = float(event.file_version.split(":")[-1])
                elif what == "graph_def":
                    run.graph = m.GraphDef.FromString(event.graph_def)
                    run.plugins["graphs"].add("__run_graph__")
                elif what == "tagged_run_metadata":
                    tagged = event.tagged_run_metadata
                    run.run_metadata[tagged.tag] = m.RunMetadata.FromString(tagged.run_metadata)
                    run.plugins["graph_tagged_run_metadata"].add(tagged.tag)
                elif what == "summary":
                    for value in event.summary.value:
                        _add_value(run, event.step, event.wall_time, value)
    return run


def _runs(logdir: str) -> tuple[dict[str, Run], dict[str, Any]]:
    root = FIXTURES / logdir
    expected = json.loads((FIXTURES / f"{logdir}.expected.json").read_text())
    runs = {}
    for name in expected["runs"]:
        runs[name] = load_run(root / name)
    return runs, expected["runs"]


@pytest.fixture(scope="module", params=LOGDIRS)
def loaded(request: pytest.FixtureRequest) -> tuple[str, dict[str, Run], dict[str, Any]]:
    runs, expected = _runs(request.param)
    return request.param, runs, expected


def _decoded(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _float_sum(tensor: Any) -> float:
    return float(sum(tensor.float_val))


def test_runs_plugins_and_file_versions(loaded: tuple[str, dict[str, Run], dict[str, Any]]) -> None:
    _, runs, expected = loaded
    for name, facts in expected.items():
        run = runs[name]
        assert run.event_files == facts["event_files"]
        assert run.file_version == facts["file_version"]
        assert {k: sorted(v) for k, v in run.plugins.items()} == facts["plugins"], name


def test_scalars(loaded: tuple[str, dict[str, Run], dict[str, Any]]) -> None:
    _, runs, expected = loaded
    for name, facts in expected.items():
        run = runs[name]
        assert sorted(run.scalars) == sorted(facts["scalars"]), name
        for tag, want in facts["scalars"].items():
            points = run.scalars[tag]
            values = [v for _, _, v in points]
            assert len(points) == want["count"]
            for which, point in (("first", points[0]), ("last", points[-1])):
                assert point == (
                    want[which]["step"],
                    want[which]["wall_time"],
                    want[which]["value"],
                )
            assert min(values) == want["min"] and max(values) == want["max"]
            assert math.isclose(sum(values), want["sum"], rel_tol=1e-9)
            steps = ",".join(str(step) for step, _, _ in points)
            assert hashlib.sha1(steps.encode()).hexdigest() == want["steps_sha1"]
        assert run.fast_scalars >= sum(f["count"] for f in facts["scalars"].values())


def test_tensors(loaded: tuple[str, dict[str, Run], dict[str, Any]]) -> None:
    _, runs, expected = loaded
    for name, facts in expected.items():
        run = runs[name]
        assert sorted(run.tensors) == sorted(facts["tensors"]), name
        for tag, want in facts["tensors"].items():
            entries = run.tensors[tag]
            first = entries[0][1]
            assert len(entries) == want["count"]
            assert [step for step, _ in entries] == want["steps"]
            assert first.dtype == want["dtype"]
            assert [d.size for d in first.tensor_shape.dim] == want["shape"]
            assert run.first_plugin[tag] == want["plugin"]
            if "first_value" in want:
                last = entries[-1][1]
                if first.dtype == m.DataType.DT_STRING:
                    got = (first.string_val[0].decode(), last.string_val[0].decode())
                else:
                    got = (tensor_scalar_value(first), tensor_scalar_value(last))
                assert got == (want["first_value"], want["last_value"])
            if "first_sum" in want:
                assert math.isclose(_float_sum(first), want["first_sum"], rel_tol=1e-9)


def _format(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"GIF8"):
        return "gif"
    return "unknown"


def test_images_and_audio(loaded: tuple[str, dict[str, Run], dict[str, Any]]) -> None:
    _, runs, expected = loaded
    for name, facts in expected.items():
        run = runs[name]
        assert sorted(run.images) == sorted(facts["images"])
        for tag, want in facts["images"].items():
            entries = run.images[tag]
            image = entries[0][1]
            assert [s for s, _ in entries] == want["steps"] and len(entries) == want["count"]
            assert (image.width, image.height) == (want["width"], want["height"])
            assert _format(image.encoded_image_string) == want["format"]
            digest = hashlib.sha256(image.encoded_image_string).hexdigest()
            assert digest == want["first_sha256"]
        assert sorted(run.audio) == sorted(facts["audio"])
        for tag, want in facts["audio"].items():
            entries = run.audio[tag]
            audio = entries[0][1]
            assert [s for s, _ in entries] == want["steps"] and len(entries) == want["count"]
            assert audio.sample_rate == want["sample_rate"]
            assert audio.length_frames == want["length_frames"]
            assert audio.content_type == want["content_type"]
            assert hashlib.sha256(audio.encoded_audio_string).hexdigest() == want["first_sha256"]


def test_histograms(loaded: tuple[str, dict[str, Run], dict[str, Any]]) -> None:
    _, runs, expected = loaded
    for name, facts in expected.items():
        run = runs[name]
        assert sorted(run.histograms) == sorted(facts["histograms"])
        for tag, want in facts["histograms"].items():
            entries = run.histograms[tag]
            first, last = entries[0][1], entries[-1][1]
            assert [s for s, _ in entries] == want["steps"] and len(entries) == want["count"]
            got = {
                "min": first.min,
                "max": first.max,
                "num": first.num,
                "sum": first.sum,
                "sum_squares": first.sum_squares,
                "n_buckets": len(first.bucket),
                "bucket_total": sum(first.bucket),
            }
            assert got == pytest.approx(want["first"], rel=1e-12)
            assert (last.min, last.max, last.num) == pytest.approx(
                (want["last"]["min"], want["last"]["max"], want["last"]["num"])
            )
            assert len(first.bucket_limit) == len(first.bucket)


def test_graph_and_run_metadata(loaded: tuple[str, dict[str, Run], dict[str, Any]]) -> None:
    _, runs, expected = loaded
    for name, facts in expected.items():
        run = runs[name]
        if "graph" in facts:
            assert len(run.graph.node) == facts["graph"]["node_count"]
            assert sorted({node.op for node in run.graph.node}) == facts["graph"]["ops"]
        devices = {
            tag: {"devices": [d.device for d in meta.step_stats.dev_stats]}
            for tag, meta in run.run_metadata.items()
        }
        assert devices == facts["run_metadata"]


def test_plugin_payloads(loaded: tuple[str, dict[str, Run], dict[str, Any]]) -> None:
    _, runs, expected = loaded
    for name, facts in expected.items():
        run = runs[name]
        if "hparams" in facts:
            decoded = {
                tag: _decoded(m.HParamsPluginData.FromString(run.metadata[tag].plugin_data.content))
                for tag in facts["hparams"]
            }
            assert decoded == facts["hparams"]
        if "custom_scalars_layout" in facts:
            layout_tensor = run.tensors["custom_scalars__config__"][0][1]
            layout = m.Layout.FromString(layout_tensor.string_val[0])
            assert _decoded(layout) == facts["custom_scalars_layout"]
        if "mesh" in facts:
            for tag, want in facts["mesh"].items():
                content = run.metadata[tag].plugin_data.content
                assert _decoded(m.MeshPluginData.FromString(content)) == want


def test_projector_config(loaded: tuple[str, dict[str, Run], dict[str, Any]]) -> None:
    logdir, _, expected = loaded
    for name, facts in expected.items():
        if "projector" not in facts:
            continue
        run_dir = FIXTURES / logdir / name
        config = text_format.Parse(
            (run_dir / "projector_config.pbtxt").read_text(), m.ProjectorConfig()
        )
        for info, want in zip(config.embeddings, facts["projector"], strict=True):
            assert info.tensor_name == want["tensor_name"]
            assert info.tensor_path == want["tensor_path"]
            assert info.metadata_path == want["metadata_path"]
            assert (info.sprite.image_path or None) == want["sprite_path"]
            assert list(info.sprite.single_image_dim) == want["sprite_single_image_dim"]
            rows = (run_dir / info.tensor_path).read_text().splitlines()
            assert len(rows) == want["rows"] and len(rows[0].split("\t")) == want["dims"]
