"""``python -m torchscope``: the command line."""

from torchscope.cli import main

raise SystemExit(main())
