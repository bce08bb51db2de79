"""Server settings, shared by the command line, the app factory and the plugins."""

from __future__ import annotations

import dataclasses
import re
import secrets
from pathlib import Path

from torchscope.server.passwords import PasswordHash

DEFAULT_PORT = 8097
#: An origin a CSP frame-ancestors source may name: scheme, host, optional port or *.
_FRAME_ORIGIN = re.compile(
    r"https?://(\*\.)?[A-Za-z0-9.\-]+(:(\d{1,5}|\*))?|https?://\[[0-9A-Fa-f:]+\](:(\d{1,5}|\*))?"
)
DEFAULT_HOST = "127.0.0.1"
DEFAULT_ENV_PATH = Path("~/.torchscope")
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
AUTH_MODES = ("none", "token", "password")


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
    #: ``"none"``, ``"token"`` (a random token, made here when not given) or ``"password"``.
    auth: str = "none"
    token: str | None = dataclasses.field(default=None, repr=False)
    password_hash: PasswordHash | None = dataclasses.field(default=None, repr=False)
    #: With ``auth="password"``: the user name logins must give (any name when None).
    username: str | None = None
    #: Largest request body or WebSocket message accepted, in bytes.
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Origins besides the server's own allowed to show the page in a frame (a notebook's).
    frame_ancestors: tuple[str, ...] = ()
    #: Logdir reading: (plugin, most samples kept per tag or None for all) pairs overriding the
    #: defaults; seconds between polls (None: 1 s local, 5 s URL; 0: load once); the persistent
    #: cache under env_path; worker processes for the first read (None: one per CPU, up to 8).
    samples_per_plugin: tuple[tuple[str, int | None], ...] = ()
    reload_interval: float | None = None
    logdir_cache: bool = True
    load_workers: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", normalize_base_url(self.base_url))
        object.__setattr__(self, "env_path", Path(self.env_path).expanduser())
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, got {self.port}")
        self._check_security_fields()
        self._check_logdir_fields()

    def _check_security_fields(self) -> None:
        if self.auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {AUTH_MODES}, got {self.auth!r}")
        if self.auth == "token" and self.token is None:
            object.__setattr__(self, "token", secrets.token_urlsafe(32))
        if self.auth == "token" and not self.token:
            raise ValueError("token must be a non-empty string with auth='token'")
        if self.auth == "password" and self.password_hash is None:
            raise ValueError("auth='password' needs password_hash (see passwords.hash_password)")
        if isinstance(self.max_body_bytes, bool) or not isinstance(self.max_body_bytes, int):
            raise TypeError(f"max_body_bytes must be an int, got {self.max_body_bytes!r}")
        if self.max_body_bytes <= 0:
            raise ValueError(f"max_body_bytes must be positive, got {self.max_body_bytes}")
        object.__setattr__(self, "frame_ancestors", tuple(self.frame_ancestors))
        for origin in self.frame_ancestors:
            if not _FRAME_ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"frame_ancestors: {origin!r} is not an origin such as http://localhost:8888 "
                    "(a port may be *)"
                )

    def _check_logdir_fields(self) -> None:
        object.__setattr__(self, "samples_per_plugin", tuple(self.samples_per_plugin))
        for plugin, cap in self.samples_per_plugin:
            if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
                raise ValueError(f"samples_per_plugin: {plugin}={cap!r} must be a positive count")
        if self.reload_interval is not None and not self.reload_interval >= 0:
            raise ValueError(f"reload_interval must be >= 0 seconds, got {self.reload_interval}")
        if self.load_workers is not None and self.load_workers < 1:
            raise ValueError(f"load_workers must be >= 1, got {self.load_workers}")

    @property
    def listens_on_all_interfaces(self) -> bool:
        return self.host in ("0.0.0.0", "::", "")

    def login_url(self, port: int | None = None) -> str:
        """The URL to print at start: with ``?token=`` under token auth, as Jupyter does."""
        url = self.public_url(port)
        return f"{url}/?token={self.token}" if self.auth == "token" else url

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
