"""Exporting every scalar of a logdir: ``torchscope export`` against TensorBoard's reader.

The same logdir (written here with torch's SummaryWriter: 4 runs x 5 tags x STEPS points) is
turned into one CSV (run, tag, step, wall_time, value) by

* TensorBoard: ``EventAccumulator`` with no sampling (``size_guidance={"scalars": 0}``), then
  the csv module over its ``ScalarEvent`` lists (TensorBoard has no export command, and its
  UI's download keeps a 1,000-point sample a series);
* torchscope: ``open_logdir`` + ``export_scalars(..., "csv")``.

Times are medians of the repeated runs; the ratio is TensorBoard time / torchscope time
(> 1: torchscope is faster).

    python benchmarks/export.py            # 20,000 steps a series: 400,000 points
    python benchmarks/export.py --quick    # 5,000 steps a series
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from torchscope.export.scalars import export_scalars, open_logdir

RUNS, TAGS = 4, 5


def write_logdir(root: Path, steps: int) -> int:
    from torch.utils.tensorboard import SummaryWriter

    for run in range(RUNS):
        with SummaryWriter(str(root / f"run{run}"), max_queue=10_000) as writer:
            for step in range(steps):
                for tag in range(TAGS):
                    writer.add_scalar(f"metric{tag}", 1.0 / (step + tag + 1), step)
    return RUNS * TAGS * steps


def tensorboard_export(root: Path) -> int:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["run", "tag", "step", "wall_time", "value"])
    points = 0
    for run_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        accumulator = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
        accumulator.Reload()
        for tag in accumulator.Tags()["scalars"]:
            events = accumulator.Scalars(tag)
            writer.writerows((run_dir.name, tag, e.step, e.wall_time, e.value) for e in events)
            points += len(events)
    return points


def torchscope_export(root: Path) -> int:
    store = open_logdir(str(root))
    try:
        return export_scalars(store, io.BytesIO(), "csv")
    finally:
        store.close()


def median_time(work: Callable[[Path], int], root: Path, repeats: int) -> tuple[float, int]:
    times, points = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        points = work(root)
        times.append(time.perf_counter() - started)
    return statistics.median(times), points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 steps a series, 1 run each")
    args = parser.parse_args()
    steps, repeats = (5_000, 1) if args.quick else (20_000, 3)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        total = write_logdir(root, steps)
        tb_time, tb_points = median_time(tensorboard_export, root, repeats)
        ts_time, ts_points = median_time(torchscope_export, root, repeats)
    assert tb_points == ts_points == total, (tb_points, ts_points, total)
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {total:,} points to CSV")
    print(f"tensorboard EventAccumulator + csv: {tb_time:8.2f} s")
    print(f"torchscope export:                  {ts_time:8.2f} s")
    print(f"ratio (tensorboard / torchscope):   {tb_time / ts_time:8.2f}x")


if __name__ == "__main__":
    main()
