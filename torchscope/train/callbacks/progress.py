"""A plain-text progress bar: one live line per epoch on a terminal, one summary row per epoch."""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

from torchscope.train.callback import Callback

_BAR_WIDTH = 24
_REFRESH_S = 0.2  # redraw at most 5 times a second: drawing must stay off the step's cost


class ProgressBar(Callback):
    """Show training progress as text on ``stream`` (stderr by default).

    On a terminal (or with ``live=True``) the current batch is redrawn in place; otherwise only
    the table of finished epochs is printed, which keeps log files readable.
    """

    order = 90
    main_process_only = True

    def __init__(self, stream: TextIO | None = None, live: bool | None = None) -> None:
        self.stream = stream
        self.live = live
        self._last_draw = 0.0
        self._header_done = False
        self._columns: list[str] = []

    @property
    def _out(self) -> TextIO:
        return self.stream if self.stream is not None else sys.stderr

    def _is_live(self) -> bool:
        if self.live is not None:
            return self.live
        return bool(getattr(self._out, "isatty", lambda: False)())

    def before_fit(self) -> None:
        self._header_done = False

    def after_batch(self) -> None:
        if not self._is_live():
            return
        now = time.perf_counter()
        learner = self.learner
        last = learner.iter + 1 == learner.n_iter
        if now - self._last_draw < _REFRESH_S and not last:
            return
        self._last_draw = now
        done = (learner.iter + 1) / max(1, learner.n_iter)
        filled = int(done * _BAR_WIDTH)
        stage = "train" if learner.training else "valid"
        loss = float(learner.loss)
        self._out.write(
            f"\repoch {learner.epoch + 1}/{learner.n_epochs} {stage} "
            f"[{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] "
            f"{learner.iter + 1}/{learner.n_iter} loss {loss:.4f}"
        )
        self._out.flush()

    def after_epoch(self) -> None:
        row = self.learner.recorder.last
        if not self._header_done:
            self._columns = list(row)
            header = "".join(f"{name:>14}" for name in self._columns)
            self._write_line(header)
            self._header_done = True
        cells = "".join(_cell(row.get(name, math.nan), name) for name in self._columns)
        self._write_line(cells)

    def _write_line(self, text: str) -> None:
        prefix = "\r\033[K" if self._is_live() else ""
        self._out.write(f"{prefix}{text}\n")
        self._out.flush()

    def cleanup_fit(self) -> None:
        if self._is_live():
            self._out.write("\n")
            self._out.flush()


def _cell(value: float, name: str) -> str:
    if name == "epoch":
        return f"{int(value) + 1:>14d}"
    if name == "time":
        return f"{value:>13.1f}s"
    return f"{value:>14.4f}"
