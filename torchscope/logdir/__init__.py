"""Reading TensorBoard log directories: run discovery, tailing, columnar storage, caching.

``LogdirStore(logdir)`` finds every run under a local folder or fsspec URL, keeps every scalar
in numpy columns, tails growing files in a background thread and serves snapshots to the
data plugins (``torchscope.plugins.scalars`` and friends).
"""

from torchscope.logdir.columns import ScalarColumns, ScalarView
from torchscope.logdir.downsample import bucket_indices
from torchscope.logdir.run_data import RunStatus, TagInfo
from torchscope.logdir.samples import Sample
from torchscope.logdir.store import (
    DEFAULT_SAMPLE_CAPS,
    LogdirStore,
    StoreOptions,
    UnknownRunError,
    UnknownTagError,
)

__all__ = [
    "DEFAULT_SAMPLE_CAPS",
    "LogdirStore",
    "RunStatus",
    "Sample",
    "ScalarColumns",
    "ScalarView",
    "StoreOptions",
    "TagInfo",
    "UnknownRunError",
    "UnknownTagError",
    "bucket_indices",
]
