"""Kaggle-style submission files: one ``id,label`` row per test sample."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def write_submission(
    path: Path,
    predicted: Sequence[int],
    ids: Sequence[Any] | None = None,
    id_column: str = "id",
    label_column: str = "label",
    classes: Sequence[Any] | None = None,
) -> Path:
    """Write ``predicted`` class indices (mapped through ``classes`` if given) and ``ids``."""
    if ids is None:
        ids = range(len(predicted))
    if len(ids) != len(predicted):
        raise ValueError(f"ids has {len(ids)} entries but there are {len(predicted)} predictions")
    if not id_column or not label_column or id_column == label_column:
        raise ValueError(
            f"id_column and label_column must be distinct non-empty names, got "
            f"{id_column!r}, {label_column!r}"
        )
    if classes is not None:
        too_big = [p for p in predicted if p >= len(classes)]
        if too_big:
            raise ValueError(
                f"classes has {len(classes)} entries but class {too_big[0]} was predicted"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([id_column, label_column])
        for sample_id, index in zip(ids, predicted, strict=True):
            writer.writerow([sample_id, classes[index] if classes is not None else index])
    return path
