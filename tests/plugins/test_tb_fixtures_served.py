"""Each fixture logdir, served through TensorBoard's routes, holds what TensorBoard's reader finds.

The expected files were produced by TensorBoard's ``EventAccumulator`` from files written by
the real torch and tensorboardX writers (see fixtures/README-tensorboard.md).
"""

from __future__ import annotations

import hashlib
import io
import math
import urllib.parse
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import numpy as np
import pytest
from google.protobuf import text_format
from PIL import Image
from served_logdirs import FIXTURE_NAMES, FIXTURES, expected_of, open_client
from starlette.testclient import TestClient

from torchscope.events.messages import GraphDef, RunMetadata
from torchscope.plugins.text.render import markdown_to_safe_html


def _f32(value: float) -> float:
    return float(np.float32(value))


@pytest.fixture(scope="module", params=FIXTURE_NAMES)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(client, expected) for one fixture, shared by the tests of this module."""
    name = request.param
    with ExitStack() as stack:
        client, _ = open_client(
            stack, FIXTURES / name, tmp_path_factory.mktemp("env"), reload_interval=0
        )
        yield client, expected_of(name)


def _get(client: TestClient, route: str, **params: Any) -> Any:
    response = client.get(route, params=params)
    assert response.status_code == 200, (route, params, response.text)
    return response.json()


def test_runs(served: Any) -> None:
    client, expected = served
    assert sorted(_get(client, "/data/runs")) == sorted(expected["runs"])


def test_plugin_tags(served: Any) -> None:
    client, expected = served
    scalar_tags = _get(client, "/data/plugin/scalars/tags")
    image_tags = _get(client, "/data/plugin/images/tags")
    audio_tags = _get(client, "/data/plugin/audio/tags")
    histogram_tags = _get(client, "/data/plugin/histograms/tags")
    distribution_tags = _get(client, "/data/plugin/distributions/tags")
    text_tags = _get(client, "/data/plugin/text/tags")
    pr_tags = _get(client, "/data/plugin/pr_curves/tags")
    graph_info = _get(client, "/data/plugin/graphs/info")
    for run, data in expected["runs"].items():
        plugins = data["plugins"]
        assert sorted(scalar_tags.get(run, {})) == plugins.get("scalars", [])
        assert sorted(image_tags[run]) == plugins.get("images", [])
        assert sorted(audio_tags[run]) == plugins.get("audio", [])
        assert sorted(histogram_tags.get(run, {})) == plugins.get("histograms", [])
        assert sorted(distribution_tags.get(run, {})) == plugins.get("histograms", [])
        assert sorted(text_tags.get(run, [])) == plugins.get("text", [])
        assert sorted(pr_tags.get(run, {})) == plugins.get("pr_curves", [])
        assert (run in graph_info and graph_info[run]["run_graph"]) == ("graphs" in plugins)
        run_metadata_tags = sorted(graph_info.get(run, {}).get("tags", {}))
        assert run_metadata_tags == plugins.get("graph_tagged_run_metadata", [])


def test_scalars(served: Any) -> None:
    client, expected = served
    for run, data in expected["runs"].items():
        for tag, want in data["scalars"].items():
            rows = _get(client, "/data/plugin/scalars/scalars", run=run, tag=tag)
            assert len(rows) == want["count"]
            steps = [step for _, step, _ in rows]
            values = [value for _, _, value in rows]
            assert (
                hashlib.sha1(",".join(map(str, steps)).encode()).hexdigest() == (want["steps_sha1"])
            )
            for row, key in ((rows[0], "first"), (rows[-1], "last")):
                assert row == [want[key]["wall_time"], want[key]["step"], want[key]["value"]]
            assert min(values) == want["min"] and max(values) == want["max"]
            assert sum(values) == pytest.approx(want["sum"], rel=1e-12)
        for tag, want in data["tensors"].items():
            if want["plugin"] != "scalars":
                continue
            rows = _get(client, "/data/plugin/scalars/scalars", run=run, tag=tag)
            assert [step for _, step, _ in rows] == want["steps"]
            assert rows[0][2] == want["first_value"] and rows[-1][2] == want["last_value"]


def test_scalars_csv_matches_json(served: Any) -> None:
    client, expected = served
    run = "eval"
    tag = next(iter(expected["runs"][run]["scalars"]))
    rows = _get(client, "/data/plugin/scalars/scalars", run=run, tag=tag)
    response = client.get(
        "/data/plugin/scalars/scalars", params={"run": run, "tag": tag, "format": "csv"}
    )
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "Wall time,Step,Value"
    parsed = [[float(w), int(s), float(v)] for w, s, v in (line.split(",") for line in lines[1:])]
    assert parsed == rows


def test_images_and_audio(served: Any) -> None:
    client, expected = served
    for run, data in expected["runs"].items():
        for tag, want in data["images"].items():
            entries = _get(client, "/data/plugin/images/images", run=run, tag=tag, sample=0)
            assert [entry["step"] for entry in entries] == want["steps"]
            response = client.get("/data/plugin/images/individualImage?" + entries[0]["query"])
            assert response.status_code == 200
            assert hashlib.sha256(response.content).hexdigest() == want["first_sha256"]
            assert response.headers["content-type"] == f"image/{want['format']}"
            image = Image.open(io.BytesIO(response.content))
            assert image.size == (want["width"], want["height"])
        for tag, want in data["audio"].items():
            entries = _get(client, "/data/plugin/audio/audio", run=run, tag=tag, sample=0)
            assert [entry["step"] for entry in entries] == want["steps"]
            assert entries[0]["contentType"] == want["content_type"]
            response = client.get("/data/plugin/audio/individualAudio?" + entries[0]["query"])
            assert hashlib.sha256(response.content).hexdigest() == want["first_sha256"]


def test_histograms_and_distributions(served: Any) -> None:
    client, expected = served
    for run, data in expected["runs"].items():
        for tag, want in data["histograms"].items():
            series = _get(client, "/data/plugin/histograms/histograms", run=run, tag=tag)
            assert [step for _, step, _ in series] == want["steps"]
            first = np.array(series[0][2])
            assert first[:, 2].sum() == want["first"]["bucket_total"]
            assert first[0, 0] == want["first"]["min"] and first[-1, 1] == want["first"]["max"]
            # Only empty end buckets may be dropped (TensorBoard's conversion).
            assert 0 < len(first) <= want["first"]["n_buckets"]
            last = np.array(series[-1][2])
            assert last[0, 0] == want["last"]["min"] and last[-1, 1] == want["last"]["max"]
            assert last[:, 2].sum() == want["last"]["num"]

            distributions = _get(
                client, "/data/plugin/distributions/distributions", run=run, tag=tag
            )
            assert [step for _, step, _ in distributions] == want["steps"]
            points = distributions[0][2]
            assert [bp for bp, _ in points] == [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000]
            values = [value for _, value in points]
            assert values == sorted(values)
            assert values[0] == want["first"]["min"] and values[-1] == want["first"]["max"]


def test_text(served: Any) -> None:
    client, expected = served
    for run, data in expected["runs"].items():
        for tag, want in data["tensors"].items():
            if want["plugin"] != "text":
                continue
            entries = _get(client, "/data/plugin/text/text", run=run, tag=tag)
            assert [entry["step"] for entry in entries] == want["steps"]
            for entry, source in (
                (entries[0], want["first_value"]),
                (entries[-1], want["last_value"]),
            ):
                # A rank-1 string tensor is shown as a one-column table of rendered cells.
                assert markdown_to_safe_html(source) in entry["text"]
                assert entry["text"].startswith("<table>")


def test_graph_and_run_metadata(served: Any) -> None:
    client, expected = served
    for run, data in expected["runs"].items():
        if "graph" not in data or not data["graph"]:
            assert client.get("/data/plugin/graphs/graph", params={"run": run}).status_code == 404
            continue
        response = client.get("/data/plugin/graphs/graph", params={"run": run})
        graph = text_format.Parse(response.text, GraphDef())
        assert len(graph.node) == data["graph"]["node_count"]
        assert sorted({node.op for node in graph.node}) == data["graph"]["ops"]
        for tag, want in data["run_metadata"].items():
            response = client.get(
                "/data/plugin/graphs/run_metadata", params={"run": run, "tag": tag}
            )
            metadata = text_format.Parse(response.text, RunMetadata())
            assert [d.device for d in metadata.step_stats.dev_stats] == want["devices"]


def test_pr_curves(served: Any) -> None:
    client, expected = served
    for run, data in expected["runs"].items():
        for tag, want in data["tensors"].items():
            if want["plugin"] != "pr_curves":
                continue
            answer = _get(client, "/data/plugin/pr_curves/pr_curves", run=run, tag=tag)
            entries = answer[run]
            assert [entry["step"] for entry in entries] == want["steps"]
            first = entries[0]
            rows = [
                first[key]
                for key in (
                    "true_positives",
                    "false_positives",
                    "true_negatives",
                    "false_negatives",
                    "precision",
                    "recall",
                )
            ]
            assert all(len(row) == len(first["thresholds"]) for row in rows)
            if len(first["thresholds"]) == want["shape"][1]:  # nothing trimmed: same numbers
                assert sum(map(sum, rows)) == pytest.approx(want["first_sum"], rel=1e-6)


def test_custom_scalars_layout(served: Any) -> None:
    client, expected = served
    layouts = [
        d["custom_scalars_layout"]
        for d in expected["runs"].values()
        if "custom_scalars_layout" in d
    ]
    assert _get(client, "/data/plugin/custom_scalars/layout") == layouts[0]
    answer = _get(client, "/data/plugin/custom_scalars/scalars", run="train", tag="lo")
    assert answer["regex_valid"] is True and sorted(answer["tag_to_events"]) == ["loss"]


def test_hparams(served: Any) -> None:
    client, expected = served
    hp_runs = {run: data["hparams"] for run, data in expected["runs"].items() if "hparams" in data}
    experiment = _get(client, "/data/plugin/hparams/experiment")
    groups = _get(client, "/data/plugin/hparams/session_groups")["sessionGroups"]
    for run, want in hp_runs.items():
        want_experiment = want["_hparams_/experiment"]["experiment"]
        assert [
            {"name": info["name"], "type": info["type"]} for info in experiment["hparamInfos"]
        ] == want_experiment["hparam_infos"]
        assert [info["name"] for info in experiment["metricInfos"]] == [
            info["name"] for info in want_experiment["metric_infos"]
        ]
        (group,) = [g for g in groups if g["sessions"][0]["name"] == run]
        assert (
            group["hparams"]
            == want["_hparams_/session_start_info"]["session_start_info"]["hparams"]
        )
        assert (
            group["sessions"][0]["status"]
            == want["_hparams_/session_end_info"]["session_end_info"]["status"]
        )
        metrics = {m["name"]["tag"]: m["value"] for m in group["metricValues"]}
        scalars = expected["runs"][run]["scalars"]
        assert metrics == {tag: scalars[tag]["last"]["value"] for tag in scalars}


def test_mesh(served: Any) -> None:
    client, expected = served
    data = expected["runs"]["train"]
    tags = _get(client, "/data/plugin/mesh/tags")
    names = {info["name"] for info in data["mesh"].values()}
    assert sorted(tags["train"]) == sorted(names)
    (name,) = names
    meshes = _get(client, "/data/plugin/mesh/meshes", run="train", tag=name)
    by_type = {entry["content_type"]: entry for entry in meshes}
    dtypes = {"VERTEX": "<f4", "FACE": "<i4", "COLOR": "u1"}
    for instance_tag, want in data["mesh"].items():
        code = {"VERTEX": 1, "FACE": 2, "COLOR": 3}[want["content_type"]]
        assert by_type[code]["data_shape"] == want["shape"]
        assert by_type[code]["config"] == want["json_config"]
        query = urllib.parse.urlencode(
            {"run": "train", "tag": name, "content_type": want["content_type"], "sample": 0}
        )
        response = client.get("/data/plugin/mesh/data?" + query)
        numbers = np.frombuffer(response.content, dtype=dtypes[want["content_type"]])
        assert numbers.size == np.prod(want["shape"][1:])
        want_sum = data["tensors"][instance_tag]["first_sum"]
        assert float(numbers.astype(np.float64).sum()) == pytest.approx(want_sum, rel=1e-6)


def test_plugins_listing_enables_each_plugin_with_data(served: Any) -> None:
    client, _ = served
    listing = _get(client, "/data/plugins_listing")
    for name in (
        "scalars",
        "images",
        "audio",
        "histograms",
        "distributions",
        "text",
        "graphs",
        "pr_curves",
        "custom_scalars",
        "hparams",
        "mesh",
    ):
        assert listing[name]["enabled"] is True, name


def test_unknown_run_or_tag_is_a_plain_4xx(serve: Callable[..., TestClient]) -> None:
    client = serve(FIXTURES / "tb-logdir-torch")
    routes = [
        ("/data/plugin/scalars/scalars", {"run": "nope", "tag": "loss"}),
        ("/data/plugin/scalars/scalars", {"run": "train", "tag": "nope"}),
        ("/data/plugin/scalars/series", {"run": "train", "tag": "nope"}),
        ("/data/plugin/images/images", {"run": "train", "tag": "loss"}),
        ("/data/plugin/images/individualImage", {"run": "train", "tag": "clip", "index": 99}),
        ("/data/plugin/histograms/histograms", {"run": "eval", "tag": "loss"}),
        ("/data/plugin/distributions/distributions", {"run": "x", "tag": "y"}),
        ("/data/plugin/text/text", {"run": "train", "tag": "loss"}),
        ("/data/plugin/graphs/graph", {"run": "eval"}),
        ("/data/plugin/pr_curves/pr_curves", {"run": "eval", "tag": "pr/class0"}),
        ("/data/plugin/mesh/meshes", {"run": "train", "tag": "nope"}),
        ("/data/plugin/audio/audio", {"run": "nope", "tag": "tone"}),
        ("/data/plugin/scalars/scalars", {"run": "train"}),
        ("/data/plugin/scalars/series", {"run": "train", "tag": "loss", "buckets": "x"}),
    ]
    for route, params in routes:
        response = client.get(route, params=params)
        assert response.status_code in (400, 404), (route, params, response.status_code)
        assert response.headers["content-type"].startswith("text/plain")
        assert response.text


def test_projector(served: Any) -> None:
    client, expected = served
    runs = {run: data["projector"] for run, data in expected["runs"].items() if "projector" in data}
    assert sorted(_get(client, "/data/plugin/projector/runs")) == sorted(runs)
    for run, embeddings in runs.items():
        info = _get(client, "/data/plugin/projector/info", run=run)
        assert [e["tensorName"] for e in info["embeddings"]] == [
            e["tensor_name"] for e in embeddings
        ]
        for want in embeddings:
            params = {"run": run, "name": want["tensor_name"]}
            tensor = client.get("/data/plugin/projector/tensor", params=params)
            vectors = np.frombuffer(tensor.content, dtype="<f4")
            assert vectors.size == want["rows"] * want["dims"]
            metadata = client.get("/data/plugin/projector/metadata", params=params).text
            lines = metadata.rstrip("\n").split("\n")
            assert len(lines) == want["metadata_lines"]
            assert lines[0] == want["metadata_first_line"]
            sprite = client.get("/data/plugin/projector/sprite_image", params=params)
            if want["sprite_path"] is None:
                assert sprite.status_code == 404
            else:
                image = Image.open(io.BytesIO(sprite.content))
                cells = math.ceil(math.sqrt(want["rows"]))  # the writer pads to a square grid
                width, height = want["sprite_single_image_dim"]
                assert image.size == (width * cells, height * cells)
