"""The Text view in Chromium: rendered Markdown per step, and no script from a log ever runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from logdir_server import TORCH_LOGDIR, expected, logdir_server
from playwright.sync_api import Page, Route, expect

pytestmark = pytest.mark.browser

HOSTILE = (
    "**bold words** <script>window.__pwned = 'script'</script>\n\n"
    '<img src="x" onerror="window.__pwned = \'onerror\'">\n\n'
    "[click](javascript:window.__pwned='link')"
)


@pytest.fixture(scope="module")
def fixture_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with logdir_server(TORCH_LOGDIR, tmp_path_factory.mktemp("env")) as url:
        yield url


def test_each_step_is_rendered(page: Page, fixture_url: str) -> None:
    page.goto(fixture_url + "#/text")
    expect(page.locator(".text-view")).to_have_attribute("data-ready", "1")
    tensors = expected(TORCH_LOGDIR)["runs"]["train"]["tensors"]["notes/text_summary"]
    found = page.locator('.text-card[data-run="train"][data-tag="notes/text_summary"]')
    expect(found).to_have_attribute("data-ready", "1")
    steps = found.locator(".text-step")
    expect(steps).to_have_count(tensors["count"])
    # Newest first; Markdown emphasis became <strong>.
    newest = steps.first
    expect(newest).to_have_attribute("data-step", str(tensors["steps"][-1]))
    expect(newest.locator(".text-body strong")).to_have_text(f"step {tensors['steps'][-1]}")
    expect(newest.locator(".text-body")).to_contain_text("ünï©ødé")


def test_script_in_text_never_runs(page: Page, tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(tmp_path / "logs" / "hostile")) as writer:
        writer.add_text("notes", HOSTILE, 0)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with logdir_server(tmp_path / "logs", tmp_path / "env") as url:
        page.goto(url + "#/text")
        body = page.locator(".text-card .text-body")
        # A fresh server reads its logdir on the first request: the tab appears once it has.
        expect(body.locator("strong")).to_have_text("bold words", timeout=15_000)
        expect(body.locator("script")).to_have_count(0)
        assert body.locator("[onerror]").count() == 0
        link = body.get_by_role("link", name="click")
        if link.count():
            assert not (link.get_attribute("href") or "").startswith("javascript:")
            link.click()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__pwned") is None
    assert errors == []


#: HTML that a faulty server might let through: the page itself must still neutralize it.
UNSANITIZED = (
    "<p><strong>kept</strong><script>window.__pwned = 'script'</script></p>"
    '<img src="https://tracker.invalid/pixel.png" alt="tracker">'
    '<img src="x" onerror="window.__pwned = \'onerror\'" alt="broken">'
    "<a href=\"javascript:window.__pwned='link'\">js link</a>"
    '<a href="https://example.org/docs">docs</a>'
    '<iframe src="https://tracker.invalid/"></iframe>'
    '<p style="color:red" onclick="window.__pwned = \'click\'">styled</p>'
)


def test_the_page_sanitizes_again_whatever_the_server_sends(page: Page, fixture_url: str) -> None:
    def unsanitized(route: Route) -> None:
        body = [{"wall_time": 1.7e9, "step": 0, "text": UNSANITIZED}]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route("**/data/plugin/text/text?*", unsanitized)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(fixture_url + "#/text")
    body = page.locator(".text-card .text-body").first
    expect(body.locator("strong")).to_have_text("kept")

    assert body.locator("script, iframe, [onerror], [onclick], [style]").count() == 0
    assert body.locator("img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))") == [
        None,
        "x",
    ]
    expect(body.get_by_role("link", name="docs")).to_have_attribute(
        "href", "https://example.org/docs"
    )
    assert body.get_by_text("js link").get_attribute("href") is None
    body.get_by_text("styled").click()
    body.get_by_text("js link").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None
    assert [url for url in requests if urlsplit(url).hostname == "tracker.invalid"] == []
