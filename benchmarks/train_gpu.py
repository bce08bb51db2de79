"""torchscope.train on one CUDA GPU against a hand-written PyTorch loop (the anchor).

Wall time per optimizer step, the GPU synchronised only at the end of each epoch, median of
``--repeats`` epochs, for a launch-bound small MLP (where any per-step synchronisation or Python
overhead shows) and a small CNN; then the same with ``TorchscopeLogger`` writing a logdir and
the CUDA-scalar path of ``SummaryWriter``. Needs a GPU: ``python benchmarks/train_gpu.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from torchscope.train import Learner, TorchscopeLogger  # noqa: E402

DEVICE = torch.device("cuda", 0) if torch.cuda.is_available() else torch.device("cpu")


def mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                         nn.Linear(256, 10))  # fmt: skip


def cnn() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1, stride=2), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1, stride=2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
    )  # fmt: skip


class GpuBatches(Dataset):
    """Whole batches already on the GPU: both loops time the training, not the loader."""

    def __init__(self, shape: tuple[int, ...], n: int, batch: int) -> None:
        gen = torch.Generator().manual_seed(0)
        x = torch.randn(n * batch, *shape, generator=gen).to(DEVICE)
        y = torch.randint(0, 10, (n * batch,), generator=gen).to(DEVICE)
        self.items = [(x[i * batch : (i + 1) * batch], y[i * batch : (i + 1) * batch])
                      for i in range(n)]  # fmt: skip

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.items[index]


def batches(shape: tuple[int, ...], n: int, batch: int) -> DataLoader:
    return DataLoader(GpuBatches(shape, n, batch), batch_size=None, shuffle=False)


def hand_loop(model: nn.Module, data: DataLoader, writer: Any = None) -> float:
    model.to(DEVICE).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    torch.cuda.synchronize()
    start = time.perf_counter()
    for step, (xb, yb) in enumerate(data):
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if writer is not None:
            writer.add_scalar("loss", loss.detach(), step)
    torch.cuda.synchronize()
    elapsed = (time.perf_counter() - start) / len(data)
    if writer is not None:
        writer.close()
    return elapsed


def compare_writers(
    name: str, make: Callable[[], nn.Module], data: DataLoader, repeats: int
) -> None:
    """A hand loop logging its loss every step: torch's SummaryWriter against torchscope's."""
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    from torchscope import SummaryWriter

    with tempfile.TemporaryDirectory() as tmp:
        writers = {
            "no logging": lambda i: None,
            "torch SummaryWriter": lambda i: TorchWriter(f"{tmp}/torch{i}"),
            "torchscope SummaryWriter": lambda i: SummaryWriter(f"{tmp}/ours{i}"),
        }
        runs: dict[str, list[float]] = {key: [] for key in writers}
        for i in range(repeats + 1):
            for key, make_writer in writers.items():
                t = hand_loop(make(), data, make_writer(i))
                if i:
                    runs[key].append(t)
    base = statistics.median(runs["no logging"])
    for key in ("torch SummaryWriter", "torchscope SummaryWriter"):
        got = statistics.median(runs[key])
        print(f"| {name} | hand loop + {key} | {base * 1e3:.3f} ms | {got * 1e3:.3f} ms "
              f"| {got / base:.3f}x |")  # fmt: skip


def learner_loop(model: nn.Module, data: DataLoader, logdir: Path | None) -> float:
    # Per-step logging only: the epoch-end extras (graph, explanations, embeddings) are one-offs.
    logger = TorchscopeLogger(
        str(logdir), every=1, histogram_every=0, explain=(), graph=False, embeddings=False,
        pr_curves=False, hparams=False,
    )  # fmt: skip
    callbacks = [] if logdir is None else [logger]
    learner = Learner(model, data, lr=1e-3, callbacks=callbacks, progress=False, device=DEVICE)
    learner._prepare()  # optimizer creation is a one-off, not a per-step cost
    torch.cuda.synchronize()
    start = time.perf_counter()
    learner.fit(1)
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / len(data)


def compare(name: str, make: Callable[[], nn.Module], data: DataLoader, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        runs: dict[str, list[float]] = {"hand": [], "learner": [], "learner+logger": []}
        for i in range(repeats + 1):  # the first round warms up kernels and allocator
            for which in ("hand", "learner", "learner+logger"):
                if which == "hand":
                    t = hand_loop(make(), data)
                else:
                    t = learner_loop(make(), data, Path(tmp) / str(i) if "+" in which else None)
                if i:
                    runs[which].append(t)
    hand = statistics.median(runs["hand"])
    for which in ("learner", "learner+logger"):
        got = statistics.median(runs[which])
        print(
            f"| {name} | {which} | {hand * 1e3:.3f} ms | {got * 1e3:.3f} ms | {got / hand:.3f}x |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("benchmarks/train_gpu.py: no CUDA GPU here, nothing to measure")
        return
    print(f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    print("| model | run | anchor per step | torchscope per step | ratio |")
    print("| --- | --- | --- | --- | --- |")
    compare("MLP 64-256-256-10, batch 256", mlp, batches((64,), 200, 256), args.repeats)
    compare("CNN 3x32x32, batch 128", cnn, batches((3, 32, 32), 100, 128), args.repeats)
    compare_writers("CNN 3x32x32, batch 128", cnn, batches((3, 32, 32), 100, 128), args.repeats)
    # GPU-bound: the device, not the launches, sets the pace; a wait per step stalls the queue.
    big = batches((3, 128, 128), 40, 256)
    compare("CNN 3x128x128, batch 256", cnn, big, args.repeats)
    compare_writers("CNN 3x128x128, batch 256", cnn, big, args.repeats)


if __name__ == "__main__":
    main()
