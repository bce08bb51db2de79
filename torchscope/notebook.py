"""The dashboard inside Jupyter (JupyterLab and classic Notebook).

``%load_ext torchscope`` then ``%torchscope --logdir runs`` starts a torchscope server in a
background process (or reuses the one already serving that logdir on that port) and shows
the dashboard in the cell's output; ``show(port=...)`` embeds a server that is already
running. The page is served by torchscope itself, so nothing is fetched from the internet.

IPython is imported only inside the functions that display something, so ``start`` also
works from a plain Python script.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import html
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The line a server prints once it listens: "It's Alive! You can navigate to <url>".
_READY_LINE = re.compile(r"navigate to (\S+)")
DEFAULT_HEIGHT = 800
DEFAULT_START_TIMEOUT = 60.0


@dataclass
class NotebookServer:
    """A server started from this Python process."""

    logdir: str
    #: The port asked for (``None``: a free one was picked); part of the reuse key.
    requested_port: int | None
    #: The address to open, as the server printed it (with any login token).
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log_file: Path
    extra_args: tuple[str, ...] = field(default=())

    def alive(self) -> bool:
        """True while the process runs."""
        return self.process.poll() is None

    def stop(self) -> None:
        """End the server process (waits up to 10 s, then kills it)."""
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_SERVERS: dict[tuple[str, int | None], NotebookServer] = {}
_LOCK = threading.Lock()


def _logdir_key(logdir: str) -> str:
    # A URL stays as written; a local folder is made absolute so "runs" and "./runs" match.
    return logdir if "://" in logdir else str(Path(logdir).expanduser().resolve())


def default_env_path(logdir: str) -> Path:
    """The env folder of a notebook server: one per logdir under ``~/.torchscope/notebook``.

    Not the default ``~/.torchscope``, which a server started from a terminal may hold (two
    writing servers cannot share an env path), and one per logdir so each keeps its cache.
    """
    digest = hashlib.sha1(_logdir_key(logdir).encode()).hexdigest()[:12]
    return Path("~/.torchscope/notebook").expanduser() / digest


def start(
    logdir: str,
    port: int | None = None,
    extra_args: Sequence[str] = (),
    timeout: float = DEFAULT_START_TIMEOUT,
) -> NotebookServer:
    """Start ``torchscope serve --logdir LOGDIR`` in the background, or reuse a running one.

    A server this process started for the same logdir and port (any port when ``port`` is
    None) is reused while it runs. ``extra_args`` go to ``torchscope serve`` as they are
    (``--env-path`` included; by default :func:`default_env_path`). Raises ``RuntimeError``
    with the server's output when it does not come up within ``timeout`` seconds.
    """
    if not isinstance(logdir, str) or not logdir:
        raise ValueError(f"logdir must be a non-empty string, got {logdir!r}")
    if port is not None and (not isinstance(port, int) or not 0 <= port <= 65535):
        raise ValueError(f"port must be an integer from 0 to 65535, got {port!r}")
    key = _logdir_key(logdir)
    with _LOCK:
        running = _find_running(key, port)
        if running is not None:
            return running
        server = _launch(logdir, key, port, tuple(extra_args), timeout)
        _SERVERS[(key, port)] = server
        return server


def _find_running(key: str, port: int | None) -> NotebookServer | None:
    for (logdir, requested), server in list(_SERVERS.items()):
        if logdir != key or not server.alive():
            continue
        if port is None or port in (requested, server.port):
            return server
    return None


def _launch(
    logdir: str, key: str, port: int | None, extra_args: tuple[str, ...], timeout: float
) -> NotebookServer:
    command = [sys.executable, "-m", "torchscope", "serve", "--logdir", logdir]
    command += ["--port", str(0 if port is None else port)]
    if not any(arg.split("=")[0] in ("--env-path", "-env_path") for arg in extra_args):
        env_path = default_env_path(logdir)
        env_path.mkdir(parents=True, exist_ok=True)
        command += ["--env-path", str(env_path)]
    # The notebook page (another port of this machine) shows the dashboard in a frame.
    command += [
        "--frame-ancestors",
        "http://localhost:*",
        "--frame-ancestors",
        "http://127.0.0.1:*",
    ]
    command += list(extra_args)
    log_fd, log_name = tempfile.mkstemp(prefix="torchscope-notebook-", suffix=".log")
    log_file = Path(log_name)
    # Output goes to a file, not a pipe: a pipe nobody reads would block the server once full.
    with os.fdopen(log_fd, "wb") as log_stream:
        process = subprocess.Popen(
            command,
            stdout=log_stream,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    url = _wait_for_url(process, log_file, timeout)
    bound = _port_of(url)
    server = NotebookServer(key, port, url, bound, process, log_file, extra_args)
    _wait_until_answering(server, timeout)
    return server


def _wait_for_url(process: subprocess.Popen[bytes], log_file: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = log_file.read_text(errors="replace")
        match = _READY_LINE.search(output)
        if match:
            return match.group(1)
        if process.poll() is not None:
            raise RuntimeError(f"torchscope server exited ({process.returncode}):\n{output}")
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(
        f"torchscope server did not start within {timeout:.0f} s:\n"
        + log_file.read_text(errors="replace")
    )


def _port_of(url: str) -> int:
    match = re.match(r"https?://(?:\[[^\]]+\]|[^/:]+):(\d+)", url)
    if match is None:
        raise RuntimeError(f"cannot read the port in the server's address {url!r}")
    return int(match.group(1))


def _wait_until_answering(server: NotebookServer, timeout: float) -> None:
    health = f"http://127.0.0.1:{server.port}{_base_path(server.url)}/api/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(health, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (an auth-protected health check still proves that)
        except OSError:
            if not server.alive():
                raise RuntimeError(
                    "torchscope server exited:\n" + server.log_file.read_text(errors="replace")
                ) from None
            time.sleep(0.1)
    raise RuntimeError(f"torchscope server on port {server.port} does not answer")


def _base_path(url: str) -> str:
    path = re.sub(r"^https?://[^/]+", "", url).split("?")[0].rstrip("/")
    return path


def stop_all() -> None:
    """End every server this process started (done at exit, too)."""
    with _LOCK:
        servers = list(_SERVERS.values())
        _SERVERS.clear()
    for server in servers:
        server.stop()


atexit.register(stop_all)


# --- display --------------------------------------------------------------------------------


def frame_html(url: str, view: str | None = None, height: int = DEFAULT_HEIGHT) -> str:
    """An ``<iframe>`` showing the dashboard at ``url`` (on the view ``view``, e.g. "scalars").

    A small script points the frame at the notebook page's own host when the notebook is
    opened from another machine than ``localhost`` (a remote Jupyter server): the kernel's
    ``localhost`` is not the browser's.
    """
    if view is not None and not re.fullmatch(r"[\w.-]+", view):
        raise ValueError(f"view must be a view name such as 'scalars', got {view!r}")
    if not isinstance(height, int) or height < 50:
        raise ValueError(f"height must be an integer of at least 50 pixels, got {height!r}")
    parts = urllib.parse.urlsplit(url)
    # The UI lives at "<base>/": ask for it directly rather than through a redirect.
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    src = urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, path, parts.query, f"/{view}" if view else "")
    )
    frame_id = "torchscope-" + uuid.uuid4().hex[:12]
    return (
        f'<iframe id="{frame_id}" src="{html.escape(src, quote=True)}" width="100%" '
        f'height="{height}" frameborder="0" allowfullscreen></iframe>\n'
        "<script>(function () {\n"
        f"  var frame = document.getElementById('{frame_id}');\n"
        "  var local = ['localhost', '127.0.0.1', '[::1]'];\n"
        "  var target = new URL(frame.src);\n"
        "  var here = window.location.hostname;\n"
        "  if (here && local.indexOf(target.hostname) >= 0 && local.indexOf(here) < 0) {\n"
        "    target.hostname = here;\n"
        "    frame.src = target.toString();\n"
        "  }\n"
        "})();</script>"
    )


def _display_html(markup: str) -> None:
    try:
        from IPython.display import HTML, display
    except ImportError as exc:
        raise ImportError("showing the dashboard needs IPython (run this in Jupyter)") from exc
    display(HTML(markup))


def show(
    port: int = 6006,
    view: str | None = None,
    height: int = DEFAULT_HEIGHT,
    host: str = "localhost",
    url: str | None = None,
) -> None:
    """Embed a running torchscope server in the cell's output.

    ``port``/``host`` say where it listens (a server started by ``%torchscope`` on that port
    is found by its port, login token included); ``url`` overrides both, e.g. a URL with a
    ``?token=`` or a base URL. ``view`` opens a view ("scalars", "images", "live", ...).
    """
    if url is None:
        if not isinstance(port, int) or not 0 < port <= 65535:
            raise ValueError(f"port must be an integer from 1 to 65535, got {port!r}")
        started = next((s for s in _SERVERS.values() if s.port == port and s.alive()), None)
        url = started.url if started is not None else f"http://{host}:{port}/"
    _display_html(frame_html(url, view, height))


# --- the %torchscope magic -----------------------------------------------------------------


def _magic_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="%torchscope", add_help=True, allow_abbrev=False,
        description="Start (or reuse) a torchscope server for a log directory and show it here. "
        "Other flags are passed to `torchscope serve`.",
    )  # fmt: skip
    parser.add_argument("--logdir", required=True, help="log directory to serve")
    parser.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    parser.add_argument("--view", default=None, help="view to open, e.g. scalars")
    parser.add_argument("--height", type=int, default=DEFAULT_HEIGHT, help="frame height (px)")
    return parser


def torchscope_magic(line: str) -> None:
    """``%torchscope --logdir runs [--port N] [--view V] [--height H] [serve flags...]``."""
    parser = _magic_parser()
    try:
        args, extra = parser.parse_known_args(shlex.split(line))
    except SystemExit:
        return  # argparse printed the usage or the error already
    try:
        server = start(args.logdir, args.port, extra_args=extra)
    except (RuntimeError, ValueError) as exc:
        print(f"torchscope: {exc}", file=sys.stderr)
        return
    _display_html(frame_html(server.url, args.view, args.height))


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext torchscope``: registers the ``%torchscope`` line magic."""
    ipython.register_magic_function(torchscope_magic, magic_kind="line", magic_name="torchscope")
