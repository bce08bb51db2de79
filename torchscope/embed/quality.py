"""How faithful a layout is: the share of each point's nearest neighbours it keeps."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._arrays import as_matrix, check_positive_int
from .neighbors import NeighborIndex


def knn_preservation(
    X: npt.ArrayLike, Y: npt.ArrayLike, k: int = 10, *, sample: int | None = None, seed: int = 0
) -> float:
    """Mean share of each point's ``k`` nearest neighbours in ``X`` that are also among its
    ``k`` nearest in the layout ``Y`` (euclidean in both). 1.0 keeps every neighbourhood.

    ``sample`` scores only that many randomly chosen points (the neighbours are still
    searched among all points), which keeps the measure cheap on large sets.
    """
    original = as_matrix(X, "X", min_rows=2)
    layout = as_matrix(Y, "Y", min_rows=2)
    if original.shape[0] != layout.shape[0]:
        raise ValueError(
            f"X and Y must have the same number of points, got {original.shape[0]} and "
            f"{layout.shape[0]}"
        )
    k = check_positive_int(k, "k")
    points = np.arange(original.shape[0])
    if sample is not None and check_positive_int(sample, "sample") < len(points):
        points = np.sort(np.random.default_rng(seed).choice(points, size=sample, replace=False))
    before = NeighborIndex(original, "euclidean").query(points, k).indices
    after = NeighborIndex(layout, "euclidean").query(points, k).indices
    kept = [
        np.intersect1d(a, b, assume_unique=True).size for a, b in zip(before, after, strict=True)
    ]
    return float(np.mean(kept)) / k
