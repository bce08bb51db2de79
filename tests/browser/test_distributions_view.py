"""The Distributions view in Chromium: nine percentile series per run and tag over the steps."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from logdir_server import TORCH_LOGDIR, expected, logdir_server
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

TAG = "weights/conv1"


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with logdir_server(TORCH_LOGDIR, tmp_path_factory.mktemp("env")) as url:
        yield url


def open_distributions(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + "#/distributions")
    expect(page.locator(".distributions-view")).to_have_attribute("data-ready", "1")


def drawn_card(page: Page, run: str, tag: str) -> Locator:
    card = page.locator(f'.distribution-card[data-run="{run}"][data-tag="{tag}"]')
    card.scroll_into_view_if_needed()
    expect(card).to_have_attribute("data-ready", "1")
    expect(card.locator("canvas")).to_have_count(1)
    page.wait_for_function("el => Number(el.dataset.draws || 0) > 0", arg=card.element_handle())
    return card


def test_a_card_per_run_and_tag_with_nine_series(page: Page, fixture_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_distributions(page, fixture_url)
    truth = expected(TORCH_LOGDIR)["runs"]
    pairs = [(run, tag) for run, info in truth.items() for tag in info["histograms"]]
    expect(page.locator(".distribution-card")).to_have_count(len(pairs))
    for run, tag in pairs:
        card = drawn_card(page, run, tag)
        expect(card).to_have_attribute("data-series", "9")
        expect(card).to_have_attribute(
            "data-steps", str(len(truth[run]["histograms"][tag]["steps"]))
        )
    assert errors == []


def test_tooltip_lists_the_server_percentiles(page: Page, fixture_url: str) -> None:
    open_distributions(page, fixture_url)
    card = drawn_card(page, "train", TAG)
    rows = page.request.get(
        fixture_url + "data/plugin/distributions/distributions?run=train&tag=" + TAG
    ).json()
    _wall, last_step, percentiles = rows[-1]
    card.locator(".distribution-plot").focus()
    page.keyboard.press("End")
    tooltip = card.locator(".distribution-tooltip")
    expect(tooltip).to_have_attribute("data-step", str(last_step))
    cells = dict(
        zip(
            tooltip.locator("th").all_inner_texts(),
            tooltip.locator("td").all_inner_texts(),
            strict=True,
        )
    )
    assert list(cells) == [
        "max",
        "93.3%",
        "84.1%",
        "69.2%",
        "median",
        "30.9%",
        "15.9%",
        "6.7%",
        "min",
    ]
    values = [value for _bp, value in percentiles]
    assert math.isclose(float(cells["median"]), values[4], rel_tol=1e-3, abs_tol=1e-3)
    assert math.isclose(float(cells["max"]), values[8], rel_tol=1e-3)
    assert math.isclose(float(cells["min"]), values[0], rel_tol=1e-3)
    page.keyboard.press("ArrowLeft")
    expect(tooltip).to_have_attribute("data-step", str(rows[-2][1]))


def test_the_horizontal_axis_switches_to_wall_time(page: Page, fixture_url: str) -> None:
    open_distributions(page, fixture_url)
    card = drawn_card(page, "train", TAG)
    before = card.locator("canvas").evaluate("canvas => canvas.toDataURL()")
    page.get_by_label("Horizontal axis").select_option("wall")
    expect(card).to_have_attribute("data-x-kind", "wall")
    page.wait_for_function(
        "([el, before]) => el.querySelector('canvas') && "
        "el.querySelector('canvas').toDataURL() !== before",
        arg=[card.element_handle(), before],
    )
    expect(card).to_have_attribute("data-steps", "5")
    page.get_by_label("Horizontal axis").select_option("step")
