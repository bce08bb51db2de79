"""What a plugin is: one kind of data, its routes, and whether it has anything to show.

The UI shows a view's tab only while its plugin reports data, so ``is_active`` must be cheap:
the server asks it about once a second for each connected page.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Scope


class PluginStartError(RuntimeError):
    """A plugin cannot start (its data is locked or unreadable); the message is for the user."""


class HotPost(Protocol):
    """A POST endpoint that can answer from the whole body at once, synchronously."""

    def answer(self, body: bytes, scope: Scope) -> Response:
        """The response to a request whose (already read) body is ``body``."""
        ...


class Plugin(ABC):
    """A kind of data the dashboard can show (live windows, scalars, images, graphs, ...)."""

    #: URL-safe identifier, used in ``/data/plugin/<name>/...`` and by the UI to pick the view.
    name: ClassVar[str]
    #: Label of the view's tab in the top bar.
    tab_name: ClassVar[str]

    @abstractmethod
    def is_active(self) -> bool:
        """True when there is data for this view."""

    def routes(self) -> Sequence[BaseRoute]:
        """Routes mounted under ``/data/plugin/<name>/``."""
        return ()

    def root_routes(self) -> Sequence[BaseRoute]:
        """Routes mounted at the server's root (for wire protocols that fix their own paths)."""
        return ()

    def hot_posts(self) -> Mapping[str, HotPost]:
        """Root paths POSTed once per training step, with their endpoints. The server's HTTP
        protocol answers plain requests to them directly (``server/hot_lane.py``); every other
        request goes through ``root_routes``, which must route the same paths."""
        return {}

    def listing(self) -> dict[str, Any]:
        """This plugin's entry in ``/data/plugins_listing`` (TensorBoard's shape)."""
        return {"enabled": self.is_active(), "tab_name": self.tab_name, "remove_dom": False}

    async def close(self) -> None:  # noqa: B027 - optional hook with a do-nothing default
        """Release files and threads when the server stops."""
