from __future__ import annotations

import threading

import numpy as np
import pytest

import torchscope.embed.tsne_projection as tsne_module
from torchscope.embed import (
    CancelToken,
    NeighborIndex,
    ProjectionCache,
    ProjectionCancelled,
    knn_preservation,
    tsne,
)

from .conftest import make_clusters

# Short runs keep the suite fast; well separated clusters separate long before 750 steps.
FAST = {"n_iter": 150, "early_exaggeration_iter": 100, "n_jobs": 1, "cache": False}


def cluster_purity(layout: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Share of each point's k nearest neighbours in the layout that share its cluster."""
    neighbours = NeighborIndex(layout, "euclidean").graph(k).indices
    return float(np.mean(labels[neighbours] == labels[:, None]))


def test_separates_well_separated_clusters(clusters) -> None:
    X, labels = clusters
    result = tsne(X, dims=2, perplexity=20, **FAST)
    assert result.coordinates.shape == (300, 2)
    assert result.method == "tsne" and result.kl_divergence is not None
    assert cluster_purity(result.coordinates, labels) > 0.98
    # Centres of the clusters lie far apart compared with the clusters' own size.
    centres = np.array([result.coordinates[labels == c].mean(axis=0) for c in range(3)])
    radius = max(
        np.linalg.norm(result.coordinates[labels == c] - centres[c], axis=1).mean()
        for c in range(3)
    )
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a in range(3) for b in range(a + 1, 3)]
    assert min(gaps) > 3 * radius


def test_keeps_neighbourhoods_better_than_pca() -> None:
    X, _ = make_clusters(400, 20, 8, seed=3, spread=3.0)
    layout = tsne(X, perplexity=15, **FAST).coordinates
    from torchscope.embed import pca

    assert knn_preservation(X, layout) > knn_preservation(X, pca(X, 2, cache=False).coordinates)


def test_three_dimensions_with_cosine_and_approximate_neighbours() -> None:
    X, labels = make_clusters(240, 10, 3, seed=4)
    result = tsne(X, dims=3, perplexity=15, metric="cosine", neighbors="approx", **FAST)
    assert result.coordinates.shape == (240, 3)
    assert result.params["neighbors"] == "approx"
    assert cluster_purity(result.coordinates, labels) > 0.95


def test_fft_gradient_in_two_dimensions(clusters) -> None:
    X, labels = clusters
    result = tsne(X, perplexity=20, gradient="fft", n_iter=60, early_exaggeration_iter=60, n_jobs=1)
    assert result.params["gradient"] == "fft"
    assert cluster_purity(result.coordinates, labels) > 0.95
    with pytest.raises(ValueError, match="gradient='fft' supports dims=2 only"):
        tsne(X, dims=3, gradient="fft")


def test_progress_reports_every_phase_in_order(clusters) -> None:
    X, _ = clusters
    reports = []
    tsne(X[:120], perplexity=10, progress=reports.append, progress_every=25, **FAST)
    phases = [r.phase for r in reports]
    assert phases[0] == "neighbors"
    order = ["neighbors", "initialization", "early_exaggeration", "optimization"]
    assert [p for p in order if p in phases] == order
    assert phases == sorted(phases, key=order.index)
    fractions = [r.fraction for r in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    steps = [r.iteration for r in reports if r.phase == "optimization"]
    assert steps[:3] == [25, 50, 75] and steps[-1] == 150
    moving = [r for r in reports if r.phase == "optimization" and r.coordinates is not None]
    assert moving and moving[0].coordinates.shape == (120, 2)


def test_cancel_from_another_thread_stops_the_run(clusters) -> None:
    X, _ = clusters
    token = CancelToken()
    seen = []

    def on_progress(report) -> None:
        seen.append(report)
        if report.phase == "early_exaggeration" and report.iteration >= 20:
            threading.Thread(target=token.cancel).start()

    with pytest.raises(ProjectionCancelled, match="tsne projection was cancelled") as caught:
        tsne(X, perplexity=20, progress=on_progress, cancel=token, n_iter=5000, cache=False)
    assert caught.value.phase in ("early_exaggeration", "optimization")
    assert not any(r.phase == "optimization" and r.iteration > 100 for r in seen)


def test_already_set_event_cancels_before_any_work(clusters) -> None:
    X, _ = clusters
    event = threading.Event()
    event.set()
    with pytest.raises(ProjectionCancelled) as caught:
        tsne(X, cancel=event, **FAST)
    assert caught.value.phase == "neighbors" and caught.value.iteration == 0


def test_cache_hit_returns_same_object_without_recomputing(clusters, monkeypatch) -> None:
    X, _ = clusters
    cache = ProjectionCache()
    runs = []
    original_run = tsne_module._run

    def counting_run(*args, **kwargs):
        runs.append(1)
        return original_run(*args, **kwargs)

    monkeypatch.setattr(tsne_module, "_run", counting_run)
    settings = {"perplexity": 20, "n_iter": 30, "early_exaggeration_iter": 30, "n_jobs": 1}
    first = tsne(X, cache=cache, **settings)
    reports = []
    second = tsne(X.copy(), cache=cache, progress=reports.append, **settings)
    assert second is first and len(runs) == 1 and reports == []
    other = tsne(X, cache=cache, **{**settings, "perplexity": 15})
    assert other is not first and len(runs) == 2


def test_disk_cache_survives_a_new_cache_object(clusters, tmp_path, monkeypatch) -> None:
    X, _ = clusters
    settings = {"perplexity": 20, "n_iter": 30, "early_exaggeration_iter": 30, "n_jobs": 1}
    first = tsne(X, cache=ProjectionCache(directory=tmp_path), **settings)

    def must_not_run(*args, **kwargs):
        raise AssertionError("recomputed despite the disk cache")

    monkeypatch.setattr(tsne_module, "_run", must_not_run)
    again = tsne(X, cache=ProjectionCache(directory=tmp_path), **settings)
    np.testing.assert_array_equal(again.coordinates, first.coordinates)
    assert again.params == first.params and again.kl_divergence == first.kl_divergence


def test_array_initialization_is_used(clusters) -> None:
    X, _ = clusters
    start = np.random.default_rng(0).normal(scale=1e-4, size=(100, 2))
    settings = {"perplexity": 10, "n_iter": 20, "early_exaggeration_iter": 20, "cache": False}
    a = tsne(X[:100], initialization=start, **settings)
    b = tsne(X[:100], initialization="random", **settings)
    assert a.params["initialization"].startswith("array:")
    assert not np.allclose(a.coordinates, b.coordinates)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"dims": 4}, ValueError, "dims must be 2 or 3"),
        ({"perplexity": -1}, ValueError, "perplexity must be a positive"),
        ({"perplexity": "30"}, TypeError, "perplexity must be a number"),
        ({"metric": "manhattan"}, ValueError, "metric must be"),
        ({"neighbors": "faiss"}, ValueError, "neighbors must be"),
        ({"gradient": "exact"}, ValueError, "gradient must be"),
        ({"initialization": "umap"}, ValueError, "initialization must be"),
        ({"initialization": np.zeros((5, 2))}, ValueError, "initialization must have shape"),
        ({"n_iter": -5}, ValueError, "n_iter must be >= 0"),
        ({"n_jobs": 0}, ValueError, "n_jobs must be >= 1"),
        ({"random_state": None}, TypeError, "random_state must be an integer"),
        ({"progress": "yes"}, TypeError, "progress must be callable"),
        ({"cancel": True}, TypeError, "cancel must have an is_set"),
        ({"cache": "disk"}, TypeError, "cache must be a ProjectionCache"),
    ],
)
def test_bad_arguments_name_themselves(clusters, kwargs, error, match) -> None:
    X, _ = clusters
    with pytest.raises(error, match=match):
        tsne(X[:30], **kwargs)
