"""``TorchscopeLightningLogger``: a PyTorch Lightning logger writing through torchscope.

Metrics and hyperparameters go to a TensorBoard log directory (``save_dir/name/version_N``, the
layout of Lightning's TensorBoardLogger, so ``torchscope serve --logdir save_dir`` lists every
version as a run) and, when ``server_url`` is given, live to a running torchscope server.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lightning.pytorch.loggers.logger import Logger, rank_zero_experiment
from lightning.pytorch.utilities import rank_zero_only

from torchscope.client.writer import SummaryWriter
from torchscope.integrations.common import LivePlots, flatten_hparams, scalar_metrics


class TorchscopeLightningLogger(Logger):
    """Log a Lightning run to a logdir with torchscope's SummaryWriter, and optionally live.

    Args:
        save_dir: folder holding the runs (what ``torchscope serve --logdir`` is given).
        name: experiment folder under ``save_dir`` (``""`` writes versions straight into it).
        version: ``int`` for ``version_<n>``, a ``str`` used as the folder name, or ``None`` for
            the next free ``version_<n>``.
        server_url: a torchscope server (``http://localhost:8097``) to plot metrics on live.
        env: the Live env to plot in (default: ``<name>_<version folder>``).
        flush_secs: seconds between writes of the event file (the server shows new points then).
    """

    def __init__(
        self,
        save_dir: str | os.PathLike[str] = "lightning_logs",
        name: str = "torchscope",
        version: int | str | None = None,
        server_url: str | None = None,
        env: str | None = None,
        flush_secs: float = 10.0,
    ) -> None:
        super().__init__()
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        if version is not None and not isinstance(version, (int, str)):
            raise TypeError(f"version must be an int, a str or None, got {type(version).__name__}")
        self._save_dir = os.fspath(save_dir)
        self._name = name
        self._version = version
        self._server_url = server_url
        self._env = env
        self._flush_secs = flush_secs
        self._writer: SummaryWriter | None = None
        self._live: LivePlots | None = None

    # -- where the run goes -------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> int | str:
        if self._version is None:
            self._version = self._next_version()
        return self._version

    @property
    def save_dir(self) -> str:
        return self._save_dir

    @property
    def root_dir(self) -> str:
        return os.path.join(self._save_dir, self._name)

    @property
    def log_dir(self) -> str:
        """The run's folder: ``save_dir/name/version_<n>`` (or the ``str`` version given)."""
        version = self.version
        folder = version if isinstance(version, str) else f"version_{version}"
        return os.path.join(self.root_dir, folder)

    def _next_version(self) -> int:
        root = Path(self.root_dir)
        if not root.is_dir():
            return 0
        taken = [
            int(match.group(1))
            for entry in root.iterdir()
            if entry.is_dir() and (match := re.fullmatch(r"version_(\d+)", entry.name))
        ]
        return max(taken, default=-1) + 1

    # -- writing ------------------------------------------------------------------------------

    @property
    @rank_zero_experiment
    def experiment(self) -> SummaryWriter:
        """The SummaryWriter of this run (created on first use, on rank 0 only)."""
        if self._writer is None:
            self._writer = SummaryWriter(
                self.log_dir, flush_secs=self._flush_secs, hparams_separate_run=False
            )
            if self._server_url is not None:
                env = self._env or f"{self._name or 'lightning'}_{Path(self.log_dir).name}"
                self._live = LivePlots(self._server_url, env)
        return self._writer

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Each one-number metric as a scalar at ``step`` (and a live point)."""
        numbers = scalar_metrics(metrics)
        writer = self.experiment
        step = 0 if step is None else int(step)
        for tag, value in numbers.items():
            writer.add_scalar(tag, value, step)
        if self._live is not None:
            self._live.log_metrics(numbers, step)

    @rank_zero_only
    def log_hyperparams(
        self, params: Mapping[str, Any] | argparse.Namespace, *args: Any, **kwargs: Any
    ) -> None:
        """The hyperparameters, flattened (``optim/lr``), for the HParams view."""
        if isinstance(params, argparse.Namespace):
            params = vars(params)
        flat = flatten_hparams(params)
        if not flat:
            return
        self.experiment.add_hparams(flat, {})
        if self._live is not None:
            self._live.log_hparams(flat)

    @rank_zero_only
    def save(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    @rank_zero_only
    def finalize(self, status: str) -> None:
        """Flush and close the event file and the live connection (the end of ``fit``)."""
        if self._writer is not None:
            self._writer.flush()
            self._writer.close()
        if self._live is not None:
            self._live.close()
            self._live = None
