"""Multiply-accumulate counts of one layer call, from its weights and the tensors it saw.

Counted: convolutions (and transposed ones), Linear, Bilinear, RNN/LSTM/GRU and their cells,
MultiheadAttention. Other layers (norms, activations, pooling) do element-wise work and count
0, as in torchinfo; bias additions are not counted.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from torchscope.graph.params import numel


def _first_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, PackedSequence):
        return value.data
    if isinstance(value, list | tuple):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def _argument(args: tuple[Any, ...], kwargs: dict[str, Any], position: int, name: str) -> Any:
    return args[position] if len(args) > position else kwargs.get(name)


def mult_adds(module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> int:
    """Multiply-adds done by one call of ``module`` (0 for layers not listed above)."""
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        source = _first_tensor(_argument(args, kwargs, 0, "input"))
        if source is None:
            return 0
        return numel(module.weight) * (source.numel() // module.in_channels)
    if isinstance(module, nn.modules.conv._ConvNd):
        result = _first_tensor(output)
        return (
            0 if result is None else numel(module.weight) * (result.numel() // module.out_channels)
        )
    if isinstance(module, nn.Linear | nn.Bilinear):
        result = _first_tensor(output)
        return (
            0 if result is None else numel(module.weight) * (result.numel() // module.out_features)
        )
    if isinstance(module, nn.RNNBase):
        return _recurrent(module, _argument(args, kwargs, 0, "input"))
    if isinstance(module, nn.RNNCellBase):
        source = _first_tensor(_argument(args, kwargs, 0, "input"))
        if source is None:
            return 0
        steps = source.numel() // module.input_size
        return steps * (numel(module.weight_ih) + numel(module.weight_hh))
    if isinstance(module, nn.MultiheadAttention):
        return _attention(module, args, kwargs)
    return 0


def _recurrent(module: nn.RNNBase, source: Any) -> int:
    """Every direction of every layer multiplies each token by its weight matrices."""
    if isinstance(source, PackedSequence):
        tokens = int(source.data.shape[0])
    elif isinstance(source, torch.Tensor):
        tokens = source.numel() // module.input_size
    else:
        return 0
    weights = sum(
        numel(parameter)
        for name, parameter in module.named_parameters()
        if name.startswith("weight")
    )
    return tokens * weights


def _attention(module: nn.MultiheadAttention, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    query = _argument(args, kwargs, 0, "query")
    key = _argument(args, kwargs, 1, "key")
    if not isinstance(query, torch.Tensor) or not isinstance(key, torch.Tensor):
        return 0
    embed = module.embed_dim
    batched = query.dim() == 3
    batch = (query.shape[0] if module.batch_first else query.shape[1]) if batched else 1
    query_len = query.numel() // (embed * batch)
    key_len = key.numel() // (module.kdim * batch)
    projections = query_len * embed * embed + key_len * (module.kdim + module.vdim) * embed
    attention = 2 * query_len * key_len * embed  # scores, then the weighted sum of values
    output_projection = query_len * embed * embed
    return int(batch * (projections + attention + output_projection))
