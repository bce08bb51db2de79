"""Live plotting state: Visdom-compatible environments -> windows -> traces, durable on disk."""

from torchscope.live.errors import NotFound, RequestError
from torchscope.live.store import LiveStore, Push

__all__ = ["LiveStore", "NotFound", "Push", "RequestError"]
