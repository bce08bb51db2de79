"""The fast histogram and PNG encoders give exactly what the slow reference gives."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from torch.utils.tensorboard.summary import make_histogram

from torchscope.client.writer_histogram import histogram_proto, tensorflow_bucket_edges
from torchscope.client.writer_images import encode_png


def _awkward_values() -> np.ndarray:
    edges = tensorflow_bucket_edges()
    rng = np.random.default_rng(0)
    return np.concatenate(
        [
            rng.standard_normal(200_000),
            rng.standard_normal(2_000) * 1e18,
            edges,
            -edges,
            np.nextafter(edges, 0),
            np.nextafter(edges, np.inf),
            np.nextafter(-edges, 0),
            np.nextafter(-edges, -np.inf),
            [0.0, -0.0, 1e21, -1e21, 1e-13, -1e-13, 1e-300, 5e-324, np.inf, -np.inf],
        ]
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_default_bins_count_like_numpy(dtype: type) -> None:
    values = _awkward_values().astype(dtype)
    finite = values[np.isfinite(values)].astype(np.float64)
    ours = histogram_proto(values)
    reference = make_histogram(finite, tensorflow_bucket_edges().tolist())
    assert list(ours.bucket) == list(reference.bucket)
    assert list(ours.bucket_limit) == list(reference.bucket_limit)


def test_nan_values_are_not_counted() -> None:
    ours = histogram_proto(np.array([1.0, np.nan, 2.0, np.nan]))
    assert sum(ours.bucket) == 2 and ours.num == 4


@pytest.mark.parametrize(("bins", "max_bins"), [(10, None), ("auto", None), (64, 5), (7, 3)])
def test_numpy_bin_specs_match_torch(bins: object, max_bins: int | None) -> None:
    values = np.random.default_rng(1).standard_normal(5000) * 3
    ours = histogram_proto(values, bins, max_bins)
    reference = make_histogram(values, bins, max_bins)
    assert list(ours.bucket) == list(reference.bucket)
    assert list(ours.bucket_limit) == list(reference.bucket_limit)
    assert (ours.min, ours.max, ours.num) == (reference.min, reference.max, reference.num)
    assert ours.sum == pytest.approx(reference.sum) and ours.sum_squares == pytest.approx(
        reference.sum_squares
    )


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trips_through_pillow(channels: int) -> None:
    rng = np.random.default_rng(channels)
    image = rng.integers(0, 256, (17, 23, channels), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(encode_png(image))))
    assert decoded.reshape(17, 23, channels).tolist() == image.tolist()
