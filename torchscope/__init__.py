"""torchscope: see your PyTorch training.

Heavy pieces (torch, the client, the writer) are imported lazily so that
``python -m torchscope.server`` starts in well under a second.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public names resolved on first use: attribute -> module that defines it.
_LAZY_ATTRIBUTES = {
    "SummaryWriter": "torchscope.client.writer",
    "Visdom": "torchscope.client.visdom",
    # ``%load_ext torchscope`` looks this up; resolved lazily to keep IPython out of imports.
    "load_ipython_extension": "torchscope.notebook",
}

__all__ = ["SummaryWriter", "Visdom", "__version__"]


def __getattr__(name: str) -> Any:
    module_name = _LAZY_ATTRIBUTES.get(name)
    if module_name is None:
        raise AttributeError(f"module 'torchscope' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value
