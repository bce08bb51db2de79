"""The Projector view in Chromium: the fixtures' embeddings drawn as a three.js point cloud
(software WebGL here), colour, search, neighbours, a t-SNE run, and 100,000 points that rotate."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from logdir_server import TORCH_LOGDIR, logdir_server
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from torchscope import SummaryWriter
from torchscope.embed import find_projector_runs, nearest_neighbors, read_embedding

pytestmark = pytest.mark.browser

#: Software WebGL (SwiftShader) is slow to start and to draw: give the scene time.
WEBGL_MS = 30_000
BIG_POINTS = 100_000


def open_view(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(url + "#/projector")
    tab = page.get_by_role("navigation", name="Views").get_by_role("link", name="Projector")
    expect(tab).to_be_visible(timeout=WEBGL_MS)
    expect(page.locator(".projector-view")).to_have_attribute("data-ready", "1", timeout=WEBGL_MS)


def click_point(page: Page, index: int) -> None:
    """Click point ``index`` where it is drawn now. The cloud may still be settling after a
    layout change, so the position is read again and the click repeated until one selects."""
    view = page.locator(".projector-view")
    for _ in range(5):
        x, y = view.evaluate(f"v => v.projectorScreenPosition({index})")
        box = page.locator(".projector-scene canvas").bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + x, box["y"] + y)
        try:
            page.wait_for_function(
                "v => v.dataset.selected !== undefined && v.dataset.selected !== ''",
                arg=view.element_handle(),
                timeout=3_000,
            )
            return
        except PlaywrightTimeoutError:
            continue


@pytest.fixture(scope="module")
def torch_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with logdir_server(TORCH_LOGDIR, tmp_path_factory.mktemp("env")) as url:
        yield url


def test_fixture_embedding_colour_search_and_neighbours(page: Page, torch_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    run = find_projector_runs(str(TORCH_LOGDIR))["train"]
    first = read_embedding(run, "features:00000")
    open_view(page, torch_url)
    view = page.locator(".projector-view")
    expect(view).to_have_attribute("data-points", str(first.shape[0]))
    expect(view).to_have_attribute("data-method", "pca")

    # The single-column metadata colours by its labels: one legend entry per class.
    labels = list(first.metadata.column("label")) if first.metadata else []
    legend = page.locator('.projector-legend[data-kind="categorical"] li')
    expect(legend).to_have_count(len(set(labels)))

    # The second embedding has two columns: "cls" gives a legend, "idx" (numbers) a scale.
    second = read_embedding(run, "features:00005")
    assert second.metadata is not None
    page.locator(".projector-embedding").select_option("features:00005")
    expect(view).to_have_attribute("data-ready", "1", timeout=WEBGL_MS)
    color_by = page.locator(".projector-color-by")
    color_by.select_option("idx")
    expect(page.locator('.projector-legend[data-kind="continuous"]')).to_be_visible()
    color_by.select_option("cls")
    expect(legend).to_have_count(len(set(second.metadata.column("cls"))))

    # Search isolates the matching points.
    classes = list(second.metadata.column("cls"))
    matching = sum(1 for value in classes if re.search("^c[12]$", value, re.IGNORECASE))
    assert 0 < matching < len(classes)
    page.get_by_label("Matching").fill("^c[12]$")
    expect(view).to_have_attribute("data-matches", str(matching))
    page.get_by_role("button", name="Isolate matches").click()
    expect(view).to_have_attribute("data-visible", str(matching))
    page.get_by_role("button", name="Show all").click()
    expect(view).to_have_attribute("data-visible", str(len(classes)))

    # Clicking a point shows its metadata and its neighbours on the original vectors.
    click_point(page, 7)
    expect(view).not_to_have_attribute("data-selected", "", timeout=WEBGL_MS)
    chosen = int(view.get_attribute("data-selected") or "-1")
    details = page.locator(".projector-details")
    expect(details).to_have_attribute("data-index", str(chosen))
    expect(details.locator(".projector-metadata")).to_contain_text(classes[chosen])
    expected = nearest_neighbors(second.tensor, chosen, k=10, metric="cosine").indices
    items = details.locator(".projector-neighbors li")
    expect(items).to_have_count(10)
    assert [int(i) for i in items.evaluate_all("l => l.map(e => e.dataset.index)")] == list(
        np.asarray(expected)
    )
    # A neighbour in the list selects that point.
    items.nth(0).get_by_role("button").click()
    expect(details).to_have_attribute("data-index", str(int(np.asarray(expected)[0])))
    assert errors == []


def test_sprite_thumbnail_and_tsne_with_progress(page: Page, torch_url: str) -> None:
    open_view(page, torch_url)
    view = page.locator(".projector-view")
    page.locator(".projector-embedding").select_option("features:00000")
    expect(view).to_have_attribute("data-ready", "1", timeout=WEBGL_MS)
    click_point(page, 3)
    expect(page.locator(".projector-details .projector-thumbnail").first).to_be_visible()

    page.get_by_role("button", name="t-SNE").click()
    page.get_by_role("button", name="2-D").click()
    page.locator(".tsne-iterations").fill("300")
    page.locator(".tsne-iterations").dispatch_event("change")
    page.get_by_role("button", name="Run t-SNE").click()
    progress = page.locator(".projector-progress progress")
    expect(progress).to_be_visible(timeout=WEBGL_MS)
    expect(view).to_have_attribute("data-job-status", "done", timeout=60_000)
    expect(view).to_have_attribute("data-method", "tsne")
    expect(view).to_have_attribute("data-points", "100")
    expect(progress).to_have_count(0)
    # Back to PCA for the next visitor (settings are remembered per browser profile).
    page.get_by_role("button", name="PCA").click()
    page.get_by_role("button", name="3-D").click()
    expect(view).to_have_attribute("data-method", "pca", timeout=WEBGL_MS)


@pytest.fixture(scope="module")
def big_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    logdir = tmp_path_factory.mktemp("projector-big")
    generator = torch.Generator().manual_seed(0)
    centres = torch.randn(10, 16, generator=generator) * 6
    labels = torch.randint(0, 10, (BIG_POINTS,), generator=generator)
    vectors = centres[labels] + torch.randn(BIG_POINTS, 16, generator=generator)
    with SummaryWriter(str(logdir / "big")) as writer:
        writer.add_embedding(vectors, metadata=[f"k{int(i)}" for i in labels], tag="cloud")
    with logdir_server(logdir, tmp_path_factory.mktemp("env")) as url:
        yield url


def test_hundred_thousand_points_render_and_rotate(page: Page, big_url: str) -> None:
    open_view(page, big_url)
    view = page.locator(".projector-view")
    expect(view).to_have_attribute("data-points", str(BIG_POINTS), timeout=WEBGL_MS)
    # One draw call for the whole cloud: a single canvas, no per-point DOM.
    expect(page.locator(".projector-scene canvas")).to_have_count(1)
    frames = int(view.get_attribute("data-frames") or "0")
    for _ in range(5):
        view.evaluate("v => v.projectorRotate(0.2)")
        page.wait_for_function(
            "([v, before]) => Number(v.dataset.frames) > before",
            arg=[view.element_handle(), frames],
            timeout=WEBGL_MS,
        )
        frames = int(view.get_attribute("data-frames") or "0")
    # A real drag rotates too, and the page still answers right after.
    box = page.locator(".projector-scene canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 120, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    page.wait_for_function(
        "([v, before]) => Number(v.dataset.frames) > before",
        arg=[view.element_handle(), frames],
        timeout=WEBGL_MS,
    )
    assert page.evaluate("() => 1 + 1") == 2
