"""``python -m torchscope.server``: the same server as ``torchscope serve``."""

from __future__ import annotations

import argparse
import sys

from torchscope.cli import add_serve_arguments, run_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m torchscope.server",
        description="Start the torchscope server (Visdom protocol, TensorBoard log directories).",
        allow_abbrev=False,
    )
    add_serve_arguments(parser)
    return run_server(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
