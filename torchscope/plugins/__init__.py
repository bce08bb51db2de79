"""Plugins: one folder per kind of data (how it is written, read and served)."""

from torchscope.plugins.base import Plugin

__all__ = ["Plugin"]
