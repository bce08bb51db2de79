"""Everything a request handler may need, held on ``app.state.context``."""

from __future__ import annotations

import dataclasses
from typing import Any

from torchscope import __version__
from torchscope.plugins.base import Plugin
from torchscope.server.config import ServerConfig


@dataclasses.dataclass
class ServerContext:
    config: ServerConfig
    plugins: list[Plugin]

    def plugins_listing(self) -> dict[str, dict[str, Any]]:
        """``/data/plugins_listing``: every plugin, enabled when it has data."""
        return {plugin.name: plugin.listing() for plugin in self.plugins}

    def environment(self) -> dict[str, Any]:
        """``/data/environment``, TensorBoard's shape plus what the UI needs to know."""
        return {
            "version": __version__,
            "window_title": "torchscope",
            "data_location": self.config.logdir or "",
            "readonly": self.config.readonly,
            # How visitors log in ("none", "token" or "password"): the page offers a logout.
            "auth": self.config.auth,
        }
