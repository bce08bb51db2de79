"""The Images view in Chromium: a card per run and tag, a step slider, the images themselves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from logdir_server import TORCH_LOGDIR, expected, logdir_server
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with logdir_server(TORCH_LOGDIR, tmp_path_factory.mktemp("env")) as url:
        yield url


def open_images(page: Page, url: str) -> None:
    page.goto(url + "#/images")
    expect(page.locator(".images-view")).to_have_attribute("data-ready", "1")


def image_card(page: Page, run: str, tag: str) -> Locator:
    return page.locator(f'.image-card[data-run="{run}"][data-tag="{tag}"]')


def natural_size(figure: Locator) -> tuple[int, int]:
    expect(figure).to_have_attribute("data-loaded", "1")
    size = figure.locator("img").evaluate("img => [img.naturalWidth, img.naturalHeight]")
    return int(size[0]), int(size[1])


def test_a_card_per_run_and_tag(page: Page, fixture_url: str) -> None:
    open_images(page, fixture_url)
    truth = expected(TORCH_LOGDIR)["runs"]
    pairs = [(run, tag) for run, info in truth.items() for tag in info["images"]]
    expect(page.locator(".image-card")).to_have_count(len(pairs))
    for run, tag in pairs:
        figure = image_card(page, run, tag).locator("figure").first
        figure.scroll_into_view_if_needed()
        info = truth[run]["images"][tag]
        assert natural_size(figure) == (info["width"], info["height"])
        expect(figure).to_have_attribute("data-step", str(info["steps"][-1]))  # newest first


def test_the_slider_moves_through_the_steps(page: Page, fixture_url: str) -> None:
    open_images(page, fixture_url)
    steps = expected(TORCH_LOGDIR)["runs"]["train"]["images"]["img/batch"]["steps"]
    figure = image_card(page, "train", "img/batch").locator("figure")
    slider = figure.get_by_role("slider")
    expect(figure).to_have_attribute("data-step", str(steps[-1]))
    sources = {figure.locator("img").get_attribute("src")}

    slider.focus()
    for step in reversed(steps[:-1]):  # the keyboard walks back to the first step
        page.keyboard.press("ArrowLeft")
        expect(figure).to_have_attribute("data-step", str(step))
        assert natural_size(figure)[0] > 0
        expect(figure).to_contain_text(f"Step {step}")
        sources.add(figure.locator("img").get_attribute("src"))
    assert len(sources) == len(steps)

    image_card(page, "train", "img/batch").get_by_role("button", name="Fit to card").click()
    frame_width = figure.locator(".image-frame").evaluate("el => el.clientWidth")
    expect(figure.locator("img")).to_have_js_property("width", frame_width)
