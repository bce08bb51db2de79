"""Protobuf message classes for TensorBoard event files.

The schema lives in ``proto/*.proto`` (package ``torchscope.tb``, wire-identical to
TensorBoard's). The classes are built at import time from the compiled descriptors in
``proto/_compiled.py`` rather than from protoc's generated modules, because those pin the
protobuf runtime version they were generated with.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf import struct_pb2 as _struct_pb2  # registers google/protobuf/struct.proto

from torchscope.events.proto._compiled import FILES

__all__ = [
    "AttrValue",
    "DataClass",
    "DataType",
    "DeviceStepStats",
    "EmbeddingInfo",
    "Event",
    "GraphDef",
    "HParamsPluginData",
    "HistogramProto",
    "Layout",
    "LogMessage",
    "MeshPluginData",
    "NodeDef",
    "PrCurvePluginData",
    "ProjectorConfig",
    "RunMetadata",
    "SessionLog",
    "SourceMetadata",
    "Summary",
    "SummaryMetadata",
    "TaggedRunMetadata",
    "TensorProto",
    "TensorShapeProto",
    "TextPluginData",
    "VersionDef",
]

_POOL = descriptor_pool.Default()
_ = _struct_pb2.Value  # the hparams protos import struct.proto, which must be in the pool


def _register_files() -> None:
    for serialized in FILES:
        name = descriptor_pb2.FileDescriptorProto.FromString(serialized).name
        try:
            _POOL.FindFileByName(name)
        except KeyError:
            _POOL.AddSerializedFile(serialized)


def _message(full_name: str) -> Any:
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(full_name))


class _Enum:
    """Name <-> number lookup for one proto enum (``DataType.DT_FLOAT == 1``)."""

    def __init__(self, full_name: str) -> None:
        descriptor = _POOL.FindEnumTypeByName(full_name)
        self._by_name = {v.name: v.number for v in descriptor.values}
        self._by_number = {v.number: v.name for v in descriptor.values}

    def __getattr__(self, name: str) -> int:
        try:
            return self._by_name[name]
        except KeyError:
            raise AttributeError(name) from None

    def name(self, number: int) -> str:
        """The value's name, or ``str(number)`` for a value this schema does not know."""
        return self._by_number.get(number, str(number))


_register_files()

Event: Any = _message("torchscope.tb.Event")
SourceMetadata: Any = _message("torchscope.tb.SourceMetadata")
LogMessage: Any = _message("torchscope.tb.LogMessage")
SessionLog: Any = _message("torchscope.tb.SessionLog")
TaggedRunMetadata: Any = _message("torchscope.tb.TaggedRunMetadata")
Summary: Any = _message("torchscope.tb.Summary")
SummaryMetadata: Any = _message("torchscope.tb.SummaryMetadata")
HistogramProto: Any = _message("torchscope.tb.HistogramProto")
TensorProto: Any = _message("torchscope.tb.TensorProto")
TensorShapeProto: Any = _message("torchscope.tb.TensorShapeProto")
GraphDef: Any = _message("torchscope.tb.GraphDef")
NodeDef: Any = _message("torchscope.tb.NodeDef")
AttrValue: Any = _message("torchscope.tb.AttrValue")
VersionDef: Any = _message("torchscope.tb.VersionDef")
RunMetadata: Any = _message("torchscope.tb.RunMetadata")
DeviceStepStats: Any = _message("torchscope.tb.DeviceStepStats")
PrCurvePluginData: Any = _message("torchscope.tb.PrCurvePluginData")
TextPluginData: Any = _message("torchscope.tb.TextPluginData")
Layout: Any = _message("torchscope.tb.Layout")
HParamsPluginData: Any = _message("torchscope.tb.hparams.HParamsPluginData")
MeshPluginData: Any = _message("torchscope.tb.mesh.MeshPluginData")
ProjectorConfig: Any = _message("torchscope.tb.projector.ProjectorConfig")
EmbeddingInfo: Any = _message("torchscope.tb.projector.EmbeddingInfo")

DataType = _Enum("torchscope.tb.DataType")
DataClass = _Enum("torchscope.tb.DataClass")
