"""Columnar scalar storage and capped sample series."""

from __future__ import annotations

import numpy as np
import pytest

from torchscope.logdir import ScalarColumns
from torchscope.logdir.samples import SampleSeries


def test_columns_keep_every_point_in_order() -> None:
    columns = ScalarColumns()
    for step in range(10_000):
        columns.append(step, 1.7e9 + step, step * 0.5)
    columns.extend(np.arange(10_000, 10_003), np.zeros(3), np.ones(3))
    view = columns.view()
    assert view.steps.dtype == np.int64 and view.wall_times.dtype == np.float64
    assert view.values.dtype == np.float32
    assert view.steps.tolist() == list(range(10_003))
    assert view.values[9_999] == np.float32(9_999 * 0.5)
    with pytest.raises(ValueError):
        view.values[0] = 1.0  # readers get read-only views


def test_purge_does_not_change_views_already_handed_out() -> None:
    columns = ScalarColumns()
    columns.extend(np.arange(10), np.zeros(10), np.arange(10.0))
    before = columns.view()
    assert columns.drop_from_step(5) == 5
    assert before.steps.tolist() == list(range(10))
    assert columns.view().steps.tolist() == list(range(5))


def test_trim_releases_spare_capacity() -> None:
    columns = ScalarColumns()
    columns.extend(np.arange(1000), np.zeros(1000), np.zeros(1000))
    columns.append(1000, 0.0, 0.0)
    columns.commit()
    assert columns.nbytes > 1001 * 20
    columns.trim()
    assert columns.nbytes == 1001 * 20
    assert len(columns) == 1001


def test_columns_reject_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        ScalarColumns().extend([1, 2], [0.0], [0.0, 1.0])


def test_keep_last_cap() -> None:
    series = SampleSeries(cap=3, policy="keep_last")
    for step in range(10):
        series.add(step, float(step), bytes([step]))
    assert [s.step for s in series.samples] == [7, 8, 9]


def test_reservoir_cap_is_uniform_deterministic_and_keeps_the_newest() -> None:
    def run() -> list[int]:
        series = SampleSeries(cap=50, policy="reservoir")
        for step in range(5000):
            series.add(step, 0.0, b"")
        steps = [s.step for s in series.samples]
        assert steps == sorted(steps) and steps[-1] == 4999 and len(steps) == 50
        return steps

    steps = run()
    assert run() == steps
    # A uniform sample of 0..4999 has about half of its points in the first half.
    assert 10 < sum(step < 2500 for step in steps) < 40


def test_bad_cap_arguments() -> None:
    with pytest.raises(ValueError, match="cap"):
        SampleSeries(cap=0)
    with pytest.raises(ValueError, match="policy"):
        SampleSeries(cap=1, policy="random")  # type: ignore[arg-type]
