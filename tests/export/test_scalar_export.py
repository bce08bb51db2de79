"""``torchscope export``: every point of every selected series, read back exactly."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from torchscope.cli import main
from torchscope.export.scalars import export_scalars
from torchscope.export.selection import select_series
from torchscope.logdir import LogdirStore

from .conftest import FIXTURES, TORCH_LOGDIR

ALL_FORMATS = ("csv", "json", "parquet")


def _read_csv(data: bytes) -> dict[tuple[str, str], tuple[list[int], list[float], list[float]]]:
    series: dict[tuple[str, str], tuple[list[int], list[float], list[float]]] = {}
    rows = csv.DictReader(io.StringIO(data.decode()))
    assert rows.fieldnames == ["run", "tag", "step", "wall_time", "value"]
    for row in rows:
        steps, walls, values = series.setdefault((row["run"], row["tag"]), ([], [], []))
        steps.append(int(row["step"]))
        walls.append(float(row["wall_time"]))
        values.append(float(row["value"]))
    return series


def _json_number(value: float | str) -> float:
    return float({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}.get(str(value), value))


def _read_json(data: bytes) -> dict[tuple[str, str], tuple[list[int], list[float], list[float]]]:
    document = json.loads(data)
    assert document["format"] == "torchscope.scalars/1"
    return {
        (item["run"], item["tag"]): (
            item["steps"],
            [_json_number(v) for v in item["wall_times"]],
            [_json_number(v) for v in item["values"]],
        )
        for item in document["series"]
    }


def _read_parquet(data: bytes) -> dict[tuple[str, str], tuple[list[int], list[float], list[float]]]:
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    assert table.schema.field("value").type == "float"  # float32, as stored
    series: dict[tuple[str, str], tuple[list[int], list[float], list[float]]] = {}
    for run, tag, step, wall, value in zip(
        *(table.column(name).to_pylist() for name in table.column_names), strict=True
    ):
        steps, walls, values = series.setdefault((run, tag), ([], [], []))
        steps.append(step)
        walls.append(wall)
        values.append(value)
    return series


READERS = {"csv": _read_csv, "json": _read_json, "parquet": _read_parquet}


def _export(store: LogdirStore, fmt: str, **selection: str) -> bytes:
    out = io.BytesIO()
    export_scalars(store, out, fmt, **selection)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_every_point_of_every_series_reads_back_bit_for_bit(
    torch_store: LogdirStore, fmt: str
) -> None:
    exported = READERS[fmt](_export(torch_store, fmt))
    scalar_tags = torch_store.tags("scalars")
    assert set(exported) == {(run, tag) for run, tags in scalar_tags.items() for tag in tags}
    for (run, tag), (steps, walls, values) in exported.items():
        view = torch_store.scalars(run, tag)
        np.testing.assert_array_equal(np.asarray(steps, np.int64), view.steps)
        np.testing.assert_array_equal(np.asarray(walls, np.float64), view.wall_times)
        # float32 in the store: the exported float64 must cast back to the same bits.
        np.testing.assert_array_equal(np.asarray(values).astype(np.float32), view.values)


@pytest.mark.parametrize("name", ["tb-logdir-torch", "tb-logdir-tensorboardx"])
def test_export_matches_what_tensorboard_reads_from_the_fixture(name: str) -> None:
    """The CSV written by the command agrees with TensorBoard's own reading of the logdir."""
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text())
    out = io.BytesIO()
    from torchscope.export.scalars import open_logdir

    store = open_logdir(str(FIXTURES / name))
    try:
        export_scalars(store, out, "csv")
    finally:
        store.close()
    exported = _read_csv(out.getvalue())
    compared = 0
    for run, content in expected["runs"].items():
        for tag, summary in content["scalars"].items():
            steps, walls, values = exported[(run, tag)]
            assert len(steps) == summary["count"]
            assert (steps[0], walls[0], values[0]) == (
                summary["first"]["step"],
                summary["first"]["wall_time"],
                summary["first"]["value"],
            )
            assert (steps[-1], walls[-1], values[-1]) == (
                summary["last"]["step"],
                summary["last"]["wall_time"],
                summary["last"]["value"],
            )
            assert min(values) == summary["min"] and max(values) == summary["max"]
            assert math.isclose(math.fsum(values), summary["sum"], rel_tol=1e-9)
            compared += 1
    assert compared >= 5


def test_runs_and_tags_select_by_regular_expression(torch_store: LogdirStore) -> None:
    exported = _read_csv(_export(torch_store, "csv", runs="^train/", tags="loss"))
    assert exported, "the selection matches series of the fixture"
    assert all(run.startswith("train/") and "loss" in tag for run, tag in exported)
    everything = select_series(torch_store)
    expected = {
        (key.run, key.tag)
        for key in everything
        if key.run.startswith("train/") and "loss" in key.tag
    }
    assert set(exported) == expected


def test_non_finite_values_survive_json_and_csv(tmp_path: Path) -> None:
    from torchscope.client.writer import SummaryWriter
    from torchscope.export.scalars import open_logdir

    values = [1.5, math.nan, math.inf, -math.inf]
    with SummaryWriter(str(tmp_path / "run")) as writer:
        for step, value in enumerate(values):
            writer.add_scalar("odd", value, step)
    store = open_logdir(str(tmp_path))
    try:
        for fmt in ("csv", "json"):
            (_, _, read) = READERS[fmt](_export(store, fmt))[("run", "odd")]
            assert read[0] == 1.5 and math.isnan(read[1])
            assert read[2:] == [math.inf, -math.inf]
    finally:
        store.close()


def test_bad_arguments_are_named(torch_store: LogdirStore) -> None:
    with pytest.raises(ValueError, match="runs"):
        _export(torch_store, "csv", runs="(")
    with pytest.raises(ValueError, match="tags"):
        _export(torch_store, "csv", tags="[")
    with pytest.raises(ValueError, match="format"):
        _export(torch_store, "xml")


def test_parquet_without_pyarrow_says_how_to_install_it(
    torch_store: LogdirStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes ``import pyarrow`` fail
    with pytest.raises(ImportError, match="pip install pyarrow"):
        _export(torch_store, "parquet")


def test_command_writes_the_file_and_reports_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "scalars.parquet"
    status = main(
        ["export", "--logdir", str(TORCH_LOGDIR), "--format", "parquet", "--output", str(target)]
    )
    assert status == 0
    exported = _read_parquet(target.read_bytes())
    assert ("eval", "loss") in exported and len(exported[("eval", "loss")][0]) == 100
    assert not list(tmp_path.glob("*.partial"))

    assert main(["export", "--logdir", str(TORCH_LOGDIR), "--runs", "("]) == 1
    assert "runs is not a valid regular expression" in capsys.readouterr().err
