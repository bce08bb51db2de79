"""Exceptions that steer the training loop, and the error raised when a callback fails.

Raising one of the ``Cancel*Exception`` classes from a callback stops the matching stage of the
loop. The stage's ``after_<stage>`` event is then *not* fired; ``after_cancel_<stage>`` is fired
instead and the enclosing stage carries on. See :mod:`torchscope.train.callback` for the rules.
"""

from __future__ import annotations


class CancelFitException(Exception):
    """Stop the whole fit: no further epochs, no ``after_fit``."""


class CancelEpochException(Exception):
    """Stop the current epoch (training and validation); the next epoch starts."""


class CancelTrainException(Exception):
    """Stop the training part of the current epoch; validation still runs."""


class CancelValidException(Exception):
    """Stop the validation part of the current epoch."""


class CancelBatchException(Exception):
    """Skip the rest of the current batch (no backward, no step, no ``after_batch``)."""


class CancelBackwardException(Exception):
    """Skip the backward pass of the current batch; the optimizer step still runs."""


class CancelStepException(Exception):
    """Skip the optimizer step (and the zeroing of gradients) of the current batch."""


class CallbackError(RuntimeError):
    """A callback raised an error other than a cancellation.

    The message names the callback and the event; the original exception is kept as
    ``__cause__`` and in :attr:`original`.
    """

    def __init__(self, callback_name: str, event: str, original: BaseException) -> None:
        self.callback_name = callback_name
        self.event = event
        self.original = original
        super().__init__(
            f"callback {callback_name!r} failed in {event}: {type(original).__name__}: {original}"
        )
