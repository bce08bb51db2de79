"""The Custom Scalars view in Chromium: the layout written by ``add_custom_scalars`` in the
fixture log directories, drawn with the Scalars view's charts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from logdir_server import FIXTURES, TORCH_LOGDIR, expected, logdir_server
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

LOAD_MS = 15_000
TENSORBOARDX_LOGDIR = FIXTURES / "tb-logdir-tensorboardx"


@pytest.fixture(scope="module", params=[TORCH_LOGDIR, TENSORBOARDX_LOGDIR], ids=["torch", "tbx"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    logdir: Path = request.param
    with logdir_server(logdir, tmp_path_factory.mktemp("env")) as url:
        yield logdir, url


def layout_and_tags(logdir: Path) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The layout TensorBoard reads in the fixture, and each run's scalar tags."""
    runs = expected(logdir)["runs"]
    (layout,) = [
        info["custom_scalars_layout"] for info in runs.values() if info.get("custom_scalars_layout")
    ]
    tags = {run: info["plugins"].get("scalars", []) for run, info in runs.items()}
    return layout, tags


def multiline_pairs(patterns: list[str], tags: dict[str, list[str]]) -> set[tuple[str, str]]:
    """(run, tag) pairs a multiline chart draws: tags matched from their start (re.match)."""
    return {
        (run, tag)
        for run, run_tags in tags.items()
        for tag in run_tags
        if any(re.match(pattern, tag) for pattern in patterns)
    }


def open_view(page: Page, url: str) -> Locator:
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(url + "#/custom_scalars")
    view = page.locator(".custom-scalars-view")
    expect(view).to_have_attribute("data-ready", "1", timeout=LOAD_MS)
    return view


def chart(page: Page, title: str) -> Locator:
    return page.locator(f'.custom-chart[data-chart="{title}"]')


def test_every_chart_of_the_layout_is_drawn(page: Page, served: tuple[Path, str]) -> None:
    logdir, url = served
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    layout, tags = layout_and_tags(logdir)
    view = open_view(page, url)

    categories = layout["category"]
    expect(page.locator(".custom-category")).to_have_count(len(categories))
    expect(page.locator(".custom-chart")).to_have_count(sum(len(c["chart"]) for c in categories))
    for category in categories:
        section = page.locator(f'.custom-category[data-category="{category["title"]}"]')
        expect(section.locator(".custom-chart")).to_have_count(len(category["chart"]))
        for spec in category["chart"]:
            found = chart(page, spec["title"])
            found.scroll_into_view_if_needed()
            expect(found).to_have_attribute("data-ready", "1")
            expect(found.locator("canvas")).to_have_count(1)
            if "multiline" in spec:
                pairs = multiline_pairs(spec["multiline"]["tag"], tags)
                expect(found).to_have_attribute("data-kind", "multiline")
                expect(found).to_have_attribute("data-lines", str(len(pairs)))
                legend = found.locator(".scalar-legend li")
                expect(legend).to_have_count(len(pairs))
                drawn = legend.evaluate_all(
                    "items => items.map(i => [i.dataset.run, i.dataset.tag])"
                )
                assert {(run, tag) for run, tag in drawn} == pairs
            else:
                (series,) = spec["margin"]["series"]
                runs = [
                    r
                    for r, t in tags.items()
                    if {series["value"], series["lower"], series["upper"]} <= set(t)
                ]
                expect(found).to_have_attribute("data-kind", "margin")
                # One shaded band from lower to upper per run that logged all three tags.
                expect(found).to_have_attribute("data-bands", str(len(runs)))
                expect(found.locator(".scalar-legend li")).to_have_count(len(runs))
    assert view.get_attribute("data-charts") == str(sum(len(c["chart"]) for c in categories))
    assert errors == []


def test_run_filter_narrows_every_chart(page: Page, served: tuple[Path, str]) -> None:
    logdir, url = served
    layout, tags = layout_and_tags(logdir)
    open_view(page, url)
    page.get_by_label("Filter runs").fill("^eval$")
    for category in layout["category"]:
        for spec in category["chart"]:
            if "multiline" not in spec:
                continue
            pairs = multiline_pairs(spec["multiline"]["tag"], {"eval": tags["eval"]})
            expect(chart(page, spec["title"])).to_have_attribute("data-lines", str(len(pairs)))
    page.get_by_label("Filter runs").fill("")


def test_zoom_fetches_the_range_of_every_line(page: Page, served: tuple[Path, str]) -> None:
    logdir, url = served
    layout, _tags = layout_and_tags(logdir)
    title = layout["category"][0]["chart"][0]["title"]
    open_view(page, url)
    found = chart(page, title)
    found.scroll_into_view_if_needed()
    expect(found).to_have_attribute("data-ready", "1")
    overview_points = int(found.get_attribute("data-points") or "0")
    with page.expect_request(lambda request: "start_step=" in request.url):
        found.locator(".chart-host").press("=")  # zoom in around the middle
    expect(found).to_have_attribute("data-zoomed", "1")
    # The zoomed chart is drawn from each line's points in the range only.
    page.wait_for_function(
        "([el, before]) => Number(el.dataset.points) < before",
        arg=[found.element_handle(), overview_points],
    )
    found.get_by_role("button", name="Reset zoom").click()
    expect(found).to_have_attribute("data-zoomed", "0")
    expect(found).to_have_attribute("data-points", str(overview_points))
