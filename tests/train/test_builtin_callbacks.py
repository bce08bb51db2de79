"""Recorder, early stopping, checkpoints, gradient callbacks, mixed precision, NaN, loggers."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from torchscope.train import (
    Callback,
    CallbackError,
    CSVLogger,
    EarlyStopping,
    GradientAccumulation,
    GradientClipping,
    Learner,
    MetricsSink,
    MixedPrecision,
    ProgressBar,
    SaveModel,
    TerminateOnNaN,
    accuracy,
)

from .helpers import blobs, loaders, mlp


class ValidLossScript(Callback):
    """Replaces the validation loss by a scripted sequence (runs right after validation)."""

    order = 40

    def __init__(self, values: list[float]) -> None:
        self.values = values

    def after_validate(self) -> None:
        self.learner.valid_results["valid_loss"] = self.values[self.learner.epoch]


def test_early_stopping_stops_after_patience() -> None:
    train, valid = loaders()
    stopper = EarlyStopping(patience=2)
    script = ValidLossScript([1.0, 0.5, 0.6, 0.7, 0.4, 0.3])
    learner = Learner(
        mlp(), train, valid, callbacks=[stopper, script], progress=False, device="cpu"
    )
    learner.fit(6)
    assert [row["valid_loss"] for row in learner.recorder.history] == [1.0, 0.5, 0.6, 0.7]
    assert stopper.stopped_epoch == 3


def test_early_stopping_unknown_monitor_names_the_callback() -> None:
    train, valid = loaders()
    learner = Learner(
        mlp(), train, valid, callbacks=[EarlyStopping(monitor="f1")], progress=False, device="cpu"
    )
    with pytest.raises(CallbackError, match=r"EarlyStopping.*'f1'"):
        learner.fit(1)


def test_save_model_keeps_best_and_last(tmp_path: Path) -> None:
    train, valid = loaders()
    saver = SaveModel(tmp_path, monitor="valid_loss", load_best_at_end=True)
    snapshots: list[torch.Tensor] = []

    class Snapshot(Callback):
        order = 75  # after SaveModel

        def after_epoch(self) -> None:
            snapshots.append(self.learner.model[0].weight.detach().clone())

    script = ValidLossScript([0.9, 0.3, 0.8])
    learner = Learner(
        mlp(), train, valid, callbacks=[saver, script, Snapshot()], progress=False, device="cpu"
    )
    learner.fit(3)
    assert saver.best_epoch == 1
    best = torch.load(saver.best_path, weights_only=True)["model"]["0.weight"]
    last = torch.load(saver.last_path, weights_only=True)["model"]["0.weight"]
    torch.testing.assert_close(best, snapshots[1], rtol=0, atol=0)
    torch.testing.assert_close(last, snapshots[2], rtol=0, atol=0)
    # load_best_at_end put the best weights back into the model.
    torch.testing.assert_close(learner.model[0].weight, snapshots[1], rtol=0, atol=0)


def test_gradient_clipping_bounds_the_norm() -> None:
    train, _ = loaders()
    norms: list[float] = []

    class NormAfterClip(Callback):
        order = 35

        def before_step(self) -> None:
            grads = [p.grad for p in self.learner.model.parameters()]
            norms.append(torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads])).item())

    clip = GradientClipping(max_norm=1e-3)
    learner = Learner(mlp(), train, callbacks=[clip, NormAfterClip()], progress=False, device="cpu")
    learner.fit(1)
    assert clip.last_norm is not None and clip.last_norm.item() > 1e-3
    assert norms and all(n <= 1e-3 * (1 + 1e-5) for n in norms)


def test_gradient_accumulation_equals_the_larger_batch() -> None:
    data = blobs(32, seed=5, dtype=torch.float64)

    def trained(batch_size: int, callbacks: list[Callback]) -> nn.Module:
        model = mlp(seed=7).double()
        learner = Learner(
            model,
            DataLoader(data, batch_size=batch_size),
            opt_func=torch.optim.SGD,
            lr=0.1,
            callbacks=callbacks,
            progress=False,
            device="cpu",
        )
        learner.fit(2)
        return model

    accumulated = trained(8, [GradientAccumulation(2)])
    big_batch = trained(16, [])
    for a, b in zip(accumulated.parameters(), big_batch.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


def test_gradient_accumulation_steps_at_boundaries_and_epoch_end() -> None:
    train, _ = loaders(n_train=40, batch_size=8)  # 5 batches
    steps: list[int] = []

    class StepLog(Callback):
        def after_step(self) -> None:
            steps.append(self.learner.iter)

    learner = Learner(
        mlp(), train, callbacks=[GradientAccumulation(2), StepLog()], progress=False, device="cpu"
    )
    learner.fit(1)
    assert steps == [1, 3, 4]


def test_mixed_precision_bf16_on_cpu() -> None:
    train, valid = loaders()
    seen: list[torch.dtype] = []

    class PredDtype(Callback):
        def after_pred(self) -> None:
            seen.append(self.learner.pred.dtype)

    mp = MixedPrecision()
    learner = Learner(
        mlp(), train, valid, callbacks=[mp, PredDtype()], progress=False, device="cpu"
    )
    before = learner.model[0].weight.detach().clone()
    learner.fit(1)
    assert set(seen) == {torch.bfloat16}
    assert mp.scaler is None  # bf16 needs no loss scaling
    assert learner.model[0].weight.dtype == torch.float32  # weights stay in full precision
    assert not torch.equal(before, learner.model[0].weight)
    # The hooks are restored after the fit: no autocast outside it.
    assert learner.predict(valid.dataset[0][0]).dtype == torch.float32
    with pytest.raises(ValueError, match="dtype"):
        MixedPrecision(dtype=torch.float64)
    fp16_on_cpu = Learner(
        mlp(), train, callbacks=[MixedPrecision(torch.float16)], progress=False, device="cpu"
    )
    with pytest.raises(CallbackError, match=r"MixedPrecision.*bfloat16 on the CPU"):
        fp16_on_cpu.fit(1)


def test_terminate_on_nan_stops_before_the_bad_step() -> None:
    x = torch.randn(32, 4)
    x[20] = math.nan  # in the third batch of 8
    data = torch.utils.data.TensorDataset(x, torch.zeros(32, dtype=torch.long))
    guard = TerminateOnNaN()
    learner = Learner(
        mlp(), DataLoader(data, batch_size=8), callbacks=[guard], progress=False, device="cpu"
    )
    learner.fit(2)
    assert guard.stopped_at == 2
    assert all(torch.isfinite(p).all() for p in learner.model.parameters())
    assert learner.recorder.history == []
    assert len(learner.recorder.losses) == 2  # the two good batches before the NaN


def test_csv_logger_writes_one_row_per_epoch(tmp_path: Path) -> None:
    train, valid = loaders()
    path = tmp_path / "logs" / "history.csv"
    learner = Learner(
        mlp(),
        train,
        valid,
        metrics=[accuracy],
        callbacks=[CSVLogger(path)],
        progress=False,
        device="cpu",
    )
    learner.fit(3)
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["epoch", "train_loss", "valid_loss", "accuracy", "time"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for row, recorded in zip(rows, learner.recorder.history, strict=True):
        assert float(row["valid_loss"]) == pytest.approx(recorded["valid_loss"])
    learner.fit(1)  # the same logger continues the file
    assert len(path.read_text().splitlines()) == 5  # header + 3 + 1
    other = tmp_path / "other.csv"
    other.write_text("epoch,train_loss\n")
    Learner(mlp(), train, callbacks=[CSVLogger(other, append=True)], progress=False).fit(1)
    assert other.read_text().splitlines()[0] == "epoch,train_loss"
    assert len(other.read_text().splitlines()) == 2
    assert other.read_text().splitlines()[1].split(",")[0] == "0"
    assert len(other.read_text().splitlines()[1].split(",")) == 2


def test_metrics_sink_sees_batches_epochs_and_end() -> None:
    train, valid = loaders(n_train=32, batch_size=8)

    class Collect(MetricsSink):
        def __init__(self) -> None:
            super().__init__(every=2)
            self.calls: list[tuple] = []

        def log_start(self) -> None:
            self.calls.append(
                (
                    "start",
                    type(self.learner.model).__name__,
                    tuple(self.learner.fixed_batch(3)[0][0].shape),
                )
            )

        def log_batch(self, step: int, values: dict[str, float]) -> None:
            self.calls.append(("batch", step, sorted(values)))

        def log_epoch(self, epoch: int, values: dict[str, float]) -> None:
            self.calls.append(("epoch", epoch, "valid_loss" in values))

        def log_end(self) -> None:
            self.calls.append(("end",))

    sink = Collect()
    Learner(mlp(), train, valid, callbacks=[sink], progress=False, device="cpu").fit(2)
    assert sink.calls[0] == ("start", "Sequential", (3, 4))
    batch_steps = [c[1] for c in sink.calls if c[0] == "batch"]
    assert batch_steps == [0, 2, 4, 6]
    assert sink.calls[2][2] == ["lr", "train_loss"]
    assert [c for c in sink.calls if c[0] == "epoch"] == [("epoch", 0, True), ("epoch", 1, True)]
    assert sink.calls[-1] == ("end",)


def test_progress_bar_prints_epoch_table() -> None:
    train, valid = loaders()
    stream = io.StringIO()
    learner = Learner(
        mlp(),
        train,
        valid,
        metrics=[accuracy],
        progress=False,
        device="cpu",
        callbacks=[ProgressBar(stream=stream, live=True)],
    )
    learner.fit(2)
    text = stream.getvalue()
    assert "epoch 2/2 train [" in text and "4/4" in text
    table = [line.split("\r\x1b[K")[-1] for line in text.split("\n") if "\x1b[K" in line]
    assert table[0].split() == ["epoch", "train_loss", "valid_loss", "accuracy", "time"]
    assert [row.split()[0] for row in table[1:]] == ["1", "2"]
