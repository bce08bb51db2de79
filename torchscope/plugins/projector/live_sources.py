"""Embeddings windows of the live store, as projector runs named ``live:<env>/<win>``.

``torchscope.Visdom.embeddings`` puts the original vectors and labels in the window content
(see :mod:`torchscope.client.visdom_embedding_vectors`); windows sent by Visdom's own client
have only 2-D positions and are not listed. Each live run has one embedding, ``LIVE_TENSOR_NAME``,
with a single ``label`` metadata column and no sprite.

The live store belongs to the server's event loop, while projector handlers run in worker
threads: the reads here only take references (a dict snapshot, the window's content) and decode
the vectors from them, so they never see a half-applied change.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from torchscope.client.visdom_embedding_vectors import VECTORS_KEY
from torchscope.embed.projector_config import EmbeddingInfo
from torchscope.embed.projector_data import SINGLE_COLUMN_NAME, EmbeddingData, EmbeddingMetadata
from torchscope.live import LiveStore
from torchscope.logdir.serving import BadRequest
from torchscope.logdir.store import UnknownRunError, UnknownTagError

#: Prefix of the run names of live sources.
LIVE_PREFIX = "live:"
#: Name of the one embedding of a live source (the argument it came from).
LIVE_TENSOR_NAME = "features"
_CACHED_EMBEDDINGS = 4


def live_run_name(eid: str, win: str) -> str:
    """The projector run name of window ``win`` of env ``eid``."""
    return f"{LIVE_PREFIX}{eid}/{win}"


class LiveEmbeddingSources:
    """The live store's embeddings windows that carry their vectors, decoded on demand."""

    def __init__(self, store: LiveStore) -> None:
        self.store = store
        # Keyed by run name; the entry keeps the encoded string, so its id stays unique.
        self._decoded: OrderedDict[str, tuple[str, EmbeddingData]] = OrderedDict()
        self._lock = threading.Lock()

    def _payloads(self) -> dict[str, Mapping[str, Any]]:
        found: dict[str, Mapping[str, Any]] = {}
        for eid, env in sorted(list(self.store.envs.items())):
            for win, window in list(env.windows.items()):
                content = window.content
                if window.kind != "embeddings" or not isinstance(content, dict):
                    continue
                payload = content.get(VECTORS_KEY)
                if isinstance(payload, dict):
                    found[live_run_name(eid, win)] = payload
        return found

    def run_names(self) -> list[str]:
        """The live runs, sorted by env then window."""
        return list(self._payloads())

    def __contains__(self, run_name: object) -> bool:
        return isinstance(run_name, str) and run_name in self._payloads()

    def embedding(self, run_name: str, tensor_name: str = LIVE_TENSOR_NAME) -> EmbeddingData:
        """The vectors and labels of one live run (the last few decoded are kept)."""
        payload = self._payloads().get(run_name)
        if payload is None:
            raise UnknownRunError(f"run {run_name!r} is not a live embeddings window")
        if tensor_name != LIVE_TENSOR_NAME:
            raise UnknownTagError(
                f"live run {run_name!r} has one embedding, {LIVE_TENSOR_NAME!r}; "
                f"got {tensor_name!r}"
            )
        encoded = payload.get("vectors")
        with self._lock:
            entry = self._decoded.get(run_name)
            if entry is not None and entry[0] is encoded:
                self._decoded.move_to_end(run_name)
                return entry[1]
        data = decode_payload(payload)
        assert isinstance(encoded, str)  # decode_payload checked it
        with self._lock:
            self._decoded[run_name] = (encoded, data)
            while len(self._decoded) > _CACHED_EMBEDDINGS:
                self._decoded.popitem(last=False)
        return data

    def info(self, run_name: str) -> dict[str, Any]:
        """The ``info`` answer of a live run, in the shape of a projector config."""
        data = self.embedding(run_name)
        entry = {
            "tensorName": LIVE_TENSOR_NAME,
            "tensorShape": list(data.shape),
            # Not files: the view only checks that these are set before asking for the data.
            "tensorPath": f"{run_name}/vectors",
            "metadataPath": f"{run_name}/labels" if data.metadata is not None else "",
        }
        return {"embeddings": [entry]}


def decode_payload(payload: Mapping[str, Any]) -> EmbeddingData:
    """The :class:`EmbeddingData` of a window's vectors entry (BadRequest when malformed)."""
    shape = payload.get("shape")
    encoded = payload.get("vectors")
    labels = payload.get("labels")
    if (
        not isinstance(shape, list)
        or len(shape) != 2
        or not all(isinstance(size, int) and size >= 0 for size in shape)
        or not isinstance(encoded, str)
    ):
        raise BadRequest(f"the window's {VECTORS_KEY!r} entry is malformed")
    rows, dims = shape
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"the window's {VECTORS_KEY!r} vectors are not base64") from None
    if len(raw) != rows * dims * 4:
        raise BadRequest(f"the window's vectors are {len(raw)} bytes, not {rows} x {dims} float32")
    tensor = np.frombuffer(raw, dtype="<f4").reshape(rows, dims).astype(np.float32)
    metadata = None
    if isinstance(labels, list) and len(labels) == rows:
        metadata = EmbeddingMetadata(
            columns=(SINGLE_COLUMN_NAME,), rows=tuple((str(label),) for label in labels)
        )
    info = EmbeddingInfo(
        tensor_name=LIVE_TENSOR_NAME,
        tensor_path="",
        metadata_path="",
        bookmarks_path="",
        tensor_shape=(rows, dims),
        sprite=None,
    )
    return EmbeddingData(info=info, tensor=tensor, metadata=metadata, sprite=None)


__all__ = [
    "LIVE_PREFIX",
    "LIVE_TENSOR_NAME",
    "LiveEmbeddingSources",
    "decode_payload",
    "live_run_name",
]
