"""``SummaryWriter.add_explanation``: an explanation record as one string-tensor summary.

The record's JSON is a 1-element ``DT_STRING`` tensor with ``plugin_name``
``"torchscope_explain"``: torchscope's Explain view reads it, and TensorBoard keeps it as a
tensor of an unknown plugin (it neither drops nor misreads it).
"""

from __future__ import annotations

from typing import Any

import orjson

from torchscope.client.explain_records import EXPLAIN_PLUGIN, record_json
from torchscope.events.messages import (
    DataType,
    Summary,
    SummaryMetadata,
    TensorProto,
    TensorShapeProto,
)

__all__ = ["EXPLAIN_PLUGIN", "explanation_value"]

#: Version of the summary's plugin content, for readers to check.
PLUGIN_CONTENT = orjson.dumps({"version": 1})


def explanation_value(tag: str, record: Any) -> Any:
    """The ``Summary.Value`` of one explanation record under ``tag``."""
    if not isinstance(tag, str) or not tag:
        raise ValueError(f"tag must be a non-empty str, got {tag!r}")
    tensor = TensorProto(
        dtype=DataType.DT_STRING,
        string_val=[record_json(record)],
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]),
    )
    metadata = SummaryMetadata(
        plugin_data=SummaryMetadata.PluginData(plugin_name=EXPLAIN_PLUGIN, content=PLUGIN_CONTENT),
        summary_description="torchscope explanation record",
    )
    return Summary.Value(tag=tag, tensor=tensor, metadata=metadata)
