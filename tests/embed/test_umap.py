from __future__ import annotations

import sys

import numpy as np
import pytest

from torchscope.embed import CancelToken, ProjectionCancelled, umap
from torchscope.embed.umap_projection import INSTALL_HINT

from .conftest import make_clusters


def test_missing_umap_learn_says_how_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "umap", None)  # makes "import umap" fail
    with pytest.raises(ImportError, match=r"pip install torchscope\[umap\]") as caught:
        umap(np.zeros((10, 3)))
    assert str(caught.value) == INSTALL_HINT


@pytest.mark.slow
def test_umap_separates_clusters_reports_epochs_and_cancels() -> None:
    pytest.importorskip("umap", reason="the optional umap extra is not installed")
    X, labels = make_clusters(150, 8, 3)
    reports = []
    result = umap(X, n_neighbors=10, n_epochs=40, progress=reports.append, cache=False)
    assert result.method == "umap" and result.coordinates.shape == (150, 2)
    centres = np.array([result.coordinates[labels == c].mean(axis=0) for c in range(3)])
    nearest_centre = np.argmin(
        np.linalg.norm(result.coordinates[:, None, :] - centres[None], axis=2), axis=1
    )
    assert np.mean(nearest_centre == labels) > 0.98
    epochs = [r.iteration for r in reports if r.phase == "optimization"]
    assert epochs[-1] == 40 and epochs == sorted(epochs)
    assert reports[-1].fraction == 1.0

    token = CancelToken()

    def stop_at_epoch_five(report) -> None:
        if report.phase == "optimization" and report.iteration >= 5:
            token.cancel()

    with pytest.raises(ProjectionCancelled, match="umap projection was cancelled"):
        umap(X, n_epochs=40, progress=stop_at_epoch_five, cancel=token, cache=False)


def test_bad_arguments_name_themselves() -> None:
    pytest.importorskip("umap", reason="the optional umap extra is not installed")
    X = np.zeros((10, 3))
    with pytest.raises(ValueError, match="n_neighbors must be smaller"):
        umap(X, n_neighbors=10)
    with pytest.raises(ValueError, match="dims must be 2 or 3"):
        umap(X, dims=1)
    with pytest.raises(ValueError, match="min_dist"):
        umap(np.zeros((20, 3)), min_dist=-1.0)
