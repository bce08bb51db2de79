"""Turning user data into DataLoaders, moving batches to a device, splitting inputs from targets."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, RandomSampler, Sampler


def to_loader(data: Any, batch_size: int, shuffle: bool, argument: str) -> DataLoader:
    """Return ``data`` as a DataLoader: loaders pass through, datasets get ``batch_size``.

    ``argument`` names the caller's parameter in error messages.
    """
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, Dataset):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle)
    raise TypeError(f"{argument} must be a torch DataLoader or Dataset, got {type(data).__name__}")


def move_to_device(obj: Any, device: torch.device) -> Any:
    """Move every tensor inside nested tuples, lists and dicts to ``device``."""
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=True)
    if isinstance(obj, (list, tuple)):
        return type(obj)(move_to_device(item, device) for item in obj)
    if isinstance(obj, dict):
        return {key: move_to_device(value, device) for key, value in obj.items()}
    return obj


def split_batch(batch: Any, n_inputs: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Split a batch into (inputs, targets): the first ``n_inputs`` items are inputs.

    A bare tensor is a batch of inputs with no targets (test data).
    """
    if isinstance(batch, torch.Tensor):
        return (batch,), ()
    if isinstance(batch, Sequence) and not isinstance(batch, str):
        items = tuple(batch)
        return items[:n_inputs], items[n_inputs:]
    raise TypeError(
        f"a batch must be a tensor or a tuple/list of tensors, got {type(batch).__name__}"
    )


def is_shuffled(loader: DataLoader) -> bool:
    """Whether ``loader`` draws its samples in random order."""
    return isinstance(loader.sampler, RandomSampler)


class ShardSampler(Sampler[int]):
    """Every ``num_replicas``-th index starting at ``rank``, in order, without padding.

    Used for validation under DDP: unlike DistributedSampler it never repeats samples, so the
    all-reduced metrics are exactly those of the whole validation set.
    """

    def __init__(self, length: int, num_replicas: int, rank: int) -> None:
        self.length = length
        self.num_replicas = num_replicas
        self.rank = rank

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.rank, self.length, self.num_replicas))

    def __len__(self) -> int:
        return len(range(self.rank, self.length, self.num_replicas))


def with_sampler(loader: DataLoader, sampler: Sampler[int], argument: str) -> DataLoader:
    """A copy of ``loader`` that draws from ``sampler`` and keeps every other setting."""
    if isinstance(loader.dataset, IterableDataset):
        raise ValueError(f"{argument}: an IterableDataset cannot be sharded by a sampler")
    if loader.batch_size is None:
        raise ValueError(
            f"{argument}: a DataLoader with a custom batch_sampler cannot be sharded; "
            "pass a DataLoader built with batch_size"
        )
    extra: dict[str, Any] = {}
    if loader.num_workers > 0:
        extra = {
            "prefetch_factor": loader.prefetch_factor,
            "persistent_workers": loader.persistent_workers,
        }
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size,
        sampler=sampler,
        num_workers=loader.num_workers,
        collate_fn=loader.collate_fn,
        pin_memory=loader.pin_memory,
        drop_last=loader.drop_last,
        timeout=loader.timeout,
        worker_init_fn=loader.worker_init_fn,
        **extra,
    )


def first_items(loader: DataLoader, n: int) -> Any:
    """The first ``n`` samples of ``loader`` as one batch (fewer if the loader is shorter)."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    parts: list[Any] = []
    taken = 0
    for batch in loader:
        parts.append(batch)
        taken += _batch_len(batch)
        if taken >= n:
            break
    if not parts:
        raise ValueError("the data is empty")
    return _truncate(_concat(parts), n)


def _batch_len(batch: Any) -> int:
    if isinstance(batch, torch.Tensor):
        return int(batch.shape[0])
    return _batch_len(batch[0])


def _concat(parts: list[Any]) -> Any:
    first = parts[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(parts)
    return type(first)(_concat([p[i] for p in parts]) for i in range(len(first)))


def _truncate(batch: Any, n: int) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch[:n]
    return type(batch)(_truncate(item, n) for item in batch)
