"""What to explain: a class index, one per sample, or any function of the model output."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeAlias

import torch

Target: TypeAlias = int | Sequence[int] | torch.Tensor | Callable[[torch.Tensor], torch.Tensor]
"""An ``int`` (the same class for every sample), a sequence or 1-D tensor of class indices (one
per sample), or a callable mapping the model output to one score per sample, shape ``(N,)``.
Integrated gradients, SmoothGrad and occlusion call it on several copies of the batch stacked
along dim 0, so a callable should work row by row (``lambda out: out[:, 3] - out[:, 5]``)."""


def check_target(target: object, batch_size: int) -> Target:
    """Validate ``target`` against the batch before any work is done."""
    if callable(target):
        return target
    if isinstance(target, bool):
        raise TypeError(
            "target must be an int, a sequence of ints, a 1-D tensor or a callable, got bool"
        )
    if isinstance(target, int):
        return target
    if isinstance(target, torch.Tensor):
        if target.dim() == 0:
            return int(target.item())
        if target.dim() != 1 or target.is_floating_point() or target.is_complex():
            raise ValueError(
                f"target tensor must be 1-D of integer class indices, "
                f"got {target.dtype} {tuple(target.shape)}"
            )
        indices = [int(v) for v in target.tolist()]
    elif isinstance(target, Sequence) and not isinstance(target, (str, bytes)):
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in target):
            raise TypeError(f"target sequence must hold ints, got {list(target)!r}")
        indices = list(target)
    else:
        raise TypeError(
            "target must be an int, a sequence of ints, a 1-D tensor or a callable, "
            f"got {type(target).__name__}"
        )
    if len(indices) != batch_size:
        raise ValueError(f"target has {len(indices)} entries but inputs hold {batch_size} samples")
    return indices


def target_scores(output: torch.Tensor, target: Target) -> torch.Tensor:
    """One score per sample, shape ``(N,)``: the quantity whose explanation is asked for.

    For an index, the output's channel (dim 1) is taken and any further dims are summed, so a
    segmentation output ``(N, K, H, W)`` is explained as the total score of class ``k``.
    """
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"the model must return a tensor, got {type(output).__name__}")
    n = output.shape[0]
    if callable(target):
        scores = target(output)
        if not isinstance(scores, torch.Tensor) or scores.shape != (n,):
            shape = (
                tuple(scores.shape) if isinstance(scores, torch.Tensor) else type(scores).__name__
            )
            raise ValueError(
                f"a callable target must return one score per sample, shape ({n},), got {shape}"
            )
        return scores
    if output.dim() < 2:
        raise ValueError(
            f"an index target needs a model output of shape (N, classes, ...), "
            f"got {tuple(output.shape)}; "
            "pass a callable target instead"
        )
    classes = output.shape[1]
    indices = [target] * n if isinstance(target, int) else list(target)
    if len(indices) != n:
        raise ValueError(f"target has {len(indices)} entries but the output has {n} rows")
    # Checked on the host: a check on the device would wait for the forward pass to finish.
    if indices and (min(indices) < -classes or max(indices) >= classes):
        raise ValueError(f"target {indices} is out of range for an output with {classes} classes")
    index = torch.tensor([i % classes for i in indices], dtype=torch.long, device=output.device)
    picked = output.gather(
        1, index.view(n, 1, *([1] * (output.dim() - 2))).expand(n, 1, *output.shape[2:])
    )
    return picked.reshape(n, -1).sum(dim=1)


def repeat_target(target: Target, times: int) -> Target:
    """The target for ``times`` copies of a batch stacked along dim 0 (copy-major)."""
    if callable(target) or isinstance(target, int):
        return target
    return list(target) * times
