"""The Histograms view in Chromium: a card per run and tag, offset and overlay modes, hovering."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from logdir_server import FIXTURES, TORCH_LOGDIR, expected, logdir_server
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

TAG = "weights/conv1"
TENSORBOARDX_LOGDIR = FIXTURES / "tb-logdir-tensorboardx"


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with logdir_server(TORCH_LOGDIR, tmp_path_factory.mktemp("env")) as url:
        yield url


def open_histograms(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + "#/histograms")
    expect(page.locator(".histograms-view")).to_have_attribute("data-ready", "1")


def drawn_card(page: Page, run: str, tag: str) -> Locator:
    card = page.locator(f'.histogram-card[data-run="{run}"][data-tag="{tag}"]')
    card.scroll_into_view_if_needed()
    expect(card).to_have_attribute("data-ready", "1")
    expect(card.locator(".histogram-plot")).not_to_have_attribute("data-draws", "0")
    return card


def pixels(card: Locator) -> str:
    return str(card.locator("canvas").evaluate("canvas => canvas.toDataURL()"))


def check_cards(page: Page, url: str, logdir: Path) -> None:
    """Every (run, tag) of ``logdir`` has a drawn card with all its steps and counts."""
    open_histograms(page, url)
    truth = expected(logdir)["runs"]
    pairs = [(run, tag) for run, info in truth.items() for tag in info["histograms"]]
    expect(page.locator(".histogram-card")).to_have_count(len(pairs))
    for run, tag in pairs:
        info = truth[run]["histograms"][tag]
        card = drawn_card(page, run, tag)
        expect(card).to_have_attribute("data-steps", str(len(info["steps"])))
        expect(card).to_have_attribute("data-bins", "30")  # rebinned as TensorBoard does
        expect(card).to_have_attribute("data-mode", "offset")
        # Rebinning spreads the newest step's counts over new bins without losing any.
        expect(card).to_have_attribute("data-newest-count", str(round(info["last"]["num"])))


def test_a_card_per_run_and_tag_with_every_step(page: Page, fixture_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    check_cards(page, fixture_url, TORCH_LOGDIR)
    assert errors == []


def test_the_tensorboardx_fixture(page: Page, tmp_path: Path) -> None:
    with logdir_server(TENSORBOARDX_LOGDIR, tmp_path / "env") as url:
        check_cards(page, url, TENSORBOARDX_LOGDIR)


def test_overlay_mode_and_bins_redraw_the_chart(page: Page, fixture_url: str) -> None:
    open_histograms(page, fixture_url)
    card = drawn_card(page, "train", TAG)
    offset = pixels(card)

    page.locator(".segmented label", has_text="Overlay").click()
    expect(card).to_have_attribute("data-mode", "overlay")
    page.wait_for_function(
        "([el, before]) => el.querySelector('canvas').toDataURL() !== before",
        arg=[card.element_handle(), offset],
    )
    page.get_by_label("Bins", exact=True).select_option("50")
    expect(card).to_have_attribute("data-bins", "50")
    expect(card).to_have_attribute("data-steps", "5")

    # The chart follows the theme: same data, redrawn in the dark theme's colours.
    page.emulate_media(color_scheme="light")
    light = pixels(card)
    page.get_by_role("button", name="Switch to dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.wait_for_function(
        "([el, before]) => el.querySelector('canvas').toDataURL() !== before",
        arg=[card.element_handle(), light],
    )


def test_keyboard_and_pointer_show_the_step_and_bucket(page: Page, fixture_url: str) -> None:
    open_histograms(page, fixture_url)
    steps = expected(TORCH_LOGDIR)["runs"]["train"]["histograms"][TAG]["steps"]
    card = drawn_card(page, "train", TAG)
    plot = card.locator(".histogram-plot")
    plot.focus()
    page.keyboard.press("End")  # the newest step, in front
    tooltip = card.locator(".histogram-tooltip")
    expect(tooltip).to_have_attribute("data-step", str(steps[-1]))
    expect(tooltip).to_contain_text(f"Step {steps[-1]}")
    page.keyboard.press("ArrowUp")  # one step older
    expect(tooltip).to_have_attribute("data-step", str(steps[-2]))
    bin_before = int(tooltip.get_attribute("data-bin") or -1)
    page.keyboard.press("ArrowRight")
    expect(tooltip).to_have_attribute("data-bin", str(bin_before + 1))
    expect(tooltip).to_contain_text("count")
    page.keyboard.press("Escape")
    expect(tooltip).to_have_count(0)

    # The pointer near the bottom baseline picks the newest step.
    box = card.locator("canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] - 36)
    expect(tooltip).to_have_attribute("data-step", str(steps[-1]))
