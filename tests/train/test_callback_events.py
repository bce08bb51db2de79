"""Event order, callback ordering, cancellation rules and error naming."""

from __future__ import annotations

import pytest

from torchscope.train import (
    EVENTS,
    Callback,
    CallbackError,
    CancelBackwardException,
    CancelBatchException,
    CancelEpochException,
    CancelFitException,
    CancelStepException,
    CancelTrainException,
    CancelValidException,
    Learner,
)

from .helpers import loaders, mlp


class EventLog(Callback):
    """Records every event it receives, with the learner's epoch and batch index."""

    def __init__(self) -> None:
        self.events: list[str] = []


def _record(event: str):
    def handler(self: EventLog) -> None:
        self.events.append(event)

    return handler


for _event in EVENTS:
    setattr(EventLog, _event, _record(_event))


class Raiser(Callback):
    """Raises ``exception`` at ``event`` on the given epoch/batch (None: always)."""

    def __init__(
        self,
        event: str,
        exception: type[BaseException],
        epoch: int | None = 0,
        batch: int | None = 0,
        training: bool | None = True,
    ) -> None:
        self.exception = exception
        self.epoch = epoch
        self.batch = batch
        self.training = training

    def _maybe_raise(self) -> None:
        learner = self.learner
        if self.epoch is not None and learner.epoch != self.epoch:
            return
        if self.batch is not None and learner.iter != self.batch:
            return
        if self.training is not None and learner.training != self.training:
            return
        raise self.exception("boom")


def raiser(event: str, exception: type[BaseException], **kwargs: object) -> Callback:
    """A Raiser whose class defines ``event`` (the learner dispatches only overridden methods)."""
    cls = type(f"Raiser_{event}", (Raiser,), {event: lambda self: self._maybe_raise()})
    return cls(event, exception, **kwargs)


def run(epochs: int = 1, *extra: Callback, n_train: int = 16, n_valid: int = 8) -> list[str]:
    train, valid = loaders(n_train=n_train, n_valid=n_valid, batch_size=8)
    log = EventLog()
    learner = Learner(mlp(), train, valid, callbacks=[log, *extra], progress=False, device="cpu")
    learner.fit(epochs)
    return log.events


TRAIN_BATCH = [
    "before_batch",
    "after_pred",
    "after_loss",
    "before_backward",
    "after_backward",
    "before_step",
    "after_step",
    "after_batch",
]
VALID_BATCH = ["before_batch", "after_pred", "after_loss", "after_batch"]


def test_full_event_order_of_one_epoch() -> None:
    events = run(1)
    expected = (
        ["before_fit", "before_epoch", "before_train"]
        + TRAIN_BATCH * 2
        + ["after_train", "before_validate"]
        + VALID_BATCH
        + ["after_validate", "after_epoch", "after_fit", "cleanup_fit"]
    )
    assert events == expected


def test_callbacks_run_by_order_then_insertion() -> None:
    calls: list[str] = []

    def make(name: str, order: int) -> Callback:
        cls = type(
            name, (Callback,), {"order": order, "before_fit": lambda self: calls.append(name)}
        )
        return cls()

    train, _ = loaders()
    cbs = [make("late", 5), make("early", -5), make("mid_a", 0), make("mid_b", 0)]
    Learner(mlp(), train, callbacks=cbs, progress=False, device="cpu").fit(1)
    assert calls == ["early", "mid_a", "mid_b", "late"]


def test_cancel_batch_skips_rest_of_batch_and_its_after() -> None:
    events = run(1, raiser("after_loss", CancelBatchException, batch=0))
    first_batch = events[events.index("before_train") + 1 : events.index("after_cancel_batch") + 1]
    assert first_batch == ["before_batch", "after_pred", "after_loss", "after_cancel_batch"]
    # The second batch runs in full and the epoch completes.
    assert events.count("after_step") == 1
    assert events.count("after_batch") == 1 + 1  # second train batch + the validation batch
    assert "after_epoch" in events and "after_fit" in events


def test_cancel_step_skips_step_but_reaches_after_batch() -> None:
    events = run(1, raiser("before_step", CancelStepException, batch=None))
    assert "after_step" not in events
    assert events.count("after_cancel_step") == 2
    assert events.count("after_batch") == 3  # 2 train + 1 valid


def test_cancel_backward_still_steps() -> None:
    events = run(1, raiser("before_backward", CancelBackwardException, batch=None))
    assert "after_backward" not in events
    assert events.count("after_cancel_backward") == 2
    assert events.count("after_step") == 2


def test_cancel_train_skips_after_train_but_validates() -> None:
    events = run(1, raiser("before_batch", CancelTrainException, batch=1))
    assert "after_train" not in events
    assert "after_cancel_train" in events
    assert events.count("after_step") == 1
    assert "after_validate" in events and "after_epoch" in events


def test_cancel_validate_skips_after_validate() -> None:
    events = run(1, raiser("before_batch", CancelValidException, batch=0, training=False))
    assert "after_validate" not in events
    assert "after_cancel_validate" in events
    assert "after_epoch" in events


def test_cancel_epoch_goes_to_next_epoch() -> None:
    events = run(2, raiser("after_train", CancelEpochException, batch=None))
    assert events.count("before_epoch") == 2
    assert events.count("after_cancel_epoch") == 1
    assert events.count("after_epoch") == 1
    assert events.count("before_validate") == 1  # epoch 0's validation was cancelled with it


def test_cancel_fit_fires_no_after_for_any_open_stage() -> None:
    events = run(3, raiser("after_backward", CancelFitException, epoch=1, batch=0))
    second_epoch = [i for i, e in enumerate(events) if e == "before_epoch"][1]
    tail = events[events.index("after_backward", second_epoch) :]
    assert tail == ["after_backward", "after_cancel_fit", "cleanup_fit"]
    assert events.count("before_epoch") == 2
    assert "after_fit" not in events


def test_error_in_callback_names_the_callback_and_event() -> None:
    class ExplodingMetricLogger(Callback):
        def after_loss(self) -> None:
            raise ValueError("no such column")

    train, _ = loaders()
    log = EventLog()
    learner = Learner(
        mlp(), train, callbacks=[ExplodingMetricLogger(), log], progress=False, device="cpu"
    )
    with pytest.raises(
        CallbackError, match=r"ExplodingMetricLogger.*after_loss.*no such column"
    ) as info:
        learner.fit(1)
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.callback_name == "ExplodingMetricLogger"
    # An error is not a cancellation: no after_* and no after_cancel_*, but cleanup runs.
    assert log.events[-1] == "cleanup_fit"
    assert not any(e.startswith("after_cancel") for e in log.events)


def test_fit_callbacks_are_temporary() -> None:
    train, _ = loaders()
    learner = Learner(mlp(), train, progress=False, device="cpu")
    log = EventLog()
    learner.fit(1, callbacks=[log])
    assert log not in learner.callbacks
    assert log.events[0] == "before_fit"


def test_non_callback_rejected() -> None:
    train, _ = loaders()
    with pytest.raises(TypeError, match="callbacks"):
        Learner(mlp(), train, callbacks=[object()], progress=False)  # type: ignore[list-item]
