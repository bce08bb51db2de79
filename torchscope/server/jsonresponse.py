"""JSON responses that are always valid JSON.

TensorBoard's server writes NaN and the infinities as the strings "NaN", "Infinity" and
"-Infinity"; browsers' JSON.parse rejects the bare tokens, so we answer as TensorBoard does.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
from starlette.responses import Response

_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def replace_non_finite(value: Any) -> Any:
    """Copy of ``value`` with NaN/±Inf floats replaced by TensorBoard's strings."""
    if isinstance(value, float):
        return value if math.isfinite(value) else _NON_FINITE[repr(value)]
    if isinstance(value, dict):
        return {key: replace_non_finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [replace_non_finite(item) for item in value]
    return value


def dumps(content: Any) -> bytes:
    """Serialize ``content`` as JSON, non-finite floats written as strings."""
    return orjson.dumps(replace_non_finite(content), option=orjson.OPT_SERIALIZE_NUMPY)


class JSONResponse(Response):
    """orjson-encoded response; non-finite floats written as TensorBoard writes them."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
