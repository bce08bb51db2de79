"""torchscope: see your PyTorch training.

Heavy pieces (torch, the client, the writer) are imported lazily so that
``python -m torchscope.server`` starts in well under a second.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
