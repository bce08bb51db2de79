"""The torchscope server: one ASGI app for live plots, log directories and the UI.

Kept thin: it asks the stores and plugins. Importing it does not import torch.
"""

from torchscope.server.config import ServerConfig

__all__ = ["ServerConfig"]
