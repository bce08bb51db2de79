"""The dashboard shell in a real browser: top bar, live tabs, routing, themes, connection state."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

    MakeServer = Callable[..., LiveServer]

pytestmark = pytest.mark.browser

#: How long a tab may take to follow the server (it re-checks plugins once a second).
LIVE_UPDATE_MS = 8_000
#: Reconnecting waits out a back-off of at most 5 s.
RECONNECT_MS = 15_000


def open_dashboard(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "1")


def view_tabs(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Views").get_by_role("link")


def connection(page: Page) -> Locator:
    return page.locator(".connection")


def record_traffic(page: Page) -> tuple[list[str], list[str]]:
    """Start recording every request URL (WebSockets included) and every error the page logs."""
    urls: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda socket: urls.append(socket.url))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return urls, errors


def test_page_renders_cleanly_and_only_talks_to_its_server(page: Page, server: LiveServer) -> None:
    urls, errors = record_traffic(page)
    open_dashboard(page, server.url)

    expect(page).to_have_title("torchscope")
    top_bar = page.get_by_role("banner")
    expect(top_bar.get_by_role("link", name="torchscope")).to_be_visible()
    expect(connection(page)).to_have_attribute("data-state", "connected")
    expect(view_tabs(page)).to_have_count(0)
    welcome = page.get_by_role("main")
    expect(welcome.get_by_role("heading", name="Nothing to show yet")).to_be_visible()
    expect(welcome).to_contain_text('vis.line(Y=[loss], X=[step], win="loss", update="append")')
    expect(welcome).to_contain_text('w.add_scalar("loss", loss, step)')
    expect(welcome).to_contain_text("torchscope serve --logdir runs")
    page.wait_for_load_state("networkidle")

    assert errors == []
    paths = {urlsplit(url).path for url in urls}
    assert {"/", "/data/plugins_listing", "/api/ws"} <= paths
    assert any(path.startswith("/assets/") and path.endswith(".js") for path in paths)
    outside = [url for url in urls if urlsplit(url).netloc != f"127.0.0.1:{server.port}"]
    assert outside == []


def test_tabs_follow_plugin_data_without_a_reload(page: Page, server: LiveServer) -> None:
    open_dashboard(page, server.url)
    page.evaluate("window.sameDocument = true")
    expect(view_tabs(page)).to_have_count(0)

    for name in ("weather", "images", "scalars"):
        server.set_active(name, True)
    # Known views in their fixed order, then others with the server's tab name.
    expect(view_tabs(page)).to_have_text(
        ["Scalars", "Images", "Weather Maps"], timeout=LIVE_UPDATE_MS
    )
    expect(page.get_by_role("heading", name="Nothing to show yet")).to_have_count(0)

    server.set_active("images", False)
    expect(view_tabs(page)).to_have_text(["Scalars", "Weather Maps"], timeout=LIVE_UPDATE_MS)
    assert page.evaluate("window.sameDocument") is True


def test_selected_view_lives_in_the_url_hash(page: Page, make_server: MakeServer) -> None:
    server = make_server(active=("scalars", "weather"))
    open_dashboard(page, server.url)
    scalars = view_tabs(page).filter(has_text="Scalars")
    weather = view_tabs(page).filter(has_text="Weather Maps")
    expect(scalars).to_have_attribute("aria-current", "page")  # the first view opens by default

    weather.click()
    expect(page).to_have_url(re.compile(r"#/weather$"))
    expect(weather).to_have_attribute("aria-current", "page")
    expect(scalars).not_to_have_attribute("aria-current", re.compile(".*"))
    coming = page.get_by_role("main")
    expect(coming.get_by_role("heading", name="Weather Maps: this view is coming")).to_be_visible()
    expect(coming.locator("code")).to_have_text("weather")

    page.reload()
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(weather).to_have_attribute("aria-current", "page")

    scalars.click()
    expect(page).to_have_url(re.compile(r"#/scalars$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"#/weather$"))
    expect(weather).to_have_attribute("aria-current", "page")
    page.go_forward()
    expect(scalars).to_have_attribute("aria-current", "page")


def test_a_view_without_data_says_so(page: Page, server: LiveServer) -> None:
    open_dashboard(page, server.url + "#/graphs")
    expect(page.get_by_role("heading", name="Graphs: no data yet")).to_be_visible()
    server.set_active("graphs", True)
    expect(view_tabs(page)).to_have_text(["Graphs"], timeout=LIVE_UPDATE_MS)
    expect(view_tabs(page).first).to_have_attribute("aria-current", "page")


def test_theme_follows_the_system_then_the_user_choice(page: Page, server: LiveServer) -> None:
    page.emulate_media(color_scheme="dark")
    open_dashboard(page, server.url)
    root = page.locator("html")
    expect(root).to_have_attribute("data-theme", "dark")
    dark_background = page.evaluate("getComputedStyle(document.body).backgroundColor")

    page.get_by_role("button", name="Switch to light theme").click()
    expect(root).to_have_attribute("data-theme", "light")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != dark_background

    page.reload()  # the choice outlives the page, though the system still prefers dark
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(root).to_have_attribute("data-theme", "light")
    expect(page.get_by_role("button", name="Switch to dark theme")).to_be_visible()


def test_connection_indicator_follows_the_server(page: Page, server: LiveServer) -> None:
    open_dashboard(page, server.url)
    indicator = connection(page)
    expect(indicator).to_have_attribute("data-state", "connected")
    expect(indicator).to_contain_text("Connected")

    server.stop()
    expect(indicator).to_have_attribute("data-state", "offline")
    expect(indicator).to_contain_text("Offline")
    expect(indicator.get_by_role("button", name="Retry now")).to_be_visible()

    server.set_active("images", True)  # data that arrived while the page was cut off
    server.start()
    expect(indicator).to_have_attribute("data-state", "connected", timeout=RECONNECT_MS)
    expect(view_tabs(page)).to_have_text(["Images"])


def test_works_under_a_base_url(page: Page, make_server: MakeServer) -> None:
    server = make_server(base_url="/vis", active=("weather",))
    urls, errors = record_traffic(page)
    # A deeper path gets the same page; its assets and links still resolve under the prefix.
    deep_url = f"{server.url}runs/exp1"
    open_dashboard(page, deep_url)
    page.evaluate("window.sameDocument = true")

    expect(connection(page)).to_have_attribute("data-state", "connected")
    view_tabs(page).filter(has_text="Weather Maps").click()
    expect(page).to_have_url(f"{deep_url}#/weather")
    expect(page.get_by_role("heading", name="Weather Maps: this view is coming")).to_be_visible()
    assert page.evaluate("window.sameDocument") is True
    page.wait_for_load_state("networkidle")

    assert errors == []
    paths = [urlsplit(url).path for url in urls]
    assert "/vis/data/plugins_listing" in paths
    assert "/vis/api/ws" in paths
    assert [path for path in paths if not path.startswith("/vis/")] == []


@pytest.mark.parametrize("width", [1280, 800])
def test_top_bar_fits_the_window(page: Page, make_server: MakeServer, width: int) -> None:
    server = make_server(active=("scalars", "images", "graphs", "weather"))
    page.set_viewport_size({"width": width, "height": 700})
    open_dashboard(page, server.url)

    top_bar = page.get_by_role("banner")
    for control in (
        top_bar.get_by_role("link", name="torchscope"),
        top_bar.get_by_role("button", name=re.compile("Switch to .* theme")),
        connection(page),
        *view_tabs(page).all(),
    ):
        expect(control).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.keyboard.press("Tab")  # the skip link, then the product name: focus must be visible
    page.keyboard.press("Tab")
    focused_outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused_outline not in ("", "none")
