"""The callback protocol of :class:`~torchscope.train.Learner`.

Events, in the order the loop fires them (indentation shows nesting)::

    before_fit
      before_epoch                      (once per epoch)
        before_train
          before_batch                  (once per training batch)
            after_pred                  the model's output is in learner.pred
            after_loss                  learner.loss / learner.loss_grad are set
            before_backward
            after_backward
            before_step
            after_step                  the optimizer stepped and zeroed the gradients
          after_batch
        after_train
        before_validate                 (only with validation data)
          before_batch / after_pred / after_loss / after_batch   (once per batch)
        after_validate                  learner.valid_results holds loss and metrics
      after_epoch
    after_fit
    cleanup_fit                         always, even after an error: release resources here

Rules:

* Callbacks run in ascending :attr:`Callback.order`; equal orders keep the order they were added.
* A stage is cancelled by raising its exception (``CancelFitException``, ``CancelEpochException``,
  ``CancelTrainException``, ``CancelValidException``, ``CancelBatchException``,
  ``CancelBackwardException``, ``CancelStepException``) from any event inside it. A cancelled
  stage never fires its ``after_<stage>`` event; it fires ``after_cancel_<stage>`` instead and the
  enclosing stage carries on (a cancelled backward still steps; a cancelled step still reaches
  ``after_batch``). Stages nested inside the cancelled one end silently: cancelling the fit from
  a batch fires ``after_cancel_fit`` only, not ``after_cancel_batch`` or ``after_cancel_epoch``.
  Raising a stage's exception from its own ``after_<stage>`` handler stops the remaining handlers
  of that event and fires ``after_cancel_<stage>``.
* Any other exception from a callback is re-raised as :class:`CallbackError`, whose message names
  the callback and the event; the original is its ``__cause__``.
* Under DDP, callbacks with ``main_process_only = True`` (progress bars, loggers) run on rank 0
  only. Every other callback runs on every rank and must take the same decisions there (metrics are
  all-reduced, so decisions based on them agree).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torchscope.train.learner import Learner

STAGES: tuple[str, ...] = ("fit", "epoch", "train", "validate", "batch", "backward", "step")

EVENTS: tuple[str, ...] = (
    "before_fit",
    "before_epoch",
    "before_train",
    "before_batch",
    "after_pred",
    "after_loss",
    "before_backward",
    "after_backward",
    "before_step",
    "after_step",
    "after_batch",
    "after_train",
    "before_validate",
    "after_validate",
    "after_epoch",
    "after_fit",
    "cleanup_fit",
    *(f"after_cancel_{stage}" for stage in STAGES),
)


class Callback:
    """Base class of everything that hooks into :class:`~torchscope.train.Learner`.

    Override any method named like an event in :data:`EVENTS`; each receives nothing and reads
    the loop state from ``self.learner`` (set when the callback is added to a learner).

    Class attributes:

    * ``order``: callbacks run in ascending order (default 0).
    * ``main_process_only``: under DDP, run on rank 0 only (loggers, progress bars).
    * ``run_in_lr_find``: keep this callback active during :meth:`Learner.lr_find` (callbacks
      that change how a step is computed, like mixed precision or clipping, say True).
    """

    order: int = 0
    main_process_only: bool = False
    run_in_lr_find: bool = False

    learner: Learner

    @property
    def name(self) -> str:
        """The name used in error messages: the class name."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{type(self).__name__}(order={self.order})"


def overridden_events(callback: Callback) -> list[str]:
    """The events ``callback`` actually handles (methods overridden from :class:`Callback`)."""
    handled = []
    for event in EVENTS:
        method: Any = getattr(type(callback), event, None)
        if method is not None and method is not getattr(Callback, event, None):
            handled.append(event)
    return handled
