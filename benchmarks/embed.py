"""Embedding projections: torchscope against scikit-learn, with TensorBoard's browser figure.

For t-SNE of 5,000 x 64 and 20,000 x 128 points (clusters with low-dimensional structure)
it times ``torchscope.embed.tsne`` and ``sklearn.manifold.TSNE`` on the same data in one run
and scores both layouts by k-NN preservation: the share of each point's 10 nearest
neighbours in the original space that are also among its 10 nearest in the layout. It then
times PCA of 100,000 x 256 against ``sklearn.decomposition.PCA``. Times are medians of the
repeated runs; ratios are scikit-learn time / torchscope time (> 1: torchscope is faster).

    python benchmarks/embed.py            # full run (several minutes)
    python benchmarks/embed.py --quick    # smaller sizes, one run each
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from torchscope.embed import Progress, knn_preservation, pca, tsne

# TensorBoard's projector runs t-SNE in the browser, one iteration per animation frame;
# measured for 5,000 x 64 points on the reference machine.
TENSORBOARD_KNN_S = 19.0
TENSORBOARD_300_ITERATIONS_S = 85.0
QUALITY_K = 10


def clustered_data(n_points: int, n_dims: int, seed: int = 0) -> np.ndarray:
    """Twenty clusters, each spread along its own 8-dimensional subspace, plus noise."""
    rng = np.random.default_rng(seed)
    n_clusters, intrinsic = 20, 8
    centres = rng.normal(0.0, 4.0, size=(n_clusters, n_dims))
    bases = rng.normal(0.0, 1.0, size=(n_clusters, intrinsic, n_dims))
    labels = rng.integers(0, n_clusters, size=n_points)
    local = rng.normal(0.0, 1.0, size=(n_points, intrinsic))
    points = centres[labels] + 0.5 * np.einsum("nk,nkd->nd", local, bases[labels])
    points += rng.normal(0.0, 0.3, size=(n_points, n_dims))
    return points.astype(np.float32)


def median_time(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_tsne(n_points: int, n_dims: int, repeat: int) -> dict[str, float]:
    from sklearn.manifold import TSNE

    X = clustered_data(n_points, n_dims)
    phase_end: dict[str, float] = {}
    started = [0.0]

    def run_torchscope() -> np.ndarray:
        phase_end.clear()
        started[0] = time.perf_counter()

        def note(report: Progress) -> None:
            phase_end[report.phase] = time.perf_counter() - started[0]

        return tsne(X, perplexity=30, cache=False, progress=note).coordinates

    def run_sklearn() -> np.ndarray:
        model = TSNE(n_components=2, perplexity=30, init="pca", random_state=0, n_jobs=-1)
        return np.asarray(model.fit_transform(X))

    # Alternate the two so that a change in the machine's load hits both alike.
    ours_times, theirs_times = [], []
    for _ in range(repeat):
        ours_t, ours_layout = median_time(run_torchscope, 1)
        theirs_t, theirs_layout = median_time(run_sklearn, 1)
        ours_times.append(ours_t)
        theirs_times.append(theirs_t)
    ours_s, theirs_s = statistics.median(ours_times), statistics.median(theirs_times)
    sample = min(n_points, 5000)  # score a fixed sample of points; the same for both
    return {
        "torchscope_s": ours_s,
        "torchscope_knn_s": phase_end.get("neighbors", float("nan")),
        "sklearn_s": theirs_s,
        "torchscope_quality": knn_preservation(X, ours_layout, QUALITY_K, sample=sample),
        "sklearn_quality": knn_preservation(X, theirs_layout, QUALITY_K, sample=sample),
    }


def bench_pca(n_points: int, n_dims: int, k: int, repeat: int) -> dict[str, float]:
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    scales = np.geomspace(10.0, 0.1, n_dims)
    X = (rng.normal(size=(n_points, n_dims)) * scales).astype(np.float32)
    # One untimed call each first (BLAS threads, lazy imports), then alternate the two so
    # that a change in the machine's load hits both alike.
    pca(X, k, cache=False)
    PCA(n_components=k, random_state=0).fit_transform(X)
    ours_times, theirs_times = [], []
    for _ in range(repeat):
        ours_t, ours = median_time(lambda: pca(X, k, cache=False), 1)
        model = PCA(n_components=k, random_state=0)
        # fit_transform: like pca(), it returns the projected points, not only the components.
        theirs_t, _ = median_time(lambda: model.fit_transform(X), 1)  # noqa: B023
        theirs = model
        ours_times.append(ours_t)
        theirs_times.append(theirs_t)
    ours_s, theirs_s = statistics.median(ours_times), statistics.median(theirs_times)
    agreement = float(
        np.max(np.abs(ours.explained_variance_ratio - theirs.explained_variance_ratio_))
    )
    return {
        "torchscope_s": ours_s,
        "sklearn_s": theirs_s,
        "solver": ours.solver,
        "max_ratio_difference": agreement,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one run each")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    args = parser.parse_args()
    repeat = 1 if args.quick else max(1, args.repeat)
    tsne_cases = [(2_000, 32, 1)] if args.quick else [(5_000, 64, repeat), (20_000, 128, 1)]
    pca_case = (20_000, 128) if args.quick else (100_000, 256)

    import openTSNE
    import sklearn

    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(
        f"cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}, "
        f"openTSNE {openTSNE.__version__}, scikit-learn {sklearn.__version__}, "
        f"numpy {np.__version__}"
    )
    print(f"\nt-SNE, 2-D, perplexity 30; quality = share of {QUALITY_K}-NN kept (higher is better)")
    header = (
        f"{'points x dims':>15} {'runs':>4} {'torchscope':>11} {'(kNN)':>7} "
        f"{'sklearn':>9} {'ratio':>6} {'q torchscope':>13} {'q sklearn':>10}"
    )
    print(header)
    for n_points, n_dims, runs in tsne_cases:
        row = bench_tsne(n_points, n_dims, runs)
        print(
            f"{n_points:>7,} x {n_dims:<5} {runs:>4} {row['torchscope_s']:>10.1f}s "
            f"{row['torchscope_knn_s']:>6.1f}s {row['sklearn_s']:>8.1f}s "
            f"{row['sklearn_s'] / row['torchscope_s']:>5.1f}x "
            f"{row['torchscope_quality']:>13.3f} {row['sklearn_quality']:>10.3f}",
            flush=True,
        )
    print(
        f"TensorBoard projector (browser, 5,000 x 64, measured): ~{TENSORBOARD_KNN_S:.0f} s kNN "
        f"+ ~{TENSORBOARD_300_ITERATIONS_S:.0f} s for 300 iterations "
        f"= ~{TENSORBOARD_KNN_S + TENSORBOARD_300_ITERATIONS_S:.0f} s"
    )

    n_points, n_dims = pca_case
    row = bench_pca(n_points, n_dims, 10, 1 if args.quick else 5)
    print(f"\nPCA, 10 components of {n_points:,} x {n_dims} (float32)")
    print(
        f"torchscope {row['torchscope_s']:.2f}s ({row['solver']}), sklearn "
        f"{row['sklearn_s']:.2f}s, ratio {row['sklearn_s'] / row['torchscope_s']:.2f}x, "
        f"max explained-variance-ratio difference {row['max_ratio_difference']:.1e}"
    )


if __name__ == "__main__":
    main()
