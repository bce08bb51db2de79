"""The command line's security flags (``--auth``, ``--password-file``, ``--username``,
``--max-body-mb``) and the ``ServerConfig`` fields they become."""

from __future__ import annotations

import argparse
from typing import Any

from torchscope.server.config import AUTH_MODES, DEFAULT_MAX_BODY_BYTES
from torchscope.server.passwords import PASSWORD_ENV_VAR, hash_password, read_password

_MB = 1024 * 1024


def add_security_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the authentication and size-limit flags to ``parser``."""
    parser.add_argument(
        "--auth", choices=AUTH_MODES, default="none",
        help="who may connect: none (default), token (a random token in the printed URL) or "
        f"password (from ${PASSWORD_ENV_VAR} or --password-file)",
    )  # fmt: skip
    parser.add_argument(
        "--password-file", default=None,
        help=f"file whose first line is the password for --auth password "
        f"(default: ${PASSWORD_ENV_VAR})",
    )  # fmt: skip
    parser.add_argument(
        "--username", default=None,
        help="with --auth password: the user name logins must give (default: any)",
    )  # fmt: skip
    parser.add_argument(
        "--frame-ancestors", action="append", default=[], metavar="ORIGIN",
        help="an origin allowed to show the dashboard in a frame, e.g. a notebook's "
        "http://localhost:8888 (a port may be *); repeat for several",
    )  # fmt: skip
    parser.add_argument(
        "--max-body-mb", type=_positive_mb, default=DEFAULT_MAX_BODY_BYTES / _MB,
        help="largest request body or WebSocket message accepted, in MB (default 64)",
    )  # fmt: skip


def _positive_mb(value: str) -> float:
    try:
        mb = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--max-body-mb must be a number, got {value!r}") from None
    if not 0 < mb < 1024 * 1024:
        raise argparse.ArgumentTypeError(f"--max-body-mb must be positive, got {value!r}")
    return mb


def security_config_fields(args: argparse.Namespace) -> dict[str, Any]:
    """``ServerConfig`` keyword arguments from the parsed flags; the password is hashed here.

    Raises ValueError (naming the flag) when ``--auth password`` has no password.
    """
    fields: dict[str, Any] = {
        "auth": args.auth,
        "max_body_bytes": max(1, int(args.max_body_mb * _MB)),
        "username": args.username,
        "frame_ancestors": tuple(args.frame_ancestors),
    }
    if args.auth == "password":
        fields["password_hash"] = hash_password(read_password(args.password_file))
    elif args.password_file is not None:
        raise ValueError("--password-file needs --auth password")
    return fields
