"""``TorchscopeCallback``: a Hugging Face ``Trainer`` callback writing through torchscope.

What the Trainer logs (``loss``, ``learning_rate``, ``eval_loss``...) goes to a TensorBoard log
directory as scalars named as the Trainer's own TensorBoard callback names them
(``train/loss``, ``eval/loss``), at ``state.global_step``; the training arguments and the
model's config go to the HParams view. With ``server_url``, the same numbers are plotted live.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from torchscope.client.writer import SummaryWriter
from torchscope.integrations.common import LivePlots, flatten_hparams, scalar_metrics

#: Log keys with these prefixes keep their section; the others are training metrics.
_SECTIONS = ("eval_", "test_")


def metric_tag(key: str) -> str:
    """``eval_loss`` -> ``eval/loss``, ``loss`` -> ``train/loss``, as the Trainer's TensorBoard
    callback names them."""
    for prefix in _SECTIONS:
        if key.startswith(prefix):
            return prefix[:-1] + "/" + key[len(prefix) :]
    return "train/" + key


class TorchscopeCallback(TrainerCallback):
    """Log a ``Trainer`` run to a logdir with torchscope's SummaryWriter, and optionally live.

    Args:
        log_dir: the run's folder (default ``<output_dir>/runs/<start time>``).
        server_url: a torchscope server (``http://localhost:8097``) to plot metrics on live.
        env: the Live env to plot in (default: the run folder's name).
        flush_secs: seconds between writes of the event file.
    """

    def __init__(
        self,
        log_dir: str | os.PathLike[str] | None = None,
        server_url: str | None = None,
        env: str | None = None,
        flush_secs: float = 10.0,
    ) -> None:
        self.log_dir = os.fspath(log_dir) if log_dir is not None else None
        self.server_url = server_url
        self.env = env
        self.flush_secs = flush_secs
        self.writer: SummaryWriter | None = None
        self.live: LivePlots | None = None

    def _open(self, args: TrainingArguments) -> SummaryWriter:
        if self.writer is None:
            if self.log_dir is None:
                stamp = time.strftime("%Y%m%d-%H%M%S")
                self.log_dir = os.path.join(args.output_dir or ".", "runs", stamp)
            self.writer = SummaryWriter(
                self.log_dir, flush_secs=self.flush_secs, hparams_separate_run=False
            )
            if self.server_url is not None:
                env = self.env or os.path.basename(os.path.normpath(self.log_dir))
                self.live = LivePlots(self.server_url, env)
        return self.writer

    def on_train_begin(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        model: Any = None,
        **kwargs: Any,
    ) -> None:
        """Open the run and log the hyperparameters: training arguments and model config."""
        if not state.is_world_process_zero:
            return
        writer = self._open(args)
        params: dict[str, Any] = {"args": args.to_dict()}
        config = getattr(model, "config", None)
        if config is not None and hasattr(config, "to_dict"):
            params["model"] = config.to_dict()
        flat = flatten_hparams(params)
        writer.add_hparams(flat, {})
        if self.live is not None:
            self.live.log_hparams(flat)

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Each number the Trainer logs, as a scalar at the global step (and a live point)."""
        if not state.is_world_process_zero or not logs:
            return
        writer = self._open(args)
        numbers = {metric_tag(key): value for key, value in scalar_metrics(logs).items()}
        for tag, value in numbers.items():
            writer.add_scalar(tag, value, state.global_step)
        if self.live is not None:
            self.live.log_metrics(numbers, state.global_step)

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any
    ) -> None:
        """Flush and close the event file and the live connection."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.live is not None:
            self.live.close()
            self.live = None
