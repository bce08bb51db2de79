"""The Scalars view in Chromium, against a real log directory served by the default plugins."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from logdir_server import TORCH_LOGDIR, expected, logdir_server
from playwright.sync_api import Locator, Page, expect

if TYPE_CHECKING:
    from torch.utils.tensorboard import SummaryWriter

pytestmark = pytest.mark.browser

#: New points reach the page within the store's tailing delay plus one refresh period.
LIVE_MS = 20_000
DENSE_STEPS = 6_000
#: The shell re-checks which views have data once a second.
LOAD_MS = 15_000


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with logdir_server(TORCH_LOGDIR, tmp_path_factory.mktemp("env")) as url:
        yield url


def expected_runs_per_tag() -> dict[str, list[str]]:
    """Tag -> the runs holding it as scalars, as TensorBoard reads the fixture."""
    runs_per_tag: dict[str, list[str]] = {}
    for run, info in expected(TORCH_LOGDIR)["runs"].items():
        for tag in info["plugins"].get("scalars", []):
            runs_per_tag.setdefault(tag, []).append(run)
    return runs_per_tag


def open_scalars(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url + "#/scalars")
    # A fresh server reads its logdir on the first request: the tab appears once it has.
    expect(page.locator(".scalars-view")).to_have_attribute("data-ready", "1", timeout=LOAD_MS)


def card(page: Page, tag: str) -> Locator:
    return page.locator(f'.scalar-card[data-tag="{tag}"]')


def drawn(page: Page, tag: str) -> Locator:
    """The card of ``tag`` once scrolled to and drawn with its data."""
    found = card(page, tag)
    found.scroll_into_view_if_needed()
    expect(found).to_have_attribute("data-ready", "1")
    expect(found.locator("canvas")).to_have_count(1)
    return found


def canvas_pixels(found: Locator) -> str:
    return str(found.locator("canvas").evaluate("canvas => canvas.toDataURL()"))


def test_a_card_per_tag_with_every_run(page: Page, fixture_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_scalars(page, fixture_url)
    tabs = page.get_by_role("navigation", name="Views").get_by_role("link")
    expect(tabs.get_by_text("Scalars", exact=True)).to_have_attribute("aria-current", "page")

    runs_per_tag = expected_runs_per_tag()
    expect(page.locator(".scalar-card")).to_have_count(len(runs_per_tag))
    for tag, runs in runs_per_tag.items():
        legend = card(page, tag).locator(".scalar-legend li")
        expect(legend).to_have_count(len(runs))
        assert sorted(legend.evaluate_all("items => items.map(i => i.dataset.run)")) == sorted(runs)
    found = drawn(page, "loss")
    assert found.get_attribute("data-points") == str(2 * 100)  # two runs, 100 steps each
    assert errors == []


def test_smoothing_slider_redraws_the_series(page: Page, fixture_url: str) -> None:
    open_scalars(page, fixture_url)
    found = drawn(page, "loss")
    before = canvas_pixels(found)

    slider = page.get_by_label("Smoothing")
    slider.fill("0.95")
    page.wait_for_function(
        "([el, before]) => el.querySelector('canvas').toDataURL() !== before",
        arg=[found.element_handle(), before],
    )
    smoothed = canvas_pixels(found)
    slider.fill("0")
    page.wait_for_function(
        "([el, before]) => el.querySelector('canvas').toDataURL() !== before",
        arg=[found.element_handle(), smoothed],
    )
    assert canvas_pixels(found) not in (before, smoothed)


def test_charts_follow_the_theme(page: Page, fixture_url: str) -> None:
    page.emulate_media(color_scheme="light")
    open_scalars(page, fixture_url)
    found = drawn(page, "accuracy")
    light = canvas_pixels(found)
    page.get_by_role("button", name="Switch to dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    # Axes and grid are redrawn in the dark theme's colours (same data, so nothing else changes).
    page.wait_for_function(
        "([el, before]) => el.querySelector('canvas').toDataURL() !== before",
        arg=[found.element_handle(), light],
    )


def tensorboard_ema(values: list[float], weight: float) -> list[float]:
    """TensorBoard's smoothing: an exponential moving average divided by 1 - weight**n."""
    smoothed, last = [], 0.0
    for count, value in enumerate(values, start=1):
        last = last * weight + (1 - weight) * value
        smoothed.append(last / (1 - weight**count))
    return smoothed


def tooltip_row(page: Page, run: str) -> list[str]:
    row = page.locator(".scalar-tooltip tbody tr").filter(has_text=run).first
    expect(row).to_be_visible()
    return [str(cell) for cell in row.locator("td").all_inner_texts()]


def test_keyboard_tooltip_shows_tensorboard_smoothing(page: Page, fixture_url: str) -> None:
    open_scalars(page, fixture_url)
    page.get_by_label("Smoothing").fill("0.9")
    found = drawn(page, "loss")
    rows = page.request.get(fixture_url + "data/plugin/scalars/scalars?run=eval&tag=loss").json()
    values = [float(value) for _wall, _step, value in rows]
    smoothed = tensorboard_ema(values, 0.9)

    chart = found.locator(".chart-host")
    chart.focus()
    chart.press("End")  # the cursor on the last step: every run is listed
    expect(found.locator(".scalar-tooltip caption")).to_have_text(f"Step {rows[-1][1]}")
    _swatch, _run, shown_smoothed, shown_value, step, _time = tooltip_row(page, "eval")
    assert step == str(rows[-1][1])
    assert math.isclose(float(shown_smoothed), smoothed[-1], rel_tol=1e-3)
    assert math.isclose(float(shown_value), values[-1], rel_tol=1e-3)
    assert tooltip_row(page, "train")[4] == step

    chart.press("Home")  # debiasing: the first smoothed point is the first value itself
    expect(found.locator(".scalar-tooltip caption")).to_have_text(f"Step {rows[0][1]}")
    first = tooltip_row(page, "eval")
    assert math.isclose(float(first[2]), values[0], rel_tol=1e-3)


def test_tag_and_run_filters(page: Page, fixture_url: str) -> None:
    open_scalars(page, fixture_url)
    runs_per_tag = expected_runs_per_tag()
    tag_filter = page.get_by_label("Filter tags")

    tag_filter.fill("^l")
    kept = [tag for tag in runs_per_tag if tag.lower().startswith("l")]
    expect(page.locator(".scalar-card")).to_have_count(len(kept))
    expect(card(page, "accuracy")).to_have_count(0)

    tag_filter.fill("loss(")  # not a regular expression: said so, and nothing breaks
    expect(page.get_by_role("alert")).to_contain_text("Invalid regular expression")
    expect(tag_filter).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".scalar-card")).to_have_count(len(runs_per_tag))

    tag_filter.fill("")
    page.get_by_label("Filter runs").fill("^eval$")
    expect(card(page, "loss").locator(".scalar-legend li")).to_have_count(1)
    eval_tags = [tag for tag, runs in runs_per_tag.items() if "eval" in runs]
    expect(page.locator(".scalar-card")).to_have_count(len(eval_tags))
    page.get_by_label("Filter runs").fill("")


def test_csv_download_has_every_row(page: Page, fixture_url: str) -> None:
    open_scalars(page, fixture_url)
    found = card(page, "loss")
    found.get_by_text("Download", exact=True).click()
    with page.expect_download() as download_info:
        found.get_by_role("link", name="Download eval as CSV").click()
    path = download_info.value.path()
    with open(path, newline="") as handle:
        rows = list(csv.reader(handle))

    truth = expected(TORCH_LOGDIR)["runs"]["eval"]["scalars"]["loss"]
    assert rows[0] == ["Wall time", "Step", "Value"]
    assert len(rows) - 1 == truth["count"]
    first, last = rows[1], rows[-1]
    assert int(first[1]) == truth["first"]["step"] and int(last[1]) == truth["last"]["step"]
    assert math.isclose(float(first[2]), truth["first"]["value"], rel_tol=1e-6)
    assert math.isclose(sum(float(row[2]) for row in rows[1:]), truth["sum"], rel_tol=1e-6)

    runs = expected_runs_per_tag()["loss"]
    with page.expect_download() as download_info:
        found.get_by_role("button", name="Download all runs as CSV").click()
    with open(download_info.value.path(), newline="") as handle:
        all_rows = list(csv.reader(handle))
    assert all_rows[0] == ["Run", "Wall time", "Step", "Value"]
    counts = {run: sum(1 for row in all_rows[1:] if row[0] == run) for run in runs}
    everything = expected(TORCH_LOGDIR)["runs"]
    assert counts == {run: everything[run]["scalars"]["loss"]["count"] for run in runs}

    with page.expect_download() as download_info:
        found.get_by_role("button", name="Download eval as JSON").click()
    points = json.loads(Path(download_info.value.path()).read_text())
    assert download_info.value.suggested_filename == "loss-eval.json"
    assert [step for _wall, step, _value in points] == [int(row[1]) for row in rows[1:]]


@pytest.fixture
def growing_logdir(tmp_path: Path) -> Iterator[tuple[Path, SummaryWriter]]:
    """A run with a long series (downsampled on screen) and a short one the test extends."""
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path / "logs" / "run"), flush_secs=3600)
    for step in range(DENSE_STEPS):
        writer.add_scalar("dense", math.sin(step / 300) + (5.0 if step == 3001 else 0.0), step)
    for step in range(10):
        writer.add_scalar("grow", float(step), step)
    writer.flush()
    yield tmp_path / "logs", writer
    writer.close()


def test_zoom_fetches_full_resolution_and_live_points_keep_the_zoom(
    page: Page, growing_logdir: tuple[Path, SummaryWriter], tmp_path: Path
) -> None:
    logdir, writer = growing_logdir
    with logdir_server(logdir, tmp_path / "env") as url:
        open_scalars(page, url)
        dense = drawn(page, "dense")
        expect(dense).to_have_attribute("data-downsampled", "1")
        expect(dense.get_by_role("note")).to_contain_text(f"of {DENSE_STEPS:,} points")

        chart = dense.locator(".chart-host")
        with page.expect_request(lambda request: "start_step=" in request.url):
            for _ in range(3):  # each halves the visible range around the cursor
                chart.press("=")
        expect(dense).to_have_attribute("data-zoomed", "1")
        expect(dense).to_have_attribute("data-downsampled", "0")
        expect(dense.get_by_role("note")).to_contain_text("every one of the")

        grow = drawn(page, "grow")
        expect(grow).to_have_attribute("data-points", "10")
        grow.locator(".chart-host").press("=")
        expect(grow).to_have_attribute("data-zoomed", "1")
        for step in range(10, 15):
            writer.add_scalar("grow", float(step), step)
        writer.flush()
        with page.expect_response(
            lambda response: (
                "series_multirun" in response.url
                and len(response.json().get("run", {}).get("step", [])) == 15
            ),
            timeout=LIVE_MS,
        ):
            pass
        expect(grow).to_have_attribute("data-zoomed", "1")  # the refresh kept the zoom
        grow.get_by_role("button", name="Reset zoom").click()
        expect(grow).to_have_attribute("data-points", "15")


def corrupt_record(event_file: Path, index: int) -> None:
    """Flip one payload byte of the ``index``-th TFRecord of ``event_file`` (its CRC then fails)."""
    data = bytearray(event_file.read_bytes())
    offset = 0
    for _ in range(index):
        length = int.from_bytes(data[offset : offset + 8], "little")
        offset += 8 + 4 + length + 4
    data[offset + 12 + 2] ^= 0xFF
    event_file.write_bytes(bytes(data))


def test_skipped_records_are_reported(page: Page, tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(tmp_path / "logs" / "damaged")) as writer:
        for step in range(20):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
    (event_file,) = (tmp_path / "logs" / "damaged").glob("*tfevents*")
    corrupt_record(event_file, 6)  # record 0 is the file version; 6 holds step 5
    with logdir_server(tmp_path / "logs", tmp_path / "env") as url:
        open_scalars(page, url)
        health = page.locator(".logdir-health")
        expect(health).to_contain_text("Damaged data was skipped in 1 run")
        health.locator("summary").click()
        expect(health.locator('li[data-run="damaged"]')).to_contain_text("1 corrupt record skipped")
        expect(drawn(page, "loss")).to_have_attribute("data-points", "19")
