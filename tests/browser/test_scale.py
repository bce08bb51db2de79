"""A large log directory in Chromium: hundreds of runs and thousands of tags stay usable.

The views must not fetch data for every card at once (only cards on or near the screen), the
run list renders only the rows on screen, and the run and tag filters still narrow correctly.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from logdir_server import logdir_server
from playwright.sync_api import Page, Request, expect

from torchscope import SummaryWriter

pytestmark = pytest.mark.browser

RUNS = 300
TAGS_PER_RUN = 5
WIDE_TAGS = 2000
WIDE_GROUP_SIZE = 100
WIDE_HISTOGRAMS = 300
#: One card per scalar tag: the runs' shared tags plus the wide run's own.
SCALAR_CARDS = TAGS_PER_RUN + WIDE_TAGS
#: "train" plus the wide run's groups.
SCALAR_GROUPS = 1 + WIDE_TAGS // WIDE_GROUP_SIZE
#: One card per (run, tag): every run's "grad/norm" plus the wide run's layers.
HISTOGRAM_CARDS = RUNS + WIDE_HISTOGRAMS
#: Far fewer than the cards: what a 1280 x 900 screen (and the lazy-load margin) can hold.
MAX_FETCHES_ON_LOAD = 60
#: The run list's rows on screen plus its overscan, whatever the number of runs.
MAX_RUN_ROWS = 40
#: Cards built on load: the first few blocks; the others wait as placeholders.
MAX_CARDS_BUILT_ON_LOAD = 100
LOAD_MS = 30_000


def run_name(index: int) -> str:
    return f"run{index:03d}"


def build_logdir(root: Path) -> None:
    """300 runs with 5 scalar tags and 1 histogram each, and one run with 2,000 scalar tags."""
    rng = np.random.default_rng(0)
    for index in range(RUNS):
        with SummaryWriter(root / run_name(index)) as writer:
            for tag_index in range(TAGS_PER_RUN):
                for step in range(3):
                    writer.add_scalar(f"train/metric{tag_index}", index + tag_index + step, step)
            writer.add_histogram("grad/norm", rng.normal(size=20), 0)
    with SummaryWriter(root / "wide") as writer:
        for tag_index in range(WIDE_TAGS):
            tag = f"group{tag_index // WIDE_GROUP_SIZE:02d}/tag{tag_index:04d}"
            for step in range(2):
                writer.add_scalar(tag, tag_index + step, step)
        for layer in range(WIDE_HISTOGRAMS):
            writer.add_histogram(f"weights/layer{layer:03d}", rng.normal(size=20), 0)


@pytest.fixture(scope="module")
def scale_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    logdir = tmp_path_factory.mktemp("scale-logdir")
    build_logdir(logdir)
    with logdir_server(logdir, tmp_path_factory.mktemp("env")) as url:
        yield url


class RequestCounter:
    """Counts the page's requests whose URL contains ``route``."""

    def __init__(self, page: Page, route: str) -> None:
        self.route = route
        self.count = 0
        page.on("request", self._seen)

    def _seen(self, request: Request) -> None:
        if self.route in request.url:
            self.count += 1


def open_view(page: Page, url: str, view: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{url}#/{view}")
    expect(page.locator(f".{view}-view")).to_have_attribute("data-ready", "1", timeout=LOAD_MS)


def expect_cards(page: Page, card_class: str, total: int) -> None:
    """The view holds ``total`` cards: those built plus those its placeholders stand for."""
    script = f"""() => document.querySelectorAll('.{card_class}').length +
        [...document.querySelectorAll('.card-grid-pending')]
            .reduce((sum, block) => sum + Number(block.dataset.pending), 0)"""
    # Polled from here: the page's Content-Security-Policy rules out wait_for_function.
    deadline = time.monotonic() + 10
    while page.evaluate(script) != total and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.evaluate(script) == total


def scroll_to_last_block(page: Page) -> None:
    """Scroll the view to its last card block, which is then built."""
    pending = page.locator(".card-grid-pending")
    expect(pending.first).to_be_attached()
    pending.last.scroll_into_view_if_needed()


def runs_legend(page: Page, shown: int) -> None:
    expect(page.locator(".scalars-view fieldset legend")).to_have_text(
        f"Runs ({shown} of {RUNS + 1} shown)"
    )


def test_scalars_fetch_only_the_cards_on_screen(page: Page, scale_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    fetches = RequestCounter(page, "/data/plugin/scalars/series_multirun")
    open_view(page, scale_url, "scalars")

    expect_cards(page, "scalar-card", SCALAR_CARDS)
    assert page.locator(".scalar-card").count() <= MAX_CARDS_BUILT_ON_LOAD
    expect(page.locator(".scalars-view .tag-group")).to_have_count(SCALAR_GROUPS)
    expect(page.locator(".scalars-view .dash-note")).to_contain_text(f"{SCALAR_CARDS} tags")
    # Sections in name order: the wide run's groups come before "train".
    first = page.locator('.scalar-card[data-tag="group00/tag0000"]')
    expect(first).to_have_attribute("data-ready", "1")
    page.wait_for_timeout(500)  # let every card that wants data ask for it
    on_load = fetches.count
    assert 0 < on_load <= MAX_FETCHES_ON_LOAD
    drawn_on_load = page.locator('.scalar-card[data-ready="1"]').count()
    assert 0 < drawn_on_load <= MAX_FETCHES_ON_LOAD

    last = page.locator(f'.scalar-card[data-tag="train/metric{TAGS_PER_RUN - 1}"]')
    expect(last).to_have_count(0)  # not built until scrolled near
    scroll_to_last_block(page)
    last.scroll_into_view_if_needed()
    expect(last).to_have_attribute("data-ready", "1")
    expect(last.locator("canvas")).to_have_count(1)
    expect(last.locator(".scalar-legend li")).to_have_count(RUNS)
    assert fetches.count > on_load
    # Cards scrolled away drop their data: memory follows the screen, not the logdir.
    expect(first).to_have_attribute("data-ready", "0")
    assert errors == []


def test_run_list_renders_only_rows_on_screen(page: Page, scale_url: str) -> None:
    open_view(page, scale_url, "scalars")
    runs_legend(page, RUNS + 1)
    rows = page.locator(".scalars-view .run-list li")
    assert 0 < rows.count() <= MAX_RUN_ROWS
    expect(page.get_by_label(run_name(0), exact=True)).to_be_checked()
    expect(page.get_by_label("wide", exact=True)).to_have_count(0)  # far below the window

    page.locator(".scalars-view .virtual-list").evaluate("box => { box.scrollTop = 1e6; }")
    expect(page.get_by_label("wide", exact=True)).to_be_checked()
    expect(page.get_by_label(run_name(0), exact=True)).to_have_count(0)
    assert 0 < rows.count() <= MAX_RUN_ROWS
    positions = rows.evaluate_all("items => items.map(i => Number(i.ariaPosInSet))")
    assert positions == list(range(RUNS + 2 - len(positions), RUNS + 2))

    # Narrowed and widened again while scrolled: the rows drawn are still those in view.
    page.get_by_label("Filter runs").fill("^run00[0-4]$")
    expect(rows).to_have_count(5)
    page.get_by_label("Filter runs").fill("")
    runs_legend(page, RUNS + 1)
    box = page.locator(".scalars-view .virtual-list")
    first_in_view = box.evaluate("box => Math.floor(box.scrollTop / 24) + 1")
    positions = rows.evaluate_all("items => items.map(i => Number(i.ariaPosInSet))")
    assert positions[0] <= first_in_view and first_in_view + 15 <= positions[-1]


def test_run_filter_narrows_runs_and_cards(page: Page, scale_url: str) -> None:
    open_view(page, scale_url, "scalars")
    run_filter = page.get_by_label("Filter runs")

    run_filter.fill("^run00[0-4]$")
    runs_legend(page, 5)
    rows = page.locator(".scalars-view .run-list li")
    expect(rows).to_have_count(5)
    assert rows.all_inner_texts() == [run_name(i) for i in range(5)]
    expect(page.locator(".scalar-card")).to_have_count(TAGS_PER_RUN)
    legend = page.locator('.scalar-card[data-tag="train/metric0"] .scalar-legend li')
    assert legend.evaluate_all("items => items.map(i => i.dataset.run)") == [
        run_name(i) for i in range(5)
    ]

    run_filter.fill("^wide$")
    runs_legend(page, 1)
    expect_cards(page, "scalar-card", WIDE_TAGS)

    run_filter.fill("run2[0-9]{2}")  # run200 .. run299
    runs_legend(page, 100)
    expect(rows.first).to_have_text(run_name(200))
    assert rows.count() <= MAX_RUN_ROWS

    run_filter.fill("")
    runs_legend(page, RUNS + 1)
    expect_cards(page, "scalar-card", SCALAR_CARDS)


def test_selecting_and_deselecting_runs(page: Page, scale_url: str) -> None:
    open_view(page, scale_url, "scalars")
    page.get_by_label("Filter tags").fill("^train/")  # the cards every run has
    card = page.locator('.scalar-card[data-tag="train/metric0"]')

    page.get_by_label(run_name(0), exact=True).uncheck()
    runs_legend(page, RUNS)
    expect(card.locator(".scalar-legend li")).to_have_count(RUNS - 1)
    expect(card.locator(f'.scalar-legend li[data-run="{run_name(0)}"]')).to_have_count(0)

    # A run far down the list: scroll the list to it, then select it alone.
    page.get_by_role("button", name="None", exact=True).click()
    runs_legend(page, 0)
    expect(page.locator(".scalar-card")).to_have_count(0)
    page.locator(".scalars-view .virtual-list").evaluate("box => { box.scrollTop = 299 * 24; }")
    page.get_by_label(run_name(299), exact=True).check()
    runs_legend(page, 1)
    expect(page.locator(".scalar-card")).to_have_count(TAGS_PER_RUN)
    expect(card.locator(".scalar-legend li")).to_have_text([run_name(299)])
    expect(card).to_have_attribute("data-ready", "1")

    page.get_by_role("button", name="All", exact=True).click()
    runs_legend(page, RUNS + 1)
    expect(card.locator(".scalar-legend li")).to_have_count(RUNS)
    page.get_by_label("Filter tags").fill("")
    expect_cards(page, "scalar-card", SCALAR_CARDS)


def test_tag_filter_narrows_cards(page: Page, scale_url: str) -> None:
    open_view(page, scale_url, "scalars")
    tag_filter = page.get_by_label("Filter tags")

    tag_filter.fill(r"tag19\d\d$")
    expect_cards(page, "scalar-card", WIDE_GROUP_SIZE)
    expect(page.locator(".scalars-view .tag-group")).to_have_count(1)
    expect(page.locator(".scalars-view .tag-group > summary")).to_have_text("group19100")

    tag_filter.fill("metric[01]$")
    expect(page.locator(".scalar-card")).to_have_count(2)
    tags = page.locator(".scalar-card").evaluate_all("cards => cards.map(c => c.dataset.tag)")
    assert tags == ["train/metric0", "train/metric1"]

    tag_filter.fill("")
    expect_cards(page, "scalar-card", SCALAR_CARDS)


@pytest.mark.parametrize(
    ("view", "card_class", "route"),
    [
        ("histograms", "histogram-card", "/data/plugin/histograms/histograms?"),
        ("distributions", "distribution-card", "/data/plugin/distributions/distributions?"),
    ],
)
def test_histogram_views_fetch_only_the_cards_on_screen(
    page: Page, scale_url: str, view: str, card_class: str, route: str
) -> None:
    fetches = RequestCounter(page, route)
    open_view(page, scale_url, view)
    expect_cards(page, card_class, HISTOGRAM_CARDS)
    cards = page.locator(f".{card_class}")
    assert cards.count() <= MAX_CARDS_BUILT_ON_LOAD
    expect(cards.first).to_have_attribute("data-ready", "1")
    page.wait_for_timeout(500)
    on_load = fetches.count
    assert 0 < on_load <= MAX_FETCHES_ON_LOAD

    last = page.locator(f'.{card_class}[data-run="wide"][data-tag="weights/layer299"]')
    scroll_to_last_block(page)
    last.scroll_into_view_if_needed()
    expect(last).to_have_attribute("data-ready", "1")
    assert fetches.count > on_load

    page.get_by_label("Filter tags").fill(r"^weights/layer00\d$")
    expect(cards).to_have_count(10)
    page.get_by_label("Filter tags").fill("^grad/")
    page.get_by_label("Filter runs").fill("^run01")
    expect(cards).to_have_count(10)
    runs = cards.evaluate_all("cards => cards.map(c => c.dataset.run)")
    assert runs == [run_name(i) for i in range(10, 20)]
