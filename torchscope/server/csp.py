"""The page's Content-Security-Policy, with hashes for the page's own inline scripts.

The built ``index.html`` has one small inline script (it applies the remembered theme before
the first paint). Rather than allow every inline script, the policy names that script by its
SHA-256, read from the installed page, so an injected ``<script>`` still cannot run.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from pathlib import Path

#: Inline scripts: ``<script>`` elements without a ``src`` attribute.
_INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)

#: Everything but script-src. Styles allow 'unsafe-inline' because Plotly adds its stylesheet
#: at run time (without it, hover and drag stop working) and Visdom's HTML panes keep their
#: style attributes; styles cannot run script. Images and media may also be data:/blob: URLs
#: (image panes, audio/video panes, exports).
_OTHER_DIRECTIVES = (
    "style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; "
    "worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)


def inline_script_hashes(page: str) -> list[str]:
    """CSP hash sources (``'sha256-...'``) of the inline scripts in ``page``, in order."""
    hashes = []
    for match in _INLINE_SCRIPT.finditer(page):
        digest = hashlib.sha256(match.group(1).encode("utf-8")).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return hashes


def frame_ancestors_directive(origins: tuple[str, ...] = ()) -> str:
    """Who may show the page in a frame: the server itself, plus ``origins`` (notebooks)."""
    return "frame-ancestors " + " ".join(["'self'", *origins])


def build_policy(page: str | None, frame_ancestors: tuple[str, ...] = ()) -> str:
    """The policy for the UI built as ``page`` (``None`` when the UI is not built)."""
    script_src = " ".join(["'self'", *inline_script_hashes(page or "")])
    return (
        f"default-src 'self'; script-src {script_src}; {_OTHER_DIRECTIVES}; "
        f"{frame_ancestors_directive(frame_ancestors)}"
    )


#: Seconds between checks of index.html for a rebuilt page.
_RECHECK_S = 1.0


class PagePolicy:
    """The policy for the page in ``web_dir``; re-read when ``index.html`` changes."""

    def __init__(self, web_dir: Path, frame_ancestors: tuple[str, ...] = ()) -> None:
        self._index = web_dir / "index.html"
        self._frame_ancestors = frame_ancestors
        self._stamp: tuple[int, int] | None = None
        self._policy = build_policy(None, frame_ancestors)
        self._checked = -_RECHECK_S

    def current(self) -> str:
        """The policy, matching the ``index.html`` installed now (checked at most once a second:
        every response carries the policy, and a stat per live append is measurable)."""
        now = time.monotonic()
        if now - self._checked < _RECHECK_S:
            return self._policy
        self._checked = now
        try:
            stat = self._index.stat()
        except OSError:
            self._policy = build_policy(None, self._frame_ancestors)
            self._stamp = None
            return self._policy
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:
                page = self._index.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                page = None
            self._policy = build_policy(page, self._frame_ancestors)
            self._stamp = stamp
        return self._policy
