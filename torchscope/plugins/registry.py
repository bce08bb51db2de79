"""The plugins a server starts with."""

from __future__ import annotations

from torchscope.logdir.registration import logdir_plugins
from torchscope.plugins.base import Plugin
from torchscope.plugins.live import LivePlugin
from torchscope.server.config import ServerConfig


def default_plugins(config: ServerConfig) -> list[Plugin]:
    """One instance of every plugin that ships with torchscope, in tab order."""
    live = LivePlugin(config)
    # The projector lists the live store's embeddings windows beside the logdir's runs.
    return [live, *logdir_plugins(config, live_store=live.store)]
