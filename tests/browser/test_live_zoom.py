"""Exact zoom in the Live view: zooming into a thinned trace shows every point of the range."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from test_live_view import Server, open_env, pane

import torchscope

pytestmark = pytest.mark.browser

COUNT = 200_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("live-zoom"))
    yield running
    running.stop()


def drag_zoom(page: Page, plot: Locator, start: float, end: float) -> None:
    """Drag across the plot from ``start`` to ``end`` (fractions of its width): a Plotly zoom."""
    area = plot.locator(".nsewdrag").bounding_box()
    assert area is not None
    y_mid = area["y"] + area["height"] / 2
    page.mouse.move(area["x"] + area["width"] * start, y_mid)
    page.mouse.down()
    page.mouse.move(area["x"] + area["width"] * end, y_mid, steps=5)
    page.mouse.up()


#: Whether the plot holds every integer x of its visible x range, in order (the data has one
#: point per integer x), and at least one point beyond each end of it.
EVERY_POINT_OF_RANGE = """gd => {
    const [x0, x1] = gd.layout.xaxis.range;
    const xs = gd.data[0].x;
    const inside = xs.filter((x) => x >= x0 && x <= x1);
    const expected = Math.floor(x1) - Math.ceil(x0) + 1;
    const ordered = inside.every((x, i) => i === 0 || x === inside[i - 1] + 1);
    return inside.length === expected && ordered && xs[0] < x0 && xs[xs.length - 1] > x1;
}"""


def test_zoom_fetches_the_full_resolution_points_of_the_range(page: Page, server: Server) -> None:
    vis = torchscope.Visdom(
        server="http://127.0.0.1",
        port=server.port,
        env="z_exact",
        use_incoming_socket=False,
        raise_exceptions=True,
    )
    rng = np.random.default_rng(0)
    y = np.cumsum(rng.normal(size=COUNT))  # a random walk: thinning drops most of its points
    vis.line(Y=y, X=np.arange(COUNT), win="walk")
    open_env(page, server, "z_exact")
    plot = pane(page, "walk").locator(".live-plot")
    expect(plot).to_have_attribute("data-ready", "1", timeout=30_000)
    assert plot.evaluate("gd => gd.data[0].x.length") < 10_000
    thinned_range = EVERY_POINT_OF_RANGE.replace("gd.layout.xaxis.range", "[80000, 80200]")
    assert not plot.evaluate(thinned_range)

    with page.expect_response(
        lambda r: "data/plugin/live/window" in r.url and "x0=" in r.url and "x1=" in r.url
    ) as answer:
        drag_zoom(page, plot, 0.40, 0.43)
    assert answer.value.ok
    page.wait_for_function(EVERY_POINT_OF_RANGE, arg=plot.element_handle(), timeout=20_000)
    # Only the range (and a neighbour each side) came: a few thousand points, not 200,000.
    assert plot.evaluate("gd => gd.data[0].x.length") < 20_000
    zoomed = plot.evaluate("gd => gd.layout.xaxis.range")
    assert zoomed[1] - zoomed[0] < COUNT / 10  # the zoom survived the redraw
    visible = plot.evaluate(
        "gd => gd.data[0].y.filter((_, i) => gd.data[0].x[i] >= gd.layout.xaxis.range[0]"
        " && gd.data[0].x[i] <= gd.layout.xaxis.range[1])"
    )
    first = int(np.ceil(zoomed[0]))
    assert visible == pytest.approx(y[first : first + len(visible)].tolist())
    expect(pane(page, "walk")).to_contain_text("zoomed to x =")

    # Zooming further in, inside the zoomed range, fetches that range again.
    with page.expect_response(lambda r: "x0=" in r.url):
        drag_zoom(page, plot, 0.2, 0.5)
    page.wait_for_function(EVERY_POINT_OF_RANGE, arg=plot.element_handle(), timeout=20_000)

    # An append while zoomed still arrives.
    vis.line(Y=[1e6], X=[COUNT], win="walk", update="append")
    page.wait_for_function(
        "gd => gd.data[0].y[gd.data[0].y.length - 1] === 1e6", arg=plot.element_handle()
    )

    # Double click: back to the whole trace, thinned. Plotly reads two clicks as a double click
    # only within 300 ms, which a loaded machine can miss: try again rather than fail on timing.
    for _ in range(3):
        plot.locator(".nsewdrag").dblclick()
        try:
            page.wait_for_function(
                "gd => gd.data[0].x.length < 10000 && gd.data[0].x[0] === 0",
                arg=plot.element_handle(),
                timeout=10_000,
            )
            break
        except PlaywrightTimeoutError:
            continue
    else:
        raise AssertionError("zooming out never brought the whole thinned trace back")
    expect(pane(page, "walk")).to_contain_text(f"of {COUNT + 1:,} points (min/max")


def test_zoom_of_a_window_shown_whole_fetches_nothing(page: Page, server: Server) -> None:
    vis = torchscope.Visdom(
        server="http://127.0.0.1",
        port=server.port,
        env="z_small",
        use_incoming_socket=False,
        raise_exceptions=True,
    )
    vis.line(Y=np.arange(500.0), X=np.arange(500), win="small")
    open_env(page, server, "z_small")
    plot = pane(page, "small").locator(".live-plot")
    expect(plot).to_have_attribute("data-ready", "1", timeout=30_000)
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "plugin/live/window" in r.url else None)
    drag_zoom(page, plot, 0.3, 0.6)
    page.wait_for_function("gd => gd.layout.xaxis.range[1] < 400", arg=plot.element_handle())
    page.wait_for_timeout(500)
    assert fetched == []  # every point is already on the page
    assert plot.evaluate("gd => gd.data[0].x.length") == 500
