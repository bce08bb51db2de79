from __future__ import annotations

import numpy as np
import pytest

from torchscope.embed import ProjectionCancelled, pca


def decaying_data(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scales = 10.0 * 0.7 ** np.arange(d)
    rotation = np.linalg.qr(rng.normal(size=(d, d)))[0]
    return (rng.normal(size=(n, d)) * scales) @ rotation + 5.0


def numpy_reference(X: np.ndarray, k: int):
    centred = X - X.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    return centred, s, vt[:k]


def test_matches_numpy_svd_up_to_sign() -> None:
    X = decaying_data(200, 12)
    result = pca(X, 4, solver="svd", cache=False)
    centred, s, vt = numpy_reference(X, 4)
    signs = np.sign(np.sum(result.components * vt, axis=1))
    np.testing.assert_allclose(result.components, vt * signs[:, None], atol=1e-10)
    np.testing.assert_allclose(result.explained_variance, s[:4] ** 2 / 199, rtol=1e-10)
    np.testing.assert_allclose(result.explained_variance_ratio, s[:4] ** 2 / np.sum(s**2))
    np.testing.assert_allclose(result.coordinates, centred @ result.components.T, rtol=1e-5)
    np.testing.assert_allclose(result.mean, X.mean(axis=0))


@pytest.mark.parametrize("solver", ["covariance", "randomized"])
def test_other_solvers_agree_with_svd(solver: str) -> None:
    X = decaying_data(500, 30, seed=1)
    exact = pca(X, 5, solver="svd", cache=False)
    other = pca(X, 5, solver=solver, cache=False)
    assert other.solver == solver
    np.testing.assert_allclose(other.components, exact.components, atol=1e-6)
    np.testing.assert_allclose(other.explained_variance, exact.explained_variance, rtol=1e-6)
    np.testing.assert_allclose(other.coordinates, exact.coordinates, atol=1e-3)


@pytest.mark.parametrize("offset", [0.0, 1e4])
def test_covariance_solver_is_exact_with_small_or_large_means(offset: float) -> None:
    # Small means take the uncentred Gram route; a large offset must centre first to keep
    # float32 digits, and both must agree with the SVD.
    X = (decaying_data(2000, 16, seed=5) - 5.0 + offset).astype(np.float32)
    exact = pca(X.astype(np.float64), 4, solver="svd", cache=False)
    other = pca(X, 4, solver="covariance", cache=False)
    np.testing.assert_allclose(other.components, exact.components, atol=1e-4)
    np.testing.assert_allclose(other.explained_variance, exact.explained_variance, rtol=1e-4)
    np.testing.assert_allclose(other.coordinates, exact.coordinates, atol=1e-3, rtol=1e-4)


def test_signs_are_fixed_to_the_largest_entry() -> None:
    X = decaying_data(300, 8, seed=2)
    for solver in ("svd", "covariance", "randomized"):
        components = pca(X, 3, solver=solver, cache=False).components
        largest = components[np.arange(3), np.argmax(np.abs(components), axis=1)]
        assert np.all(largest > 0), solver


def test_auto_picks_solver_from_shape() -> None:
    assert pca(decaying_data(100, 10), 2, cache=False).solver == "svd"
    tall = np.random.default_rng(0).normal(size=(9000, 256)).astype(np.float32)
    assert pca(tall, 2, cache=False).solver == "covariance"


def test_float32_input_gives_float32_coordinates_and_default_k() -> None:
    X = decaying_data(50, 6).astype(np.float32)
    result = pca(X, cache=False)
    assert result.coordinates.dtype == np.float32
    assert result.n_components == 6  # min(10, points, dims)


def test_transform_reproduces_coordinates() -> None:
    X = decaying_data(80, 5)
    result = pca(X, 2, cache=False)
    np.testing.assert_allclose(result.transform(X), result.coordinates, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="columns"):
        result.transform(X[:, :3])


def test_result_arrays_are_read_only() -> None:
    result = pca(decaying_data(40, 4), 2, cache=False)
    with pytest.raises(ValueError):
        result.coordinates[0, 0] = 1.0


def test_accepts_torch_tensors() -> None:
    torch = pytest.importorskip("torch")
    X = decaying_data(60, 5)
    tensor = torch.tensor(X, requires_grad=True)
    np.testing.assert_allclose(
        pca(tensor, 2, cache=False).components, pca(X, 2, cache=False).components, atol=1e-6
    )


def test_constant_data_has_zero_ratio_not_nan() -> None:
    result = pca(np.ones((10, 3)), 2, cache=False)
    assert np.all(result.explained_variance_ratio == 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"X": np.zeros((5, 3)), "k": 4}, ValueError, "k must be <="),
        ({"X": np.zeros((5, 3)), "k": 0}, ValueError, "k must be >= 1"),
        ({"X": np.zeros((5, 3)), "k": 1.5}, TypeError, "k must be an integer"),
        ({"X": np.zeros(5), "k": 1}, ValueError, "X must be 2-D"),
        ({"X": np.array([[1.0, np.nan], [0.0, 1.0]]), "k": 1}, ValueError, "X contains NaN"),
        ({"X": [["a", "b"], ["c", "d"]], "k": 1}, TypeError, "X must be a 2-D array of numbers"),
        ({"X": np.zeros((1, 3)), "k": 1}, ValueError, "X needs at least 2 rows"),
        ({"X": np.zeros((5, 3)), "k": 1, "solver": "qr"}, ValueError, "solver must be"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        pca(cache=False, **kwargs)


def test_reports_progress_and_honours_cancel() -> None:
    import threading

    reports = []
    pca(decaying_data(30, 4), 2, cache=False, progress=reports.append)
    assert [(r.phase, r.iteration, r.fraction) for r in reports] == [
        ("decomposition", 0, 0.0),
        ("decomposition", 1, 1.0),
    ]
    stop = threading.Event()
    stop.set()
    with pytest.raises(ProjectionCancelled, match="pca projection was cancelled"):
        pca(decaying_data(30, 4), 2, cache=False, cancel=stop)
