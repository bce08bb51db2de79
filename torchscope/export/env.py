"""An env of the Live view, read from its env path, as Visdom's env file document."""

from __future__ import annotations

from pathlib import Path

from torchscope.live import jsonio
from torchscope.live.model import Env
from torchscope.live.store import LiveStore


def load_env(env_path: str | Path, env: str) -> Env:
    """The env named ``env`` as the server at ``env_path`` holds it (journal included).

    The store is opened read-only, so this works while a server is writing to the same env
    path, and shows the data as of now.
    """
    folder = Path(env_path).expanduser()
    if not folder.is_dir():
        raise ValueError(f"env_path {str(folder)!r} is not a folder")
    store = LiveStore(folder, readonly=True)
    store.open()
    try:
        found = store.envs.get(env)
        if found is None:
            known = ", ".join(sorted(e for e, v in store.envs.items() if v.windows)) or "none"
            raise ValueError(f"env {env!r} not found in {str(folder)!r} (envs with panes: {known})")
        return found
    finally:
        store.close()


def env_to_visdom_json(env: Env) -> bytes:
    """Visdom's env file (``{"jsons": {win: window}, "reload": {...}}``), every point kept."""
    return jsonio.dumps(env.to_json())
