"""``torchscope.Visdom.embeddings`` sends the original vectors beside Visdom's layout, capped."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest
from live_helpers import RunningServer, window_json

import torchscope
from torchscope.client.visdom_embedding_vectors import (
    MAX_VECTOR_DIMS,
    MAX_VECTOR_ROWS,
    MAX_VECTOR_VALUES,
    VECTORS_KEY,
    check_vector_size,
)


@pytest.fixture
def tvis(live_server: RunningServer) -> Any:
    client = torchscope.Visdom(
        server="http://127.0.0.1", port=live_server.port, raise_exceptions=True
    )
    yield client
    client.close_connection()


def test_window_carries_float32_vectors_and_labels_beside_visdom_fields(tvis: Any) -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(30, 5))
    labels = ["cat" if i % 2 else "dog" for i in range(30)]
    assert tvis.embeddings(features, labels, win="emb", env="vectors") == "emb"
    content = window_json(tvis, "emb", env="vectors")["content"]
    # Visdom's own fields are unchanged: one point per row with its 2-D position.
    assert set(content) >= {"data", VECTORS_KEY}
    assert len(content["data"]) == 30
    assert set(content["data"][0]) == {"group", "name", "label", "position", "idx"}
    assert len(content["data"][0]["position"]) == 2
    payload = content[VECTORS_KEY]
    assert payload["shape"] == [30, 5] and payload["dtype"] == "float32"
    sent = np.frombuffer(base64.b64decode(payload["vectors"]), dtype="<f4").reshape(30, 5)
    np.testing.assert_array_equal(sent, features.astype(np.float32))
    assert payload["labels"] == labels


def test_vectors_over_the_cap_raise_before_any_request(tvis: Any) -> None:
    sent: list[Any] = []
    tvis._window = lambda *args, **kwargs: sent.append(args)
    too_wide = np.zeros((3, MAX_VECTOR_DIMS + 1), dtype=np.float32)
    with pytest.raises(ValueError, match="features must be at most"):
        tvis.embeddings(too_wide, ["a", "b", "c"], win="wide")
    assert sent == []


@pytest.mark.parametrize(
    "shape",
    [
        (MAX_VECTOR_ROWS + 1, 2),
        (2, MAX_VECTOR_DIMS + 1),
        (MAX_VECTOR_VALUES // MAX_VECTOR_DIMS + 1, MAX_VECTOR_DIMS),
    ],
)
def test_size_cap_names_features(shape: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match=r"features must be at most .* got"):
        check_vector_size(shape)


def test_sizes_at_the_cap_pass() -> None:
    check_vector_size((MAX_VECTOR_ROWS, MAX_VECTOR_VALUES // MAX_VECTOR_ROWS))
    check_vector_size((MAX_VECTOR_VALUES // MAX_VECTOR_DIMS, MAX_VECTOR_DIMS))


def test_browsers_get_the_vectors_shape_not_the_megabytes(tmp_path: Any) -> None:
    from torchscope.live.store import LiveStore

    store = LiveStore(tmp_path)
    store.open()
    try:
        payload = {
            "shape": [2, 3],
            "dtype": "float32",
            "vectors": "AAAA" * 1000,
            "labels": ["a", "b"],
        }
        content = {"data": [], VECTORS_KEY: payload}
        message = {
            "win": "emb",
            "eid": "main",
            "data": [{"type": "embeddings", "content": content}],
        }
        store.execute("events", message)
        window = store.window("main", "emb")
        assert window is not None
        shown = store.display_json(window)
        assert shown["content"][VECTORS_KEY] == {"shape": [2, 3]}
        # the store itself keeps them whole for the Projector
        assert window.to_json()["content"][VECTORS_KEY]["vectors"] == "AAAA" * 1000
    finally:
        store.close()
