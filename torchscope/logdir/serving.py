"""What the logdir plugins share: the store they read, request parsing, error answers.

An unknown run or tag is the caller's mistake (404 with a plain message), a missing or
malformed parameter is 400, logged data that does not decode is 422: a handler never turns a
lookup failure into a 500.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import numpy as np
import orjson
from google.protobuf.message import DecodeError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from torchscope.logdir.store import LogdirStore, UnknownRunError, UnknownTagError
from torchscope.plugins.base import Plugin
from torchscope.server.jsonresponse import replace_non_finite


class BadRequest(ValueError):
    """A request parameter is missing or malformed (answered with 400)."""


class LogdirPlugin(Plugin):
    """A plugin whose data comes from the shared :class:`LogdirStore`."""

    #: Plugin name recorded in the event files for this plugin's data (usually ``name``).
    data_plugins: ClassVar[tuple[str, ...]] = ()

    def __init__(self, store: LogdirStore) -> None:
        self.store = store

    def is_active(self) -> bool:
        plugins = self.data_plugins or (self.name,)
        active = self.store.active_plugins()
        return any(plugin in active for plugin in plugins)

    def listing(self) -> dict[str, Any]:
        entry = super().listing()
        entry["loaded"] = self.store.loaded
        return entry

    async def close(self) -> None:
        # The store is shared by every logdir plugin; closing it twice is harmless.
        await run_in_threadpool(self.store.close)


Handler = Callable[[Request], Response]


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Run a blocking handler in the thread pool and turn lookup errors into 4xx answers."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        return await run_in_threadpool(answer_errors, handler, request)

    return wrapped


async def in_thread(answer: Callable[[], Response]) -> Response:
    """Run ``answer`` (blocking) in the thread pool, with the 4xx mapping of ``endpoint``."""
    response: Response = await run_in_threadpool(answer_errors, answer)
    return response


def answer_errors(handler: Callable[..., Response], *args: Any) -> Response:
    """Call ``handler``; an unknown run/tag becomes 404, a bad parameter 400."""
    try:
        return handler(*args)
    except (UnknownRunError, UnknownTagError) as error:
        return PlainTextResponse(str(error), status_code=404)
    except BadRequest as error:
        return PlainTextResponse(str(error), status_code=400)
    except DecodeError as error:
        # A record that verified but holds a malformed message: the data's fault, not ours.
        return PlainTextResponse(f"the logged data cannot be decoded: {error}", status_code=422)


def query_param(request: Request, name: str) -> str:
    """A required query parameter."""
    value = request.query_params.get(name)
    if value is None:
        raise BadRequest(f"missing query parameter {name!r}")
    return value


def int_param(request: Request, name: str, default: int | None = None) -> int | None:
    """An optional integer query parameter."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"query parameter {name!r} must be an integer, got {raw!r}") from None


def json_response(content: Any, *, finite: bool = False) -> Response:
    """JSON with NaN/±inf written as TensorBoard writes them.

    ``finite=True`` skips the walk that replaces non-finite floats (the caller checked).
    """
    body = orjson.dumps(content if finite else replace_non_finite(content))
    return Response(body, media_type="application/json")


def all_finite(*arrays: np.ndarray) -> bool:
    """True when no array holds NaN or an infinity."""
    return all(bool(np.isfinite(array).all()) for array in arrays)


def finite_or_string(value: float) -> float | str:
    """A float, or TensorBoard's string for NaN/±inf."""
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
