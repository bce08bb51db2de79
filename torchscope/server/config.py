"""Server settings, shared by the command line, the app factory and the plugins."""

from __future__ import annotations

import dataclasses
from pathlib import Path

DEFAULT_PORT = 8097
DEFAULT_HOST = "127.0.0.1"
DEFAULT_ENV_PATH = Path("~/.torchscope")


def normalize_base_url(base_url: str | None) -> str:
    """Return ``base_url`` as ``""`` or ``"/prefix"``: leading slash, no trailing slash.

    Visdom users pass ``-base_url /vis`` or ``-base_url /vis/``; both mean the same prefix.
    """
    if base_url is None:
        return ""
    stripped = base_url.strip().strip("/")
    if not stripped:
        return ""
    if any(ch in stripped for ch in "?#\\ ") or ".." in stripped.split("/"):
        raise ValueError(f"base_url {base_url!r} must be a plain URL path such as /vis")
    return "/" + stripped


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """What the server was asked to do. Frozen: plugins read it, nobody changes it."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    hostname: str | None = None
    base_url: str = ""
    env_path: Path = DEFAULT_ENV_PATH
    logdir: str | None = None
    readonly: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", normalize_base_url(self.base_url))
        object.__setattr__(self, "env_path", Path(self.env_path).expanduser())
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port}")

    @property
    def listens_on_all_interfaces(self) -> bool:
        return self.host in ("0.0.0.0", "::", "")

    def public_url(self, port: int | None = None) -> str:
        """The URL printed for people: the name they can type, the port really bound."""
        name = self.hostname or self._default_display_host()
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"  # an IPv6 literal needs brackets in a URL
        return f"http://{name}:{self.port if port is None else port}{self.base_url}"

    def _default_display_host(self) -> str:
        if self.listens_on_all_interfaces or self.host in ("127.0.0.1", "::1", "localhost"):
            return "localhost"
        return self.host
