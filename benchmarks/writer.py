"""SummaryWriter cost per call: torch.utils.tensorboard vs tensorboardX vs torchscope.

Each library logs the same work into a fresh directory, flushing at the end so the
background writing is counted too; the median of several repeats is reported. Cost is
measured as CPU time of the whole process (all threads, so the writer threads count),
which a busy shared machine skews far less than wall time.

    python benchmarks/writer.py [--repeats 5] [--scalars 20000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

import torch


def _writers() -> dict[str, Callable[[str], Any]]:
    from tensorboardX import SummaryWriter as XWriter
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    from torchscope import SummaryWriter

    return {"torch": TorchWriter, "tensorboardX": XWriter, "torchscope": SummaryWriter}


def _time(factory: Callable[[str], Any], work: Callable[[Any], None], repeats: int) -> float:
    """Median CPU seconds (all threads) of ``work(writer)`` followed by ``writer.flush()``."""
    samples = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as directory:
            writer = factory(directory)
            work(writer)  # warm-up: first-call imports and caches are not the steady cost
            writer.flush()
            start = time.process_time()
            work(writer)
            writer.flush()
            samples.append(time.process_time() - start)
            writer.close()
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scalars", type=int, default=20_000)
    args = parser.parse_args()
    torch.manual_seed(0)
    values = torch.randn(1_000_000)
    image = torch.rand(3, 256, 256)
    scalar_count = args.scalars

    def scalars(writer: Any) -> None:
        for step in range(scalar_count):
            writer.add_scalar("loss", 0.5, step)

    def histogram(writer: Any) -> None:
        writer.add_histogram("weights", values, 0)

    def images(writer: Any) -> None:
        for step in range(5):
            writer.add_image("image", image, step)

    results: dict[str, dict[str, float]] = {}
    for name, factory in _writers().items():
        results[name] = {
            "add_scalar calls/s": scalar_count / _time(factory, scalars, args.repeats),
            "add_histogram 1M ms": 1e3 * _time(factory, histogram, args.repeats),
            "add_image 3x256x256 ms": 1e3 * _time(factory, images, args.repeats) / 5,
        }

    metrics = list(results["torch"])
    print(f"{'metric':<26}" + "".join(f"{name:>14}" for name in results))
    for metric in metrics:
        print(f"{metric:<26}" + "".join(f"{results[n][metric]:>14.1f}" for n in results))
    ours, torch_writer, tbx = results["torchscope"], results["torch"], results["tensorboardX"]
    scalar_ratio = ours["add_scalar calls/s"] / torch_writer["add_scalar calls/s"]
    histogram_ratio = ours["add_histogram 1M ms"] / torch_writer["add_histogram 1M ms"]
    print()
    print(f"add_scalar throughput vs torch:     {scalar_ratio:6.1f}x  (target >= 10x)")
    print(f"add_histogram time vs torch:        {histogram_ratio:6.2f}x  (target <= 0.5x)")
    print(
        f"add_image time vs tensorboardX:     "
        f"{ours['add_image 3x256x256 ms'] / tbx['add_image 3x256x256 ms']:6.2f}x  (target <= 1x)"
    )
    print(
        f"add_image time vs torch:            "
        f"{ours['add_image 3x256x256 ms'] / torch_writer['add_image 3x256x256 ms']:6.2f}x"
    )


if __name__ == "__main__":
    main()
