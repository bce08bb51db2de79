"""Built-in callbacks of the Learner."""

from torchscope.train.callbacks.dashboard import TorchscopeLogger
from torchscope.train.callbacks.gradients import GradientAccumulation, GradientClipping
from torchscope.train.callbacks.monitor import EarlyStopping, SaveModel
from torchscope.train.callbacks.nan import TerminateOnNaN
from torchscope.train.callbacks.precision import MixedPrecision
from torchscope.train.callbacks.progress import ProgressBar
from torchscope.train.callbacks.recorder import Recorder
from torchscope.train.callbacks.sink import CSVLogger, MetricsSink

__all__ = [
    "CSVLogger",
    "EarlyStopping",
    "GradientAccumulation",
    "GradientClipping",
    "MetricsSink",
    "MixedPrecision",
    "ProgressBar",
    "Recorder",
    "SaveModel",
    "TerminateOnNaN",
    "TorchscopeLogger",
]
