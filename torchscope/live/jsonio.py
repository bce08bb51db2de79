"""JSON in and out of the live store.

Visdom clients send Python's ``json.dumps`` output, which may hold the non-standard tokens
``NaN``, ``Infinity`` and ``-Infinity``; we accept them. What we emit is always standard JSON:
non-finite numbers are written as ``null`` (browsers' ``JSON.parse`` rejects the bare tokens),
and numpy arrays (the store's columns) are serialized directly, without a Python list in between.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from torchscope.live.errors import RequestError

_DUMP_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


class BadJSON(RequestError):
    """A request body (or a JSON string inside one) that is not JSON."""


def loads(body: bytes | str) -> Any:
    """Parse ``body``; accepts NaN/Infinity tokens. Raises BadJSON with a readable message."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    # orjson is strict; the standard library understands Python's NaN/Infinity tokens.
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        value = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadJSON(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise BadJSON("not valid JSON: nested too deeply") from None
    # The standard library accepts a lone surrogate escape ("\ud800"), which no UTF-8 output
    # can hold: stored, it would make the env unreadable. Refuse it here, before it is stored.
    try:
        dumps(value)
    except (orjson.JSONEncodeError, TypeError) as exc:
        raise BadJSON(f"not valid JSON: {exc}") from None
    return value


def dumps(value: Any) -> bytes:
    """Standard JSON bytes; NaN/±Inf become null, numpy arrays are written as lists."""
    return orjson.dumps(value, option=_DUMP_OPTIONS, default=_fallback)


def dumps_text(value: Any) -> str:
    return dumps(value).decode("utf-8")


def _fallback(value: Any) -> Any:
    # numpy scalars that orjson does not take natively, tuples inside sets, and the like.
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return list(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")
