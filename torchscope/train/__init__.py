"""torchscope.train: a fastai-style Learner with callbacks, device strategies and checkpointing.

A plain library: it needs no server. ``Learner(model, train_data, valid_data).fit(3)``.
"""

from torchscope.train.callback import EVENTS, Callback
from torchscope.train.callbacks import (
    CSVLogger,
    EarlyStopping,
    GradientAccumulation,
    GradientClipping,
    MetricsSink,
    MixedPrecision,
    ProgressBar,
    Recorder,
    SaveModel,
    TerminateOnNaN,
    TorchscopeLogger,
)
from torchscope.train.checkpointing import apply_checkpointing, remove_checkpointing
from torchscope.train.exceptions import (
    CallbackError,
    CancelBackwardException,
    CancelBatchException,
    CancelEpochException,
    CancelFitException,
    CancelStepException,
    CancelTrainException,
    CancelValidException,
)
from torchscope.train.learner import Learner
from torchscope.train.lr_finder import LRFinderResult
from torchscope.train.metrics import AvgMetric, Metric, accuracy, error_rate
from torchscope.train.schedule import OneCycleSchedule, one_cycle_lr
from torchscope.train.strategy import DataParallelStrategy, DDPStrategy, SingleDevice, Strategy

__all__ = [
    "EVENTS",
    "AvgMetric",
    "CSVLogger",
    "Callback",
    "CallbackError",
    "CancelBackwardException",
    "CancelBatchException",
    "CancelEpochException",
    "CancelFitException",
    "CancelStepException",
    "CancelTrainException",
    "CancelValidException",
    "DDPStrategy",
    "DataParallelStrategy",
    "EarlyStopping",
    "GradientAccumulation",
    "GradientClipping",
    "LRFinderResult",
    "Learner",
    "Metric",
    "MetricsSink",
    "MixedPrecision",
    "OneCycleSchedule",
    "ProgressBar",
    "Recorder",
    "SaveModel",
    "SingleDevice",
    "Strategy",
    "TerminateOnNaN",
    "TorchscopeLogger",
    "accuracy",
    "apply_checkpointing",
    "error_rate",
    "one_cycle_lr",
    "remove_checkpointing",
]
