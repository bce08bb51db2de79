"""Display-only downsampling of long traces: min/max per bucket, so spikes stay visible.

The store keeps every point; only what is pushed to browsers for drawing is thinned.
"""

from __future__ import annotations

import numpy as np

#: Traces longer than this are thinned when a window is sent to a browser.
DISPLAY_POINTS = 4000


def minmax_indices(y: np.ndarray, target: int = DISPLAY_POINTS) -> np.ndarray:
    """Sorted indices into ``y`` keeping the first, last, and each bucket's min and max.

    About ``target`` indices come back; NaN values (gaps) are kept only if a whole bucket is NaN.
    """
    n = int(y.size)
    if n <= target:
        return np.arange(n)
    buckets = max(1, target // 2)
    size = -(-n // buckets)  # ceil
    padded = np.full(buckets * size, np.nan)
    padded[:n] = y
    rows = padded.reshape(buckets, size)
    nan = np.isnan(rows)
    lows = np.where(nan, np.inf, rows).argmin(axis=1)
    highs = np.where(nan, -np.inf, rows).argmax(axis=1)
    offsets = np.arange(buckets) * size
    picked = np.concatenate(([0, n - 1], offsets + lows, offsets + highs))
    picked = picked[picked < n]
    return np.unique(picked)
