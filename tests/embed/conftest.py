"""Shared data for the embed tests: well separated clusters, seeded."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from torchscope.embed import ProjectionCache


def make_clusters(
    n_points: int, n_dims: int, n_clusters: int, seed: int = 0, spread: float = 10.0
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Gaussian blobs whose centres are ``spread`` apart on average, unit noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, spread, size=(n_clusters, n_dims))
    labels = np.arange(n_points) % n_clusters
    points = centres[labels] + rng.normal(size=(n_points, n_dims))
    return points.astype(np.float32), labels


@pytest.fixture
def clusters() -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    return make_clusters(300, 12, 3)


@pytest.fixture
def fresh_cache() -> ProjectionCache:
    return ProjectionCache(max_items=8)
