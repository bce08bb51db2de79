"""References from a value to the graph nodes that produced its tensors (no torch needed).

A reference tree mirrors a runtime value (tuple, list, dict, namedtuple ...) with each tensor
replaced by a :class:`TensorRef` and each parameter or buffer by a :class:`ParamRef`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from torchscope.graph.model import TensorInfo


@dataclass(frozen=True)
class TensorRef:
    """A tensor produced by graph node ``source``; ``index`` locates it in the node's output."""

    source: str
    info: TensorInfo
    index: str = ""


@dataclass(frozen=True)
class ParamRef:
    """A parameter, buffer or constant tensor of the model (``target`` is its qualified name)."""

    target: str


def ref_leaves(refs: Any) -> list[TensorRef | ParamRef]:
    """Every TensorRef and ParamRef in a reference tree, in order."""
    return list(_iter_refs(refs))


def _iter_refs(value: Any) -> Iterator[TensorRef | ParamRef]:
    if isinstance(value, TensorRef | ParamRef):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _iter_refs(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _iter_refs(item)
