"""Errors the store raises for requests it refuses; the routes turn them into 4xx answers."""

from __future__ import annotations


class RequestError(ValueError):
    """A request that cannot be applied; nothing was changed. ``status`` is the HTTP code."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class NotFound(RequestError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=404)
