"""The export formats (kept apart so that the command line loads without numpy)."""

from __future__ import annotations

from typing import Literal, get_args

ScalarFormat = Literal["csv", "json", "parquet"]
#: Formats of ``torchscope export``.
SCALAR_FORMATS: tuple[str, ...] = get_args(ScalarFormat)
#: Formats of ``torchscope export-env``.
ENV_FORMATS = ("json", "html")
