"""What the framework loggers share: flat hyperparameters, numeric metrics, live plots."""

from __future__ import annotations

import logging
import math
import numbers
import urllib.parse
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

#: Hyperparameter values the HParams view shows as they are; anything else becomes its str().
_PLAIN_TYPES = (bool, int, float, str)


def flatten_hparams(params: Mapping[str, Any], separator: str = "/") -> dict[str, Any]:
    """``{"optim": {"lr": 0.1}}`` -> ``{"optim/lr": 0.1}``; values that are not bool, number or
    str are written as their ``str()`` (``None`` as ``"None"``), so every one can be logged."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping, got {type(params).__name__}")
    flat: dict[str, Any] = {}
    for key, value in params.items():
        name = str(key)
        if isinstance(value, Mapping):
            for inner, inner_value in flatten_hparams(value, separator).items():
                flat[f"{name}{separator}{inner}"] = inner_value
        elif isinstance(value, _PLAIN_TYPES):
            flat[name] = value
        elif isinstance(value, numbers.Number) and hasattr(value, "item"):
            flat[name] = value.item()  # numpy scalars
        else:
            flat[name] = str(value)
    return flat


def scalar_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The metrics that are one number (floats, ints, one-element tensors), as floats."""
    numeric: dict[str, float] = {}
    for name, value in metrics.items():
        if isinstance(value, bool):
            continue
        if hasattr(value, "numel") and hasattr(value, "item"):  # a torch tensor
            if value.numel() != 1:
                continue
            value = value.item()
        elif hasattr(value, "item") and getattr(value, "size", 2) == 1:  # a numpy value
            value = value.item()
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            numeric[str(name)] = float(value)
    return numeric


def parse_server_url(url: str) -> dict[str, Any]:
    """``http://host:8097/base`` as :class:`torchscope.Visdom`'s server, port and base_url."""
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"server_url must be a URL such as http://localhost:8097, got {url!r}")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"server_url must be an http(s) URL with a host, got {url!r}")
    base = parts.path.rstrip("/")
    return {
        "server": f"{parts.scheme}://{parts.hostname}",
        "port": parts.port or (443 if parts.scheme == "https" else 80),
        "base_url": base or "/",
    }


class LivePlots:
    """Metrics appended to one line pane each, and hyperparameters in a text pane, in an env
    of the Live view. Sends from a background thread, so training never waits on the server."""

    def __init__(self, server_url: str, env: str) -> None:
        from torchscope.client.visdom import Visdom

        if not isinstance(env, str) or not env:
            raise ValueError(f"env must be a non-empty string, got {env!r}")
        self.env = env
        self.vis = Visdom(
            **parse_server_url(server_url),
            env=env,
            asynchronous=True,
            use_incoming_socket=False,
            raise_exceptions=False,
        )
        self._panes: set[str] = set()

    def log_metrics(self, metrics: Mapping[str, float], step: int) -> None:
        """Append each metric's value at ``step`` to its pane (created on first use)."""
        for name, value in metrics.items():
            if not math.isfinite(value):
                continue  # a line cannot draw it; the logdir keeps it
            first = name not in self._panes
            self.vis.line(
                Y=[value],
                X=[step],
                win=name,
                update=None if first else "append",
                opts={"title": name, "xlabel": "step"} if first else None,
            )
            self._panes.add(name)

    def log_hparams(self, params: Mapping[str, Any]) -> None:
        """The hyperparameters as a two-column table in the pane ``hparams``."""
        import html

        rows = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
            for k, v in sorted(params.items())
        )
        self.vis.text(f"<table>{rows}</table>", win="hparams", opts={"title": "hparams"})

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued (waits up to ``timeout`` s); a send that failed is not raised."""
        try:
            self.vis.flush(timeout=timeout)
            self.vis.close_connection()
        except Exception as exc:  # a dashboard that went away must not fail the training run
            log.warning("torchscope: could not send every live update: %s", exc)
