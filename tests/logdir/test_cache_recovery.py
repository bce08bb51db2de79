"""A damaged cache file is set aside with a warning and its runs read again, never a crash."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from eventfiles import scalar_records, version_record, write_file

from torchscope.logdir import LogdirStore

EXPECTED = {"a": np.linspace(0, 1, 50), "b": np.arange(10, dtype=float)}


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    write_file(
        root / "a" / "events.out.tfevents.1",
        [version_record(), *scalar_records("x", range(50), EXPECTED["a"])],
    )
    write_file(root / "b" / "events.out.tfevents.1", scalar_records("x", range(10), EXPECTED["b"]))
    return root


def _filled_cache(logdir: Path, cache: Path, open_store: Callable[..., LogdirStore]) -> Path:
    """Load the logdir once so the cache holds both runs; the cache's folder for it."""
    store = open_store(logdir, cache_dir=cache)
    store.reload()
    store.close()
    (root,) = cache.iterdir()
    return root


def _run_folder(root: Path, run: str) -> Path:
    (meta,) = [p for p in root.glob("*/meta.json") if f'"run": "{run}"' in p.read_text()]
    return meta.parent


def _reopened_values(
    logdir: Path, cache: Path, open_store: Callable[..., LogdirStore]
) -> dict[str, list[float]]:
    store = open_store(logdir, cache_dir=cache)
    store.reload()
    return {run: store.scalars(run, "x").values.tolist() for run in EXPECTED}


def _assert_all_data(values: dict[str, list[float]]) -> None:
    for run, expected in EXPECTED.items():
        assert np.allclose(values[run], expected)


def _damage_index(root: Path) -> Path:
    (root / "index.json").write_bytes(b'{"format": 1, "runs": {"a"')
    return root / "index.json"


def _damage_meta(root: Path) -> Path:
    folder = _run_folder(root, "a")
    meta = folder / "meta.json"
    meta.write_bytes(meta.read_bytes()[:40])  # half-written
    return folder


def _damage_meta_shape(root: Path) -> Path:
    folder = _run_folder(root, "a")
    (folder / "meta.json").write_text("[1, 2, 3]")
    return folder


def _damage_array(root: Path) -> Path:
    folder = _run_folder(root, "a")
    (array,) = folder.glob("scalar_values.*.npy")
    array.write_bytes(array.read_bytes()[:20])  # header cut short
    return folder


@pytest.mark.parametrize(
    "damage",
    [_damage_index, _damage_meta, _damage_meta_shape, _damage_array],
    ids=["index", "meta", "meta-shape", "array"],
)
def test_damaged_cache_is_set_aside_and_the_runs_read_again(
    logdir: Path,
    tmp_path: Path,
    open_store: Callable[..., LogdirStore],
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path], Path],
) -> None:
    cache = tmp_path / "cache"
    root = _filled_cache(logdir, cache, open_store)
    damaged = damage(root)

    with caplog.at_level(logging.WARNING, "torchscope.logdir.cache"):
        _assert_all_data(_reopened_values(logdir, cache, open_store))

    (aside,) = root.glob(f"{damaged.name}.corrupt-*")
    assert aside.exists()
    assert damaged.name in caplog.text and aside.name in caplog.text
    # The cache was written again, whole: a third start reads it without complaint.
    caplog.clear()
    with caplog.at_level(logging.WARNING, "torchscope.logdir.cache"):
        _assert_all_data(_reopened_values(logdir, cache, open_store))
    assert "damaged" not in caplog.text
