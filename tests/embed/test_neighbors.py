from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from torchscope.embed import NeighborIndex, nearest_neighbors


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_matches_brute_force_scipy(metric: str) -> None:
    X = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
    distances = cdist(X.astype(np.float64), X.astype(np.float64), metric=metric)
    np.fill_diagonal(distances, np.inf)
    for point in (0, 17, 299):
        found = nearest_neighbors(X, point, k=7, metric=metric)
        expected = np.argsort(distances[point], kind="stable")[:7]
        np.testing.assert_array_equal(found.indices, expected)
        np.testing.assert_allclose(found.distances, distances[point, expected], atol=1e-6)


def test_sequence_of_indices_and_graph_agree() -> None:
    X = np.random.default_rng(1).normal(size=(50, 4))
    index = NeighborIndex(X, "euclidean")
    several = index.query([3, 9], k=5)
    assert several.indices.shape == (2, 5)
    graph = index.graph(5)
    np.testing.assert_array_equal(graph.indices[[3, 9]], several.indices)
    assert not np.any(graph.indices == np.arange(50)[:, None])  # never itself


def test_duplicates_are_neighbours_at_distance_zero() -> None:
    X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 5.0], [3.0, 3.0]])
    found = nearest_neighbors(X, 0, k=2, metric="euclidean")
    assert found.indices[0] == 1 and found.distances[0] == 0.0


def test_cosine_ignores_length_and_handles_zero_vectors() -> None:
    X = np.array([[1.0, 0.0], [10.0, 0.5], [0.0, 1.0], [0.0, 0.0]])
    found = nearest_neighbors(X, 0, k=3, metric="cosine")
    assert found.indices[0] == 1
    assert dict(zip(found.indices.tolist(), found.distances.tolist(), strict=True))[3] == 1.0


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((0, 5), ValueError, "k must be <= number of points - 1"),
        ((7, 1), IndexError, "index out of range"),
        ((-1, 1), IndexError, "index out of range"),
        (("a", 1), TypeError, "index must be an integer"),
        ((True, 1), TypeError, "index must be an integer"),
        ((0, 0), ValueError, "k must be >= 1"),
    ],
)
def test_bad_queries_name_the_argument(args, error, match) -> None:
    X = np.random.default_rng(2).normal(size=(5, 3))
    with pytest.raises(error, match=match):
        nearest_neighbors(X, *args)


def test_unknown_metric() -> None:
    with pytest.raises(ValueError, match="metric must be"):
        NeighborIndex(np.zeros((3, 2)), "manhattan")  # type: ignore[arg-type]
