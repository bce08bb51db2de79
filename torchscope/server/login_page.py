"""The login page: plain HTML served by the package (no script, no CDN), under the base URL."""

from __future__ import annotations

import base64
import hashlib
import html

_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#f5f6f8;color:#222;margin:0}"
    "main{max-width:22rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:8px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15)}"
    "h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .3rem}"
    "input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}"
    "button{margin-top:1.2rem;padding:.5rem 1.2rem;font-size:1rem}"
    ".error{color:#b00020}"
)

#: CSP source for the page's one inline stylesheet, so no 'unsafe-inline' is needed.
STYLE_HASH_SOURCE = (
    "'sha256-" + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode() + "'"
)


def login_page_csp(frame_ancestors: tuple[str, ...] = ()) -> str:
    """The policy the login page is served with (it has no script at all)."""
    ancestors = " ".join(["'self'", *frame_ancestors])
    return (
        f"default-src 'none'; style-src {STYLE_HASH_SOURCE}; img-src 'self'; "
        f"form-action 'self'; frame-ancestors {ancestors}; base-uri 'none'"
    )


def login_page(*, mode: str, base_url: str, next_path: str = "", error: str = "") -> str:
    """The HTML of the login form; ``mode`` is ``"token"`` or ``"password"``."""
    if mode == "token":
        fields = (
            '<label for="token">Token (printed by <code>torchscope serve</code>)</label>'
            '<input id="token" name="token" type="password" autocomplete="off" autofocus required>'
        )
    else:
        fields = (
            '<label for="username">User name</label>'
            '<input id="username" name="username" autocomplete="username">'
            '<label for="password">Password</label>'
            '<input id="password" name="password" type="password" '
            'autocomplete="current-password" autofocus required>'
        )
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    action = html.escape(f"{base_url}/login", quote=True)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>torchscope: log in</title><style>{_STYLE}</style></head><body><main>"
        f'<h1>torchscope</h1>{message}<form method="post" action="{action}">{fields}'
        f'<input type="hidden" name="next" value="{html.escape(next_path, quote=True)}">'
        '<button type="submit">Log in</button></form></main></body></html>'
    )
