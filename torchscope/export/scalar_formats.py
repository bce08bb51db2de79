"""Scalar series as CSV, JSON or Parquet bytes, produced a series at a time.

Every point is written, in the order it was logged, with no rounding: values are float32 in
the store and are written as the float64 that holds them exactly, so reading an export back
and casting to float32 gives the stored bits. Non-finite values are written as ``nan``/``inf``
in CSV and as TensorBoard's strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` in JSON (JSON
has no number for them).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from typing import IO, Any

import numpy as np
import orjson

from torchscope.export.selection import SeriesKey
from torchscope.logdir import ScalarView

#: Header of the CSV export, one row per point.
CSV_COLUMNS = ("run", "tag", "step", "wall_time", "value")
#: Identifies the layout of the JSON export; bumped if the layout ever changes.
JSON_FORMAT = "torchscope.scalars/1"
#: Rows gathered before a Parquet row group is written (bounds memory on huge logdirs).
PARQUET_ROW_GROUP = 1_000_000

SeriesSource = Iterable[tuple[SeriesKey, ScalarView]]


def csv_chunks(series: SeriesSource) -> Iterator[bytes]:
    """The CSV export: a header, then ``run,tag,step,wall_time,value`` for every point."""
    yield (",".join(CSV_COLUMNS) + "\r\n").encode()
    for key, view in series:
        out = io.StringIO()
        writer = csv.writer(out)
        runs, tags = [key.run] * len(view), [key.tag] * len(view)
        writer.writerows(
            zip(
                runs,
                tags,
                view.steps.tolist(),
                view.wall_times.tolist(),
                view.values.tolist(),
                strict=True,
            )
        )
        yield out.getvalue().encode()


def json_chunks(series: SeriesSource) -> Iterator[bytes]:
    """The JSON export: ``{"format", "series": [{"run", "tag", "steps", "wall_times", "values"}]}``.

    Columns rather than one object per point: a third of the size, and what numpy and pandas
    read straight into arrays.
    """
    yield b'{"format":' + orjson.dumps(JSON_FORMAT) + b',"series":['
    for index, (key, view) in enumerate(series):
        document = {
            "run": key.run,
            "tag": key.tag,
            "steps": view.steps.tolist(),
            "wall_times": _finite_or_strings(view.wall_times),
            "values": _finite_or_strings(view.values),
        }
        yield (b"," if index else b"") + orjson.dumps(document)
    yield b"]}\n"


def _finite_or_strings(column: np.ndarray) -> list[Any]:
    values: list[Any] = column.tolist()
    if bool(np.isfinite(column).all()):
        return values
    return [value if math.isfinite(value) else _non_finite_name(value) for value in values]


def _non_finite_name(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def pyarrow_or_error() -> Any:
    """The ``pyarrow`` module, or an ImportError that says how to install it."""
    try:
        import pyarrow

        # ``pyarrow.parquet`` is a submodule that ``import pyarrow`` does not load.
        import pyarrow.parquet
    except ImportError:
        raise ImportError(
            "format 'parquet' needs pyarrow, which is not installed: pip install pyarrow"
        ) from None
    return pyarrow


def write_parquet(series: SeriesSource, output: IO[bytes]) -> None:
    """The Parquet export: columns run, tag (strings), step (int64), wall_time (float64),
    value (float32), one row per point."""
    pa = pyarrow_or_error()
    schema = pa.schema(
        [
            ("run", pa.string()),
            ("tag", pa.string()),
            ("step", pa.int64()),
            ("wall_time", pa.float64()),
            ("value", pa.float32()),
        ]
    )
    pending: list[Any] = []
    pending_rows = 0
    with pa.parquet.ParquetWriter(output, schema) as writer:
        for key, view in series:
            count = len(view)
            pending.append(
                pa.table(
                    {
                        "run": pa.array([key.run] * count, pa.string()),
                        "tag": pa.array([key.tag] * count, pa.string()),
                        "step": pa.array(np.asarray(view.steps), pa.int64()),
                        "wall_time": pa.array(np.asarray(view.wall_times), pa.float64()),
                        "value": pa.array(np.asarray(view.values), pa.float32()),
                    },
                    schema=schema,
                )
            )
            pending_rows += count
            if pending_rows >= PARQUET_ROW_GROUP:
                writer.write_table(pa.concat_tables(pending))
                pending, pending_rows = [], 0
        if pending or pending_rows == 0:
            writer.write_table(pa.concat_tables(pending) if pending else schema.empty_table())
