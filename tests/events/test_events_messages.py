"""Our messages are wire-identical to TensorBoard's and live beside them in one process."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from torchscope.events import messages as m

# (our class, TensorBoard's module, TensorBoard's message name)
PAIRS = [
    (m.Event, "tensorboard.compat.proto.event_pb2", "Event"),
    (m.SessionLog, "tensorboard.compat.proto.event_pb2", "SessionLog"),
    (m.LogMessage, "tensorboard.compat.proto.event_pb2", "LogMessage"),
    (m.TaggedRunMetadata, "tensorboard.compat.proto.event_pb2", "TaggedRunMetadata"),
    (m.Summary, "tensorboard.compat.proto.summary_pb2", "Summary"),
    (m.SummaryMetadata, "tensorboard.compat.proto.summary_pb2", "SummaryMetadata"),
    (m.HistogramProto, "tensorboard.compat.proto.histogram_pb2", "HistogramProto"),
    (m.TensorProto, "tensorboard.compat.proto.tensor_pb2", "TensorProto"),
    (m.TensorShapeProto, "tensorboard.compat.proto.tensor_shape_pb2", "TensorShapeProto"),
    (m.GraphDef, "tensorboard.compat.proto.graph_pb2", "GraphDef"),
    (m.NodeDef, "tensorboard.compat.proto.node_def_pb2", "NodeDef"),
    (m.AttrValue, "tensorboard.compat.proto.attr_value_pb2", "AttrValue"),
    (m.VersionDef, "tensorboard.compat.proto.versions_pb2", "VersionDef"),
    (m.RunMetadata, "tensorboard.compat.proto.config_pb2", "RunMetadata"),
    (m.PrCurvePluginData, "tensorboard.plugins.pr_curve.plugin_data_pb2", "PrCurvePluginData"),
    (m.TextPluginData, "tensorboard.plugins.text.plugin_data_pb2", "TextPluginData"),
    (m.Layout, "tensorboard.plugins.custom_scalar.layout_pb2", "Layout"),
    (m.HParamsPluginData, "tensorboard.plugins.hparams.plugin_data_pb2", "HParamsPluginData"),
    (m.MeshPluginData, "tensorboard.plugins.mesh.plugin_data_pb2", "MeshPluginData"),
    (m.ProjectorConfig, "tensorboard.plugins.projector.projector_config_pb2", "ProjectorConfig"),
]


def _compare(ours: Any, theirs: Any, seen: set[str]) -> None:
    """Every field we declare exists in TensorBoard's message with the same number and type."""
    if ours.full_name in seen:
        return
    seen.add(ours.full_name)
    assert ours.name == theirs.name
    for field in ours.fields:
        other = theirs.fields_by_number.get(field.number)
        assert other is not None, f"{ours.full_name}.{field.name} has no twin"
        assert (field.name, field.type, field.is_repeated) == (
            other.name,
            other.type,
            other.is_repeated,
        ), f"{ours.full_name}.{field.name}"
        if field.message_type is not None:
            _compare(field.message_type, other.message_type, seen)
        if field.enum_type is not None:
            mine = {v.name: v.number for v in field.enum_type.values}
            known = {v.name: v.number for v in other.enum_type.values}
            assert all(known.get(name) == number for name, number in mine.items())


@pytest.mark.parametrize(("ours", "module", "name"), PAIRS, ids=[p[2] for p in PAIRS])
def test_fields_match_tensorboard(ours: Any, module: str, name: str) -> None:
    theirs = getattr(importlib.import_module(module), name)
    assert ours.DESCRIPTOR.full_name.startswith("torchscope.tb")
    _compare(ours.DESCRIPTOR, theirs.DESCRIPTOR, set())


def test_round_trip_through_tensorboard_classes() -> None:
    from tensorboard.compat.proto import event_pb2

    event = m.Event(wall_time=1.5, step=3)
    value = event.summary.value.add(tag="x")
    value.tensor.dtype = m.DataType.DT_FLOAT
    value.tensor.float_val.append(0.25)
    value.tensor.tensor_shape.dim.add(size=1)
    value.metadata.plugin_data.plugin_name = "scalars"
    theirs = event_pb2.Event.FromString(event.SerializeToString())
    assert theirs.summary.value[0].tensor.float_val == [0.25]
    assert m.Event.FromString(theirs.SerializeToString()) == event


def test_enum_helpers() -> None:
    assert m.DataType.DT_FLOAT == 1 and m.DataType.name(19) == "DT_HALF"
    assert m.DataType.name(999) == "999"
    with pytest.raises(AttributeError):
        _ = m.DataType.DT_NOPE
