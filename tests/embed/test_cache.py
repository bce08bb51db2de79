from __future__ import annotations

import numpy as np
import pytest

from torchscope.embed import (
    PCAResult,
    Projection,
    ProjectionCache,
    cache_key,
    default_cache,
    pca,
    set_default_cache,
)


def projection(value: float) -> Projection:
    return Projection("tsne", np.full((4, 2), value), params={"perplexity": 5.0}, kl_divergence=1.5)


def test_key_depends_on_bytes_dtype_shape_method_and_params() -> None:
    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    base = cache_key("tsne", X, {"perplexity": 30})
    assert cache_key("tsne", X.copy(), {"perplexity": 30}) == base
    assert cache_key("tsne", np.asfortranarray(X), {"perplexity": 30}) == base
    changed = X.copy()
    changed[3, 2] += 1
    assert cache_key("tsne", changed, {"perplexity": 30}) != base
    assert cache_key("tsne", X.astype(np.float64), {"perplexity": 30}) != base
    assert cache_key("tsne", X.reshape(3, 4), {"perplexity": 30}) != base
    assert cache_key("umap", X, {"perplexity": 30}) != base
    assert cache_key("tsne", X, {"perplexity": 31}) != base


def test_lru_evicts_the_least_recently_used() -> None:
    cache = ProjectionCache(max_items=2)
    a, b, c = projection(1), projection(2), projection(3)
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a  # now "b" is the oldest
    cache.put("c", c)
    assert "b" not in cache and cache.get("a") is a and cache.get("c") is c
    assert len(cache) == 2
    assert cache.get("b") is None and cache.misses == 1


def test_disk_round_trip_for_both_result_types(tmp_path) -> None:
    cache = ProjectionCache(directory=tmp_path)
    X = np.random.default_rng(0).normal(size=(20, 4))
    fitted = pca(X, 2, cache=False)
    cache.put("pca", fitted)
    cache.put("tsne", projection(7))
    reopened = ProjectionCache(directory=tmp_path)
    loaded = reopened.get("pca")
    assert isinstance(loaded, PCAResult) and loaded.solver == fitted.solver
    for name in ("coordinates", "components", "explained_variance", "mean"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(fitted, name))
    layout = reopened.get("tsne")
    assert isinstance(layout, Projection)
    assert layout.params == {"perplexity": 5.0} and layout.kl_divergence == 1.5
    assert reopened.get("tsne") is layout  # loaded once, then served from memory


def test_damaged_file_is_a_miss_and_clear_removes_files(tmp_path) -> None:
    cache = ProjectionCache(directory=tmp_path)
    (tmp_path / "broken.npz").write_bytes(b"not a zip file")
    assert cache.get("broken") is None
    cache.put("ok", projection(1))
    assert list(tmp_path.glob("ok.npz"))
    cache.clear(disk=True)
    assert len(cache) == 0 and not list(tmp_path.glob("*.npz"))


def test_zero_items_keeps_nothing_in_memory() -> None:
    cache = ProjectionCache(max_items=0)
    cache.put("a", projection(1))
    assert cache.get("a") is None


def test_default_cache_serves_repeated_calls() -> None:
    previous = default_cache()
    set_default_cache(ProjectionCache())
    try:
        X = np.random.default_rng(1).normal(size=(30, 5))
        assert pca(X, 2) is pca(X, 2)
        assert pca(X, 2, cache=False) is not pca(X, 2)
    finally:
        set_default_cache(previous)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="max_items"):
        ProjectionCache(max_items=-1)
    with pytest.raises(TypeError, match="cache must be a ProjectionCache"):
        set_default_cache("memory")  # type: ignore[arg-type]
