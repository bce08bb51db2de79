"""The logdir plugins a server starts with, all sharing one :class:`LogdirStore`."""

from __future__ import annotations

from torchscope.live import LiveStore
from torchscope.logdir.store import DEFAULT_SAMPLE_CAPS, LogdirStore, StoreOptions
from torchscope.plugins.base import Plugin
from torchscope.server.config import ServerConfig

#: Folder, under the server's env path, of the persistent cache of parsed runs.
CACHE_FOLDER = "logdir-cache"


def store_options(config: ServerConfig) -> StoreOptions:
    """The logdir reading options the server's settings ask for."""
    caps: dict[str, int | None] = dict(DEFAULT_SAMPLE_CAPS)
    caps.update(config.samples_per_plugin)
    return StoreOptions(
        reload_interval=config.reload_interval,
        sample_caps=caps,
        cache_dir=config.env_path / CACHE_FOLDER if config.logdir_cache else None,
        # The server reads a large logdir with one worker process per CPU at start-up.
        load_workers=config.load_workers,
    )


def logdir_plugins(
    config: ServerConfig,
    options: StoreOptions | None = None,
    live_store: LiveStore | None = None,
) -> list[Plugin]:
    """One instance of each logdir plugin, in tab order (none without ``config.logdir``).

    The store starts reading lazily, on the first request or ``is_active`` poll. Given
    ``live_store``, the projector also serves its embeddings windows, even without a logdir.
    """
    if not config.logdir:
        return _projector(None, live_store) if live_store is not None else []
    from torchscope.plugins.audio import AudioPlugin
    from torchscope.plugins.custom_scalars import CustomScalarsPlugin
    from torchscope.plugins.distributions import DistributionsPlugin
    from torchscope.plugins.explain import ExplainPlugin
    from torchscope.plugins.graphs import GraphsPlugin
    from torchscope.plugins.histograms import HistogramsPlugin
    from torchscope.plugins.hparams import HParamsPlugin
    from torchscope.plugins.images import ImagesPlugin
    from torchscope.plugins.mesh import MeshPlugin
    from torchscope.plugins.pr_curves import PrCurvesPlugin
    from torchscope.plugins.scalars import ScalarsPlugin
    from torchscope.plugins.text import TextPlugin

    if options is None:
        options = store_options(config)
    store = LogdirStore(config.logdir, options)
    plugins: list[Plugin] = [
        ScalarsPlugin(store),
        CustomScalarsPlugin(store),
        ImagesPlugin(store),
        AudioPlugin(store),
        GraphsPlugin(store),
        DistributionsPlugin(store),
        HistogramsPlugin(store),
        TextPlugin(store),
        ExplainPlugin(store),
        PrCurvesPlugin(store),
        HParamsPlugin(store),
        MeshPlugin(store),
    ]
    plugins.extend(_projector(store, live_store))
    return plugins


def _projector(store: LogdirStore | None, live_store: LiveStore | None) -> list[Plugin]:
    # The projector's data reading lives in torchscope.embed; serve it only when present.
    try:
        from torchscope.plugins.projector import ProjectorPlugin
    except ImportError:
        return []
    return [ProjectorPlugin(store, live_store)]
