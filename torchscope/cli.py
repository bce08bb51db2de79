"""The ``torchscope`` command line.

``torchscope serve`` and ``python -m torchscope.server`` take the same flags. Visdom's
single-dash spellings (``-port``, ``-base_url``, ``-env_path``, ``-readonly`` ...) are accepted
so that the commands Visdom users already type keep working.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from torchscope import __version__
from torchscope.export.cli import add_export_commands
from torchscope.server.config import DEFAULT_ENV_PATH, DEFAULT_HOST, DEFAULT_PORT, ServerConfig
from torchscope.server.security_args import add_security_arguments, security_config_fields

_LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", "-port", type=int, default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)",
    )  # fmt: skip
    parser.add_argument(
        "--host", default=DEFAULT_HOST,
        help="address to listen on (default 127.0.0.1; 0.0.0.0 listens on all interfaces)",
    )  # fmt: skip
    parser.add_argument(
        "--bind-local", "-bind_local", action="store_true",
        help="listen on 127.0.0.1 only (the default; kept for Visdom's flag)",
    )  # fmt: skip
    parser.add_argument(
        "--hostname", default=None, help="host name shown in the printed URL (default localhost)"
    )
    parser.add_argument(
        "--base-url", "-base_url", default="",
        help="serve every route under this URL prefix, e.g. /vis",
    )  # fmt: skip
    parser.add_argument(
        "--env-path", "-env_path", default=str(DEFAULT_ENV_PATH),
        help="folder for live environments (default ~/.torchscope)",
    )  # fmt: skip
    parser.add_argument(
        "--logdir", default=None,
        help="a TensorBoard log directory (local path or fsspec URL such as s3://bucket/runs)",
    )  # fmt: skip
    parser.add_argument(
        "--samples_per_plugin", "--samples-per-plugin", default="", type=_samples_per_plugin,
        help="most samples kept per tag, e.g. images=100,histograms=all (0 or all: keep all; "
        "default images, audio, histograms 1000; scalars are always all kept)",
    )  # fmt: skip
    parser.add_argument(
        "--reload_interval", "--reload-interval", type=float, default=None,
        help="seconds between logdir polls (default 1 local, 5 for a URL; 0 loads once)",
    )  # fmt: skip
    parser.add_argument(
        "--no-cache", dest="logdir_cache", action="store_false",
        help="do not keep the persistent cache of parsed runs under --env-path",
    )  # fmt: skip
    parser.add_argument(
        "--load-workers", type=int, default=None,
        help="processes reading a large logdir at start-up (default one per CPU, up to 8)",
    )  # fmt: skip
    parser.add_argument("--readonly", "-readonly", action="store_true", help="refuse every write")
    add_security_arguments(parser)
    parser.add_argument(
        "--log-level", "-logging_level", default="warning", type=_log_level,
        help="server log level: debug, info, warning (default), error",
    )  # fmt: skip
    # Visdom flags that need no action here: data is always loaded on demand and kept on disk.
    parser.add_argument("-eager_data_loading", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-use_frontend_client_polling", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-enable_login", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-force_new_cookie", action="store_true", help=argparse.SUPPRESS)


def _log_level(value: str) -> str:
    # Visdom takes names or numbers (``-logging_level 20``).
    if value.isdigit():
        return logging.getLevelName(int(value)).lower()
    if value.lower() not in _LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"unknown log level {value!r}; use one of {_LOG_LEVELS}")
    return value.lower()


def _samples_per_plugin(value: str) -> tuple[tuple[str, int | None], ...]:
    """``images=100,histograms=all`` as ((plugin, cap), ...); 0 or ``all`` keeps every sample."""
    pairs: list[tuple[str, int | None]] = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        plugin, sep, count = item.partition("=")
        if not sep or not plugin.strip():
            raise argparse.ArgumentTypeError(f"{item!r} is not plugin=count, e.g. images=100")
        count = count.strip().lower()
        if count in ("0", "all"):
            pairs.append((plugin.strip(), None))
        elif count.isdigit():
            pairs.append((plugin.strip(), int(count)))
        else:
            raise argparse.ArgumentTypeError(f"{item!r}: the count must be a number or 'all'")
    return tuple(pairs)


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    if args.enable_login or args.force_new_cookie:
        raise SystemExit(
            "torchscope: -enable_login is not supported; use --auth password (or --auth token)"
        )
    host = DEFAULT_HOST if args.bind_local else args.host
    try:
        return ServerConfig(
            host=host,
            port=args.port,
            hostname=args.hostname,
            base_url=args.base_url,
            env_path=args.env_path,
            logdir=args.logdir,
            readonly=args.readonly,
            samples_per_plugin=args.samples_per_plugin,
            reload_interval=args.reload_interval,
            logdir_cache=args.logdir_cache,
            load_workers=args.load_workers,
            **security_config_fields(args),
        )
    except ValueError as exc:
        raise SystemExit(f"torchscope: {exc}") from None


def run_server(args: argparse.Namespace) -> int:
    from torchscope.server.runner import ServerStartError, serve

    config = config_from_args(args)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        serve(config, log_level=args.log_level)
    except ServerStartError as exc:
        print(f"torchscope: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="torchscope",
        description="See your PyTorch training: live plots, TensorBoard logs, graphs, projections.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"torchscope {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve", help="start the dashboard server", allow_abbrev=False,
        description="Start the dashboard server (Visdom protocol and TensorBoard log directories).",
    )  # fmt: skip
    add_serve_arguments(serve)
    serve.set_defaults(handler=run_server)
    add_export_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
