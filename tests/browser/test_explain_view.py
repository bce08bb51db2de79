"""The Explain view and the Live view's explain panes in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from explain_logdir import METHODS, TAG, write_explain_logdir
from logdir_server import logdir_server
from playwright.sync_api import Locator, Page, expect

import torchscope

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    logdir = tmp_path_factory.mktemp("explain-logs")
    records = write_explain_logdir(logdir, epochs=5)
    with logdir_server(logdir, tmp_path_factory.mktemp("env")) as url:
        yield url, records


def open_card(page: Page, url: str) -> Locator:
    page.goto(url + "#/explain")
    card = page.locator(f'.explain-card[data-run="cnn"][data-tag="{TAG}"]')
    expect(card).to_have_attribute("data-ready", "1", timeout=15_000)
    return card


def main_pixels(card: Locator) -> str:
    """The main overlay's heatmap as a data URL, once it is drawn."""
    overlay = card.locator(".explain-main-overlay")
    expect(overlay).to_have_attribute("data-ready", "1")
    pixels: str = overlay.locator("canvas").evaluate("canvas => canvas.toDataURL()")
    return pixels


def test_tab_shows_methods_side_by_side_and_opacity_slider(
    page: Page, served: tuple[str, list[dict[str, Any]]]
) -> None:
    url, _ = served
    card = open_card(page, url)
    expect(page.locator("nav.tabs").get_by_text("Explain", exact=True)).to_be_visible()
    expect(card).to_have_attribute("data-step", "1")  # the newest step first
    methods = card.locator(".explain-method")
    expect(methods).to_have_count(len(METHODS))
    assert methods.evaluate_all("els => els.map(e => e.dataset.method)") == list(METHODS)
    expect(card.locator(".explain-method .explain-overlay[data-ready='1']")).to_have_count(
        len(METHODS)
    )
    heat = card.locator(".explain-main-overlay canvas")
    expect(heat).to_have_css("opacity", "0.5")
    card.locator(".explain-opacity").fill("80")
    expect(heat).to_have_css("opacity", "0.8")
    expect(card.locator(".explain-method canvas").first).to_have_css("opacity", "0.8")
    # Another method becomes the overlaid one.
    before = main_pixels(card)
    card.locator('.explain-method[data-method="saliency"]').click()
    expect(card.locator(".explain-record")).to_have_attribute("data-method", "saliency")
    assert main_pixels(card) != before


def test_target_picker_switches_maps(page: Page, served: tuple[str, list[dict[str, Any]]]) -> None:
    url, records = served
    card = open_card(page, url)
    record = card.locator(".explain-record")
    first, second = (r["target"]["index"] for r in records[:2])
    expect(record).to_have_attribute("data-target", str(first))
    pickers = card.locator(".explain-target")
    expect(pickers).to_have_count(len(records[0]["predictions"]))
    # Classes without logged maps are listed but cannot be picked.
    expect(card.locator(".explain-target:disabled")).to_have_count(
        len(records[0]["predictions"]) - len(records)
    )
    expect(card.locator(".explain-target-note")).to_have_count(0)
    before = main_pixels(card)
    card.locator(f'.explain-target[data-index="{second}"]').click()
    expect(record).to_have_attribute("data-target", str(second))
    expect(card.locator(f'.explain-target[data-index="{second}"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    assert main_pixels(card) != before
    # The first step holds one target: the picker says so.
    card.locator(".step-slider input").fill("0")
    expect(card).to_have_attribute("data-step", "0")
    expect(card.locator(".explain-target-note")).to_contain_text("only")
    expect(card.locator(".explain-target:not(:disabled)")).to_have_count(1)


def test_live_explain_pane_renders(page: Page, served: tuple[str, list[dict[str, Any]]]) -> None:
    url, records = served
    vis = torchscope.Visdom(
        server="http://127.0.0.1",
        port=urlsplit(url).port or 80,
        env="explained",
        use_incoming_socket=False,
        raise_exceptions=True,
    )
    vis.explanation(records[0], win="why", opts={"title": "why this digit"})
    page.goto(url + "#/live?env=explained")
    pane = page.locator('.live-pane[data-window-id="why"]')
    expect(pane.locator(".live-explain")).to_have_attribute("data-ready", "1", timeout=15_000)
    expect(pane.locator(".explain-method")).to_have_count(len(METHODS))
    expect(pane.locator(".explain-main-overlay")).to_have_attribute("data-ready", "1")
    expect(pane.locator(".explain-target-note")).to_contain_text(records[0]["target"]["label"])
