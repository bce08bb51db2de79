"""How many rows to push through a model per pass: measured on the first pass, not guessed.

A pass of many rows amortises per-call overhead, but on a CPU its activations soon leave the
cache, and tensors above glibc's mmap ceiling (32 MiB) are handed back to the kernel when freed
and page-faulted in again on the next pass: on the VGG- and ResNet-style benchmark models, 160
rows per pass cost 1.3x to 1.7x more per row than 16 to 32. So the first pass (one step of the
path) records the largest activation autograd keeps for backward, and later passes take as many
rows as keep that activation within a budget. On a GPU the budget is a share of the free memory
instead: there, bigger passes are simply faster.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

# Largest activation per pass on a CPU: half of glibc's mmap ceiling, which on the benchmark
# machines also kept one layer's input and output within the shared L3 cache.
CPU_ACTIVATION_BUDGET = 16 * 2**20
# Share of the free device memory that one pass's saved activations may take on a GPU.
DEVICE_MEMORY_SHARE = 0.25


class ActivationProbe:
    """What autograd saved during one forward pass, parameters left out."""

    def __init__(self, parameter_storages: set[int]) -> None:
        # Storages already counted: weights, and activations that several nodes save (a ReLU's
        # output is also the next convolution's input).
        self._seen = set(parameter_storages)
        self.largest = 0
        self.total = 0

    def record(self, tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage().data_ptr()
        if storage not in self._seen:
            self._seen.add(storage)
            size = tensor.numel() * tensor.element_size()
            self.largest = max(self.largest, size)
            self.total += size
        return tensor


@contextmanager
def probe_activations(model: nn.Module) -> Iterator[ActivationProbe]:
    """Measure the tensors saved for backward by the forward passes run inside the block.

    Saved tensors are exactly the activations a backward pass needs, so no hook touches the
    model; weights (which every pass shares) are recognised by their storage and left out.
    """
    storages = {p.untyped_storage().data_ptr() for p in model.parameters()}
    probe = ActivationProbe(storages)
    with torch.autograd.graph.saved_tensors_hooks(probe.record, _unpack):
        yield probe


def _unpack(tensor: torch.Tensor) -> torch.Tensor:
    return tensor


def groups_per_pass(
    probe: ActivationProbe, probed_groups: int, total_groups: int, device: torch.device
) -> int:
    """Groups of rows (steps of a path, noise samples ...) per pass, from a pass of
    ``probed_groups`` groups that ``probe`` measured; at least one, at most ``total_groups``."""
    if device.type == "cpu":
        per_group, budget = probe.largest / probed_groups, float(CPU_ACTIVATION_BUDGET)
    else:
        per_group, budget = probe.total / probed_groups, _device_budget(device)
    if per_group <= 0:
        return total_groups
    return max(1, min(total_groups, int(budget // per_group)))


def _device_budget(device: torch.device) -> float:
    if device.type == "cuda" and torch.cuda.is_available():
        free, _ = torch.cuda.mem_get_info(device)
        return DEVICE_MEMORY_SHARE * free
    # Other accelerators: a fixed, modest budget.
    return float(2**30)
