"""Tensor metadata and "reference trees": which graph node produced each tensor of a value.

A reference tree (see :mod:`torchscope.graph.refs`) mirrors a runtime value with every
tensor replaced by a TensorRef naming the node that produced it. Indexing a tuple output
(``out, (h, c) = lstm(x)``) then needs no node of its own: the reference tree is indexed
instead, which is how tracer plumbing is folded away.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.utils import _pytree as pytree

from torchscope.graph.model import TensorInfo
from torchscope.graph.refs import TensorRef


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.float32`` -> ``"float32"``."""
    return str(dtype).removeprefix("torch.")


def tensor_info(tensor: torch.Tensor) -> TensorInfo:
    """Shape and dtype of a real or fake tensor (symbolic sizes become None)."""
    try:
        shape: tuple[int, ...] | None = tuple(int(size) for size in tensor.shape)
    except (TypeError, RuntimeError, ValueError):
        shape = None
    return TensorInfo(shape=shape, dtype=dtype_name(tensor.dtype))


def leaves_with_paths(value: Any) -> list[tuple[str, Any]]:
    """Leaves of a nested value with their key paths, e.g. ``[("['a'][0]", tensor)]``."""
    leaves, _ = pytree.tree_flatten_with_path(value)
    return [(pytree.keystr(path), leaf) for path, leaf in leaves]


def contains_tensor(value: Any) -> bool:
    """Whether a nested value holds at least one tensor."""
    return any(isinstance(leaf, torch.Tensor) for leaf in pytree.tree_leaves(value))


def info_leaves(infos: Any) -> list[TensorInfo]:
    """The TensorInfo leaves of an info tree."""
    return [leaf for leaf in pytree.tree_leaves(infos) if isinstance(leaf, TensorInfo)]


def contains_tensor_info(infos: Any) -> bool:
    """Whether an info tree describes at least one tensor."""
    return bool(info_leaves(infos))


def info_tree(value: Any) -> Any:
    """The value with tensors replaced by TensorInfo and other leaves by None."""
    return pytree.tree_map(
        lambda leaf: tensor_info(leaf) if isinstance(leaf, torch.Tensor) else None, value
    )


def refs_for_output(source: str, infos: Any) -> Any:
    """The reference tree of an op's output, given its info tree."""
    if isinstance(infos, TensorInfo):
        return TensorRef(source, infos, "")

    def to_ref(path: Any, leaf: Any) -> Any:
        return (
            TensorRef(source, leaf, pytree.keystr(path)) if isinstance(leaf, TensorInfo) else None
        )

    return pytree.tree_map_with_path(to_ref, infos)


def refs_for_input(name: str, value: Any, node_id_of: dict[str, str]) -> Any:
    """The reference tree of a model argument; ``node_id_of`` maps leaf names to node ids."""

    def to_ref(path: Any, leaf: Any) -> Any:
        if not isinstance(leaf, torch.Tensor):
            return None
        leaf_name = name + pytree.keystr(path)
        return TensorRef(node_id_of[leaf_name], tensor_info(leaf), "")

    return pytree.tree_map_with_path(to_ref, value)


def index_refs(refs: Any, key: Any) -> Any:
    """``refs[key]`` or ``getattr(refs, key)``; None where the tree has no such element."""
    try:
        if isinstance(key, str) and not isinstance(refs, dict):
            return getattr(refs, key)
        return refs[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
