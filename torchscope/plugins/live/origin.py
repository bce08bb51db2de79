"""Refusing requests a web page from another site makes on the user's behalf.

Visdom accepts any Origin, so any page the user visits can POST windows (a "simple" request
needs no CORS preflight) or open the browser socket. Python clients send no Origin (requests)
or their own host (websocket-client); browsers always send it on POSTs and WebSockets.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit


def is_cross_site(headers: Mapping[str, str]) -> bool:
    """True when the request carries an Origin whose host is not the host it was sent to."""
    origin = headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    origin_host = urlsplit(origin).netloc.lower()
    hosts = {headers.get("host", "").lower()}
    forwarded = headers.get("x-forwarded-host")
    if forwarded:
        hosts.update(h.strip().lower() for h in forwarded.split(","))
    return origin_host not in hosts
