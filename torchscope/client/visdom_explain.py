"""``Visdom.explanation``: an explanation record as a Live pane of type ``"explain"``."""

from __future__ import annotations

from typing import Any

import orjson

from torchscope.client.explain_records import check_record
from torchscope.client.visdom_opts import check_opts

__all__ = ["explanation_window"]


def explanation_window(record: Any, opts: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``(data, opts)`` of the window that shows ``record``.

    The record goes through a JSON round trip so numpy scalars and tuples reach the server as
    plain JSON, exactly as the Explain view reads them from a log directory.
    """
    checked = check_record(record)
    content = orjson.loads(orjson.dumps(checked, option=orjson.OPT_SERIALIZE_NUMPY))
    return [{"type": "explain", "content": content}], check_opts(opts)
