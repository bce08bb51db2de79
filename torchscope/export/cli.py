"""The ``torchscope export`` and ``torchscope export-env`` commands."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from torchscope.export.formats import ENV_FORMATS, SCALAR_FORMATS


def add_export_commands(commands: Any) -> None:
    """Register ``export`` and ``export-env`` on the ``torchscope`` sub-command parser."""
    export = commands.add_parser(
        "export", help="write every scalar point of a log directory to CSV, JSON or Parquet",
        allow_abbrev=False,
        description="Write every point (no sampling) of the selected scalar series of a "
        "TensorBoard log directory: run, tag, step, wall_time, value.",
    )  # fmt: skip
    export.add_argument("--logdir", required=True, help="log directory (local path or fsspec URL)")
    export.add_argument("--format", choices=SCALAR_FORMATS, default="csv", help="default csv")
    export.add_argument("--runs", default=None, help="only runs matching this regular expression")
    export.add_argument("--tags", default=None, help="only tags matching this regular expression")
    export.add_argument(
        "--output", "-o", default=None, help="file to write (default: standard output)"
    )
    export.set_defaults(handler=run_export)

    export_env = commands.add_parser(
        "export-env", help="write an env of the Live view as Visdom JSON or offline HTML",
        allow_abbrev=False,
        description="Write one env of the Live view as Visdom's env file (json) or as one "
        "self-contained HTML page that opens without a server or internet (html).",
    )  # fmt: skip
    export_env.add_argument(
        "--env-path", "-env_path", default=None,
        help="the server's env folder (default ~/.torchscope)",
    )  # fmt: skip
    export_env.add_argument("--env", default="main", help="env name (default main)")
    export_env.add_argument("--format", choices=ENV_FORMATS, default="json", help="default json")
    export_env.add_argument(
        "--output", "-o", default=None, help="file to write (default: standard output)"
    )
    export_env.set_defaults(handler=run_export_env)


@contextlib.contextmanager
def _output(path: str | None) -> Iterator[IO[bytes]]:
    if path is None or path == "-":
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    target = Path(path).expanduser()
    partial = target.with_name(target.name + ".partial")
    with partial.open("wb") as stream:
        yield stream
    partial.replace(target)  # a failed export leaves no half-written file under the name


def run_export(args: argparse.Namespace) -> int:
    """``torchscope export``: returns the exit status."""
    from torchscope.export.scalars import export_scalars, open_logdir

    if args.format == "parquet" and args.output in (None, "-"):
        print("torchscope: --format parquet needs --output FILE", file=sys.stderr)
        return 2
    store = None
    try:
        store = open_logdir(args.logdir)
        with _output(args.output) as stream:
            points = export_scalars(store, stream, args.format, args.runs, args.tags)
    except (ValueError, ImportError, OSError) as exc:
        print(f"torchscope: {exc}", file=sys.stderr)
        return 1
    finally:
        if store is not None:
            store.close()
    if args.output not in (None, "-"):
        print(f"wrote {points} points to {args.output}", file=sys.stderr)
    return 0


def run_export_env(args: argparse.Namespace) -> int:
    """``torchscope export-env``: returns the exit status."""
    from torchscope.export.env import env_to_visdom_json, load_env
    from torchscope.export.env_html import env_to_html
    from torchscope.server.config import DEFAULT_ENV_PATH

    try:
        env = load_env(args.env_path or DEFAULT_ENV_PATH, args.env)
        body = (
            env_to_visdom_json(env)
            if args.format == "json"
            else env_to_html(env, args.env).encode("utf-8")
        )
        with _output(args.output) as stream:
            stream.write(body)
    except (ValueError, OSError) as exc:
        print(f"torchscope: {exc}", file=sys.stderr)
        return 1
    return 0
