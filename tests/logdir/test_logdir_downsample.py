"""Min/max bucket downsampling keeps every spike that a uniform sample loses."""

from __future__ import annotations

import numpy as np
import pytest

from torchscope.logdir import bucket_indices


def test_six_spikes_in_50000_steps_survive_1000_buckets() -> None:
    rng = np.random.default_rng(0)
    values = (1.0 + 0.002 * rng.standard_normal(50_000)).astype(np.float32)
    spikes = [3_217, 11_000, 19_999, 27_431, 38_002, 49_998]
    values[spikes] = 5.0
    keep = bucket_indices(values, 1000)
    assert len(keep) <= 4000
    assert set(spikes) <= set(keep.tolist())
    assert keep[0] == 0 and keep[-1] == 49_999
    assert values[keep].min() == values.min()


def test_small_series_are_returned_whole() -> None:
    values = np.arange(40, dtype=np.float32)
    assert bucket_indices(values, 10).tolist() == list(range(40))


def test_non_finite_values_are_kept() -> None:
    values = np.zeros(10_000, dtype=np.float32)
    values[1234] = np.nan
    values[5678] = np.inf
    keep = bucket_indices(values, 100).tolist()
    assert 1234 in keep and 5678 in keep


def test_bucket_count_must_be_positive() -> None:
    with pytest.raises(ValueError, match="buckets"):
        bucket_indices(np.zeros(3, dtype=np.float32), 0)
