from __future__ import annotations

import numpy as np
import pytest

from torchscope.embed import knn_preservation


def test_identity_keeps_everything_and_noise_keeps_little() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 10))
    assert knn_preservation(X, X) == 1.0
    assert knn_preservation(X, X * 3.0 + 1.0) == 1.0  # similarity transforms keep neighbours
    assert knn_preservation(X, rng.normal(size=(400, 2))) < 0.1


def test_sampling_scores_a_subset() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 5))
    Y = X[:, :2]
    full = knn_preservation(X, Y, k=5)
    sampled = knn_preservation(X, Y, k=5, sample=100)
    assert 0 < sampled < 1 and abs(sampled - full) < 0.1


def test_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same number of points"):
        knn_preservation(np.zeros((5, 2)), np.zeros((4, 2)))
