"""Getting data out of torchscope: scalar series of a logdir, and envs of the Live view.

* :func:`export_scalars` writes every point of the selected scalar series of a log directory
  as CSV, JSON or Parquet (``torchscope export``);
* :func:`env_to_visdom_json` and :func:`env_to_html` turn an env of the Live view into Visdom's
  env file or a self-contained HTML page that opens offline (``torchscope export-env``).

Names are imported on first use, so that the command line stays quick to start.
"""

from __future__ import annotations

import importlib
from typing import Any

from torchscope.export.formats import ENV_FORMATS, SCALAR_FORMATS

_LAZY_ATTRIBUTES = {
    "SHOWN_PANE_TYPES": "torchscope.export.env_html",
    "SeriesKey": "torchscope.export.selection",
    "env_to_html": "torchscope.export.env_html",
    "env_to_visdom_json": "torchscope.export.env",
    "export_scalars": "torchscope.export.scalars",
    "load_env": "torchscope.export.env",
    "open_logdir": "torchscope.export.scalars",
    "select_series": "torchscope.export.selection",
}

__all__ = ["ENV_FORMATS", "SCALAR_FORMATS", *_LAZY_ATTRIBUTES]


def __getattr__(name: str) -> Any:
    module_name = _LAZY_ATTRIBUTES.get(name)
    if module_name is None:
        raise AttributeError(f"module 'torchscope.export' has no attribute {name!r}")
    return getattr(importlib.import_module(module_name), name)
