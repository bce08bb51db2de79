"""ModelGraph JSON: what the Graphs view reads; it must round-trip and reject bad input."""

from __future__ import annotations

import json

import pytest
import torch
from graph_models import DictModel, RecurrentModel, SharedModel

from torchscope.graph import SCHEMA, ModelGraph, trace


@pytest.mark.parametrize(
    ("model", "inputs"),
    [
        (SharedModel(), torch.randn(2, 4)),
        (DictModel(), ({"image": torch.randn(1, 6), "text": torch.randn(1, 5)},)),
        (RecurrentModel(), torch.randn(1, 3, 6)),
    ],
)
def test_round_trip(model: torch.nn.Module, inputs: object) -> None:
    graph = trace(model, inputs)
    text = graph.to_json()
    restored = ModelGraph.from_json(text)
    assert restored.to_dict() == graph.to_dict()
    assert ModelGraph.from_dict(json.loads(text)).to_json() == text


def test_documented_fields() -> None:
    data = json.loads(trace(SharedModel(), torch.randn(2, 4)).to_json())
    assert data["schema"] == SCHEMA and data["tracer"] == "fx" and data["name"] == "SharedModel"
    node_keys = {
        "id",
        "kind",
        "name",
        "parent",
        "op_type",
        "attributes",
        "outputs",
        "module",
        "path",
        "params",
        "calls",
    }
    assert all(set(node) == node_keys for node in data["nodes"])
    assert all(set(e) == {"source", "target", "shape", "dtype", "index"} for e in data["edges"])
    module = next(n for n in data["nodes"] if n["id"] == "module:shared")
    assert module["params"] == {"own": 20, "total": 20, "trainable": 20}
    assert module["attributes"]["in_features"] == 4
    ids = {n["id"] for n in data["nodes"]}
    assert all(n["parent"] in ids for n in data["nodes"] if n["parent"] is not None)


def test_from_dict_names_what_is_wrong() -> None:
    data = trace(SharedModel(), torch.randn(2, 4)).to_dict()
    with pytest.raises(ValueError, match="schema"):
        ModelGraph.from_dict({**data, "schema": "other/9"})
    with pytest.raises(ValueError, match="nodes"):
        ModelGraph.from_dict({key: value for key, value in data.items() if key != "nodes"})
    with pytest.raises(ValueError, match="tracer"):
        ModelGraph.from_dict({**data, "tracer": "guess"})
    bad_edge = {**data["edges"][0], "target": "op:nowhere"}
    with pytest.raises(ValueError, match="op:nowhere"):
        ModelGraph.from_dict({**data, "edges": [bad_edge]})
    orphan = {**data["nodes"][1], "parent": "module:gone"}
    with pytest.raises(ValueError, match="module:gone"):
        ModelGraph.from_dict({**data, "nodes": [data["nodes"][0], orphan, *data["nodes"][2:]]})
    with pytest.raises(ValueError, match="kind"):
        ModelGraph.from_dict({**data, "nodes": [{**data["nodes"][0], "kind": "blob"}]})
    with pytest.raises(TypeError, match="data"):
        ModelGraph.from_dict([1, 2])  # type: ignore[arg-type]


def test_collapsed_depth_is_checked() -> None:
    graph = trace(SharedModel(), torch.randn(2, 4))
    for depth in (0, -1, 1.5):
        with pytest.raises(ValueError, match="depth"):
            graph.collapsed(depth)  # type: ignore[arg-type]
