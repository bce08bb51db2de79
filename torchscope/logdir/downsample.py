"""Downsampling that keeps spikes: per bucket, the first, last, minimum and maximum point.

A chart ``N`` pixels wide cannot show more than ``N`` columns, but a uniform sample of the points
(TensorBoard's reservoir) loses the short spikes that are often the reason to look. Splitting the
series into ``N`` buckets of consecutive points and keeping, for each, its first, last, lowest
and highest point draws the same envelope as the full series with at most ``4 N`` points.
Non-finite values (NaN, ±inf, a diverged run) are kept too: the first one of each bucket.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def bucket_indices(values: npt.NDArray[np.floating], buckets: int) -> npt.NDArray[np.int64]:
    """Indices (sorted, unique) of the points to keep so that every bucket's extremes survive.

    ``values`` is in drawing order; buckets are runs of consecutive points of equal length.
    """
    if buckets < 1:
        raise ValueError(f"buckets must be >= 1, got {buckets}")
    count = int(values.shape[0])
    if count <= 4 * buckets:
        return np.arange(count, dtype=np.int64)
    width = -(-count // buckets)  # ceil: every bucket but the last holds `width` points
    rows = -(-count // width)
    padded = rows * width
    finite = np.isfinite(values)

    as_min = np.full(padded, np.inf, dtype=np.float64)
    as_min[:count] = np.where(finite, values, np.inf)
    as_max = np.full(padded, -np.inf, dtype=np.float64)
    as_max[:count] = np.where(finite, values, -np.inf)
    offsets = np.arange(rows, dtype=np.int64) * width

    argmin = as_min.reshape(rows, width).argmin(axis=1) + offsets
    argmax = as_max.reshape(rows, width).argmax(axis=1) + offsets
    firsts = offsets
    lasts = np.minimum(offsets + width, count) - 1
    parts = [firsts, lasts, argmin, argmax]

    if not finite.all():
        bad = np.zeros(padded, dtype=bool)
        bad[:count] = ~finite
        grid = bad.reshape(rows, width)
        has_bad = grid.any(axis=1)
        parts.append((grid.argmax(axis=1) + offsets)[has_bad])

    keep = np.unique(np.concatenate(parts))
    return keep[keep < count]
