"""``torchscope export``: every point of the selected scalar series of a log directory."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import IO

from torchscope.export.formats import SCALAR_FORMATS, ScalarFormat
from torchscope.export.scalar_formats import (
    SeriesSource,
    csv_chunks,
    json_chunks,
    pyarrow_or_error,
    write_parquet,
)
from torchscope.export.selection import SeriesKey, select_series
from torchscope.logdir import LogdirStore, ScalarView, StoreOptions, UnknownTagError


def open_logdir(logdir: str) -> LogdirStore:
    """A store that reads ``logdir`` once, completely, without tailing or a cache.

    Every scalar point is kept whatever the sample caps say: caps only apply to images,
    audio and histograms, which an export does not read.
    """
    store = LogdirStore(logdir, StoreOptions(reload_interval=0, cache_dir=None, load_workers=1))
    store.wait_until_loaded()
    return store


def series_views(
    store: LogdirStore, keys: Sequence[SeriesKey]
) -> Iterator[tuple[SeriesKey, ScalarView]]:
    """Each selected series with its points, read one at a time (a tag gone since is skipped)."""
    for key in keys:
        try:
            yield key, store.scalars(key.run, key.tag)
        except UnknownTagError:
            continue


def check_format(fmt: str) -> ScalarFormat:
    """``fmt`` if it names an export format, else a ValueError naming the argument."""
    if fmt not in SCALAR_FORMATS:
        raise ValueError(f"format must be one of {', '.join(SCALAR_FORMATS)}; got {fmt!r}")
    return fmt  # type: ignore[return-value]


def export_scalars(
    store: LogdirStore,
    output: IO[bytes],
    fmt: str = "csv",
    runs: str | None = None,
    tags: str | None = None,
) -> int:
    """Write every point of the scalar series selected by ``runs``/``tags`` to ``output``.

    ``runs`` and ``tags`` are regular expressions matched anywhere in the name (``re.search``);
    ``None`` selects all. Returns the number of points written.
    """
    scalar_format = check_format(fmt)
    if scalar_format == "parquet":
        pyarrow_or_error()  # fail before reading anything
    keys = select_series(store, runs, tags)
    written = 0

    def counted() -> SeriesSource:
        nonlocal written
        for key, view in series_views(store, keys):
            written += len(view)
            yield key, view

    if scalar_format == "parquet":
        write_parquet(counted(), output)
    else:
        chunks = csv_chunks(counted()) if scalar_format == "csv" else json_chunks(counted())
        for chunk in chunks:
            output.write(chunk)
    return written
