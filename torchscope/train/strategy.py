"""Where and how the model runs: one device, DataParallel, or DistributedDataParallel.

A strategy places the model, wraps it, shards the data and reduces statistics across processes.
The learner always keeps the plain module in ``learner.model``; ``strategy.wrapped`` is what the
training step calls.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler

from torchscope.train.data import ShardSampler, is_shuffled, with_sampler

logger = logging.getLogger("torchscope.train")

_TORCHRUN_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def default_device() -> torch.device:
    """The first GPU when there is one, else the CPU."""
    return torch.device("cuda", 0) if torch.cuda.is_available() else torch.device("cpu")


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class Strategy:
    """Single-device training; the base class of the other strategies."""

    name = "single"

    def __init__(self, device: str | torch.device | None = None) -> None:
        self.device = torch.device(device) if device is not None else default_device()
        self.wrapped: nn.Module | None = None

    # -- process topology -------------------------------------------------------------------
    @property
    def rank(self) -> int:
        return 0

    @property
    def world_size(self) -> int:
        return 1

    @property
    def is_main(self) -> bool:
        """Whether this process logs and saves (rank 0)."""
        return self.rank == 0

    # -- model and data ---------------------------------------------------------------------
    def setup(self, model: nn.Module) -> nn.Module:
        """Move ``model`` to the device and return the module the training step calls."""
        model.to(self.device)
        self.wrapped = model
        return model

    def inference_module(self, model: nn.Module) -> nn.Module:
        """The module to call for validation and prediction."""
        return self.wrapped if self.wrapped is not None else model

    def prepare_train_loader(self, loader: DataLoader) -> DataLoader:
        return loader

    def prepare_valid_loader(self, loader: DataLoader) -> DataLoader:
        return loader

    def set_epoch(self, loader: DataLoader, epoch: int) -> None:
        """Tell a distributed sampler which epoch starts (it reshuffles per epoch)."""

    # -- collectives --------------------------------------------------------------------------
    def all_reduce_sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """The element-wise sum of ``tensor`` over all processes."""
        return tensor

    def all_reduce_mean(self, tensor: torch.Tensor) -> torch.Tensor:
        """The element-wise mean of ``tensor`` over all processes."""
        return self.all_reduce_sum(tensor) / self.world_size

    def barrier(self) -> None:
        """Wait until every process reaches this point."""

    def teardown(self) -> None:
        """Release what :meth:`setup` acquired (process groups)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(device={self.device})"


class SingleDevice(Strategy):
    """Train on one device (the default)."""


class DataParallelStrategy(Strategy):
    """``nn.DataParallel`` over the visible GPUs (or ``device_ids``).

    With no GPU visible it falls back to the plain module on the CPU and logs a note: DataParallel
    would only run the module anyway. The global batch is split across the GPUs, so each GPU sees
    ``batch_size / n_gpus`` samples.
    """

    name = "data_parallel"

    def __init__(self, device_ids: list[int] | None = None) -> None:
        n_gpus = torch.cuda.device_count()
        if device_ids is not None and n_gpus and any(i >= n_gpus for i in device_ids):
            raise ValueError(f"device_ids {device_ids} name GPUs beyond the {n_gpus} visible")
        self.device_ids = device_ids if device_ids is not None else list(range(n_gpus))
        super().__init__(torch.device("cuda", self.device_ids[0]) if n_gpus else "cpu")
        self.fell_back = n_gpus == 0

    def setup(self, model: nn.Module) -> nn.Module:
        if self.fell_back:
            logger.info(
                "DataParallel: no GPU is visible, training the plain module on the CPU instead"
            )
            return super().setup(model)
        model.to(self.device)
        self.wrapped = nn.DataParallel(model, device_ids=self.device_ids)
        return self.wrapped


class DDPStrategy(Strategy):
    """``DistributedDataParallel`` for a process started by ``torchrun``.

    The process group is initialised from the environment torchrun sets (``RANK``, ``WORLD_SIZE``,
    ``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``) unless it already is: nccl with one GPU per
    process when CUDA is available, gloo on the CPU. On the CPU each process gets
    ``cores // local_world_size`` threads so that processes do not fight over cores. Training data
    is sharded by a ``DistributedSampler`` (which pads the last round so every rank takes the same
    number of steps); validation data by an unpadded :class:`ShardSampler`, so the all-reduced
    metrics cover each sample exactly once. Validation and prediction call the inner module, so they
    take no collective step and shards may differ in length.
    """

    name = "ddp"

    def __init__(
        self,
        backend: str | None = None,
        find_unused_parameters: bool = False,
        timeout: timedelta | None = None,
    ) -> None:
        self._owns_group = False
        if not dist.is_available():
            raise RuntimeError("strategy='ddp' needs a torch build with torch.distributed")
        if not dist.is_initialized():
            missing = [name for name in _TORCHRUN_ENV if name not in os.environ]
            if missing:
                raise RuntimeError(
                    "strategy='ddp' must run under torchrun "
                    "(python -m torch.distributed.run --nproc_per_node=N script.py); "
                    f"missing environment variables: {', '.join(missing)}"
                )
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        local_world = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1")))
        use_cuda = torch.cuda.is_available()
        if use_cuda:
            torch.cuda.set_device(self.local_rank)
            device = torch.device("cuda", self.local_rank)
        else:
            device = torch.device("cpu")
            # One intra-op pool per process on shared cores is many times slower (oversubscribed).
            torch.set_num_threads(max(1, usable_cores() // max(1, local_world)))
        super().__init__(device)
        self.backend = backend or ("nccl" if use_cuda else "gloo")
        self.find_unused_parameters = find_unused_parameters
        if not dist.is_initialized():
            if timeout is None:
                dist.init_process_group(backend=self.backend, init_method="env://")
            else:
                dist.init_process_group(backend=self.backend, init_method="env://", timeout=timeout)
            self._owns_group = True

    @property
    def rank(self) -> int:
        return dist.get_rank()

    @property
    def world_size(self) -> int:
        return dist.get_world_size()

    def setup(self, model: nn.Module) -> nn.Module:
        from torch.nn.parallel import DistributedDataParallel

        model.to(self.device)
        device_ids = [self.local_rank] if self.device.type == "cuda" else None
        self.wrapped = DistributedDataParallel(
            model, device_ids=device_ids, find_unused_parameters=self.find_unused_parameters
        )
        return self.wrapped

    def inference_module(self, model: nn.Module) -> nn.Module:
        # The inner module: DDP's forward may broadcast buffers, a collective that would hang
        # when validation shards have different lengths.
        return model

    def prepare_train_loader(self, loader: DataLoader) -> DataLoader:
        if isinstance(loader.sampler, DistributedSampler):
            return loader
        sampler: DistributedSampler[Any] = DistributedSampler(
            loader.dataset,
            num_replicas=self.world_size,
            rank=self.rank,
            shuffle=is_shuffled(loader),
            drop_last=loader.drop_last,
        )
        return with_sampler(loader, sampler, "train_data")

    def prepare_valid_loader(self, loader: DataLoader) -> DataLoader:
        if isinstance(loader.sampler, (DistributedSampler, ShardSampler)):
            return loader
        sampler = ShardSampler(len(loader.dataset), self.world_size, self.rank)  # type: ignore[arg-type]
        return with_sampler(loader, sampler, "valid_data")

    def set_epoch(self, loader: DataLoader, epoch: int) -> None:
        if isinstance(loader.sampler, DistributedSampler):
            loader.sampler.set_epoch(epoch)

    def all_reduce_sum(self, tensor: torch.Tensor) -> torch.Tensor:
        reduced = tensor.detach().clone()
        dist.all_reduce(reduced, op=dist.ReduceOp.SUM)
        return reduced

    def barrier(self) -> None:
        dist.barrier()

    def teardown(self) -> None:
        if self._owns_group and dist.is_initialized():
            # No process may tear its group down while a peer still talks to it.
            dist.barrier()
            dist.destroy_process_group()
            self._owns_group = False


def resolve_strategy(
    strategy: str | Strategy | None, device: str | torch.device | None
) -> Strategy:
    """Turn the ``strategy`` argument of the learner into a :class:`Strategy`."""
    if isinstance(strategy, Strategy):
        if device is not None:
            raise ValueError(
                "pass device to the Strategy object, not to the Learner, or not at all"
            )
        return strategy
    if strategy is None or strategy == "single":
        return SingleDevice(device)
    if device is not None:
        raise ValueError(f"device cannot be set with strategy={strategy!r}: it picks the devices")
    if strategy in ("dp", "data_parallel"):
        return DataParallelStrategy()
    if strategy == "ddp":
        return DDPStrategy()
    raise ValueError(
        "strategy must be 'single', 'data_parallel' (or 'dp'), 'ddp' or a Strategy, "
        f"got {strategy!r}"
    )
