"""Shaping scalar series for the wire: TensorBoard's rows and CSV, torchscope's columns."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import numpy.typing as npt

from torchscope.logdir import ScalarView, bucket_indices
from torchscope.server.jsonresponse import replace_non_finite


def tb_rows(view: ScalarView, indices: npt.NDArray[np.int64] | None = None) -> list[Any]:
    """``[[wall_time, step, value], ...]`` as TensorBoard's scalars route answers."""
    walls, steps, values = view.wall_times, view.steps, view.values
    if indices is not None:
        walls, steps, values = walls[indices], steps[indices], values[indices]
    rows = list(zip(walls.tolist(), steps.tolist(), values.tolist(), strict=True))
    if not np.isfinite(values).all() or not np.isfinite(walls).all():
        return list(replace_non_finite(rows))
    return rows


def tb_csv(view: ScalarView) -> str:
    """TensorBoard's CSV download: a ``Wall time,Step,Value`` header, then one row a point."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Wall time", "Step", "Value"])
    writer.writerows(
        zip(view.wall_times.tolist(), view.steps.tolist(), view.values.tolist(), strict=True)
    )
    return out.getvalue()


def evenly_spaced(count: int, samples: int) -> npt.NDArray[np.int64]:
    """``samples`` indices spread over ``count`` points, first and last included."""
    if samples >= count:
        return np.arange(count, dtype=np.int64)
    if samples == 1:
        return np.array([count - 1], dtype=np.int64)
    return np.unique(np.linspace(0, count - 1, samples).round().astype(np.int64))


def step_range_mask(
    steps: npt.NDArray[np.int64], start: int | None, end: int | None
) -> npt.NDArray[np.int64] | None:
    """Indices of the points with ``start <= step <= end`` (None when both are open)."""
    if start is None and end is None:
        return None
    keep = np.ones(steps.shape[0], dtype=bool)
    if start is not None:
        keep &= steps >= start
    if end is not None:
        keep &= steps <= end
    return np.flatnonzero(keep)


def last_per_step(steps: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Indices that keep, for each step, the point written last, in step order.

    A job restarted from a checkpoint logs some steps twice; drawn in written order the curve
    zig-zags back. Keeping the newest value of each step draws what the final run did.
    """
    order = np.argsort(steps, kind="stable")
    sorted_steps = steps[order]
    last = np.ones(order.shape[0], dtype=bool)
    last[:-1] = sorted_steps[1:] != sorted_steps[:-1]
    return order[last]


def columns_payload(
    view: ScalarView,
    *,
    buckets: int | None,
    start: int | None = None,
    end: int | None = None,
    restart_aware: bool = False,
) -> dict[str, Any]:
    """torchscope's series answer: parallel ``step``/``wall_time``/``value`` lists.

    With ``buckets`` the points in range are reduced to each bucket's first, last, minimum and
    maximum (so spikes survive); without, every point in range is returned. ``restart_aware``
    keeps only the newest point of each step, sorted by step.
    """
    steps, walls, values = view.steps, view.wall_times, view.values
    if restart_aware:
        keep = last_per_step(steps)
        steps, walls, values = steps[keep], walls[keep], values[keep]
    selected = step_range_mask(steps, start, end)
    if selected is not None:
        steps, walls, values = steps[selected], walls[selected], values[selected]
    total = int(steps.shape[0])
    downsampled = False
    if buckets is not None and total > 4 * buckets:
        keep = bucket_indices(values, buckets)
        steps, walls, values = steps[keep], walls[keep], values[keep]
        downsampled = True
    value_list: list[Any] = values.tolist()
    if not np.isfinite(values).all():
        value_list = replace_non_finite(value_list)
    wall_list: list[Any] = walls.tolist()
    if not np.isfinite(walls).all():
        wall_list = replace_non_finite(wall_list)
    return {
        "total": total,
        "points": int(steps.shape[0]),
        "downsampled": downsampled,
        "step": steps.tolist(),
        "wall_time": wall_list,
        "value": value_list,
    }
