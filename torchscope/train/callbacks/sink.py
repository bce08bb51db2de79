"""Loggers: a base class that turns loop events into simple ``log_*`` calls, and a CSV logger."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

from torchscope.train.callback import Callback


class MetricsSink(Callback):
    """Base class of loggers: override the ``log_*`` methods you need.

    * ``log_start()``: before the first epoch; ``self.learner.model`` and
      ``self.learner.fixed_batch(n)`` are there for graphs and fixed samples.
    * ``log_batch(step, values)``: every ``every`` training batches, with ``train_loss`` (this
      process's batch loss) and ``lr``; ``step`` is ``learner.train_iter``, the global batch count.
    * ``log_epoch(epoch, values)``: after every epoch, with the recorder's row (``train_loss``,
      ``valid_loss``, metrics, ``time``), all-reduced under DDP. It runs with grad enabled and the
      model in eval mode (after validation), so explanation maps can be computed here.
    * ``log_end()``: always at the end of a fit, even after an error or cancellation.

    Loggers run on rank 0 only under DDP (``main_process_only``).
    """

    order = 80
    main_process_only = True
    #: A subclass that sets this gets ``train_loss`` in ``log_batch`` as the detached loss tensor
    #: (still on the GPU when training there) instead of a float: turning it into a float waits
    #: for the device, which every batch would stall the pipeline of queued kernels.
    batch_loss_as_tensor = False

    def __init__(self, every: int = 1) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an int >= 1, got {every!r}")
        self.every = every
        # Skip the per-batch work entirely when a subclass does not log batches.
        self._logs_batches = type(self).log_batch is not MetricsSink.log_batch

    def log_start(self) -> None:
        """Called once before training starts."""

    def log_batch(self, step: int, values: dict[str, float]) -> None:
        """Called every ``every`` training batches."""

    def log_epoch(self, epoch: int, values: dict[str, float]) -> None:
        """Called after every finished epoch."""

    def log_end(self) -> None:
        """Called when the fit ends, however it ends."""

    def before_fit(self) -> None:
        self.log_start()

    def after_batch(self) -> None:
        learner = self.learner
        if not (self._logs_batches and learner.training) or learner.train_iter % self.every:
            return
        loss = learner.loss.detach() if self.batch_loss_as_tensor else float(learner.loss)
        values: dict[str, Any] = {
            "train_loss": loss,
            "lr": float(learner.opt.param_groups[0]["lr"]),
        }
        self.log_batch(learner.train_iter, values)

    def after_epoch(self) -> None:
        row = dict(self.learner.recorder.last)
        epoch = int(row.pop("epoch", self.learner.epoch))
        self.log_epoch(epoch, row)

    def cleanup_fit(self) -> None:
        self.log_end()


class CSVLogger(MetricsSink):
    """Write one CSV row per epoch to ``path`` (``epoch,train_loss,valid_loss,<metrics>,time``).

    The first fit truncates the file unless ``append=True``; later fits with the same logger add
    rows, so one file holds the whole history. An existing header is kept when appending.
    """

    def __init__(self, path: str | Path = "history.csv", append: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.append = append
        self._file: IO[str] | None = None
        self._writer: Any = None
        self._started = False

    def log_start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        append = self.append or self._started
        self._started = True
        self._fieldnames: list[str] | None = None
        if append and self.path.is_file() and self.path.stat().st_size > 0:
            with self.path.open(newline="", encoding="utf-8") as existing:
                self._fieldnames = next(csv.reader(existing), None)
        self._file = self.path.open("a" if append else "w", newline="", encoding="utf-8")
        self._writer = None

    def log_epoch(self, epoch: int, values: dict[str, float]) -> None:
        if self._file is None:
            return
        row = {"epoch": epoch, **values}
        if self._writer is None:
            # Appending keeps the file's columns; a new file takes the columns of the first row.
            fieldnames = self._fieldnames or list(row)
            self._writer = csv.DictWriter(self._file, fieldnames=fieldnames, extrasaction="ignore")
            if self._fieldnames is None:
                self._writer.writeheader()
        self._writer.writerow(row)
        self._file.flush()

    def log_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
